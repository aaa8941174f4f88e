"""Time each pipeline stage on the demo's fixture outlet and print the figures as JSON.

Run:  .venv/bin/python benchmarks/pipeline_stages.py
It uses a fresh temporary data dir, the offline Whisper base model and the embedded
backends, so the figures describe this machine on the embedded default. Add a figure by
timing another call and putting it in ``figures``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _setup() -> Path:
    home = Path(tempfile.mkdtemp(prefix="raqib-bench-"))
    (home / "raqib.toml").write_text("[crawl]\ndownload_delay = 0.0\n")
    os.environ.update(RAQIB_DATA_DIR=str(home / "data"), RAQIB_CONFIG=str(home / "raqib.toml"),
                      RAQIB_TRANSCRIBE_MODEL="bundled-base", RAQIB_LOG_LEVEL="WARNING",
                      DJANGO_SETTINGS_MODULE="raqib.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return home


def main() -> int:
    home = _setup()
    from django.conf import settings

    from catalog.models import Transcript
    from index.registry import get_backend
    from raqib import pipeline
    from raqib.commands.demo import _register_source
    from raqib.demo.fixture_site import start_fixture_outlet

    config = settings.CONFIG
    started = time.perf_counter()
    site, server = start_fixture_outlet(home / "site")
    figures: dict = {"fixture_build_s": round(time.perf_counter() - started, 2)}
    try:
        source = _register_source(site.source_config(server.base_url))
        started = time.perf_counter()
        report = pipeline.crawl_source(source, config)
        figures["crawl_s"] = round(time.perf_counter() - started, 2)
        figures["items"] = report.found
        stage_time = dict.fromkeys(pipeline.STAGES, 0.0)
        for broadcast_id in report.new_ids:
            for stage in pipeline.STAGES:
                started = time.perf_counter()
                if not pipeline.run_stage(broadcast_id, stage, config):
                    break
                stage_time[stage] += time.perf_counter() - started
    finally:
        server.stop()
    audio = sum(t.duration or 0 for t in Transcript.objects.all())
    figures.update({f"{k}_s": round(v, 2) for k, v in stage_time.items()})
    figures["audio_s"] = round(audio, 2)
    # The first transcription also loads the model; the ratio still counts it.
    figures["transcribe_audio_s_per_wall_s"] = round(audio / stage_time["transcribe"], 2)
    backend = get_backend(config)
    latencies = []
    for _ in range(200):
        started = time.perf_counter()
        backend.search("أماني")
        latencies.append((time.perf_counter() - started) * 1000)
    figures["search_ms_p50"] = round(statistics.median(latencies), 3)
    figures["search_ms_p95"] = round(statistics.quantiles(latencies, n=20)[18], 3)
    figures["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    json.dump(figures, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
