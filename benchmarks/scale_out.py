"""Scale-out benchmark: items/hour through download and transcription with 1, 2 and 4
workers per queue, and how long a SIGKILLed worker's task waits before another takes it.

Runs the scaled deployment for real on this machine: PostgreSQL and Redis on loopback
(``tests/drills/harness.py``), ``raqib worker`` processes (one thread each) over the
drill outlet (each item the demo's Arabic speech, ~10 s, as its own MP4) with the bundled
Whisper base model. Indexing goes to an Elasticsearch that is not there, so each item
stops failed at ``index``: the figure is download + transcription. Prints JSON.

    .venv/bin/python benchmarks/scale_out.py --items 24 --workers 1 2 4
    .venv/bin/python benchmarks/scale_out.py --pickup-only      # default lease and tick

The pickup figure uses the shipped ``queue.lease_seconds`` and ``queue.tick_seconds``
unless ``--lease``/``--tick`` say otherwise: the claim must lapse, then the scheduler must
see the work unclaimed and unqueued on two ticks in a row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "drills")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")

from harness import Cluster, audit, backends, build_outlet, raqib, write_config  # noqa: E402

from raqib.demo.server import StaticServer  # noqa: E402
from tests.services import free_port  # noqa: E402


def _env(tmp: Path, models: Path, pg_url: str, redis_url: str, lease: float,
         tick: float) -> dict[str, str]:
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "models").symlink_to(models)
    return {**os.environ, "RAQIB_CONFIG": str(tmp / "raqib.toml"), "RAQIB_DATA_DIR": str(data),
            "DATABASE_URL": pg_url, "REDIS_URL": redis_url,
            "RAQIB_SEARCH_BACKEND": "elasticsearch",
            "ELASTICSEARCH_URL": f"http://127.0.0.1:{free_port()}",
            "RAQIB_TRANSCRIBE_MODEL": "bundled-base", "RAQIB_LOG_FORMAT": "json",
            "RAQIB_CRAWL_DOWNLOAD_DELAY": "0", "RAQIB_QUEUE_LEASE_SECONDS": str(lease),
            "RAQIB_QUEUE_TICK_SECONDS": str(tick), "PYTHONUNBUFFERED": "1"}


def _past_transcription(state: dict) -> int:
    return sum(1 for b in state["broadcasts"]
               if b["status"] == "indexed" or b["failed_stage"] in ("index", "download"))


def throughput(models: Path, items: int, workers: int, work: Path) -> dict:
    outlet = build_outlet(work / "site", items, seed=1)
    outlet.faults.clear()
    outlet.missing.clear()
    with StaticServer(outlet.root) as server, backends() as (pg, redis):
        env = _env(work, models, pg.url, redis.url, lease=10, tick=5)
        write_config(work / "raqib.toml", outlet.source(server.base_url))
        assert raqib(env, "manage", "migrate", "-v", "0").returncode == 0
        cluster = Cluster(env, work / "logs")
        start = time.monotonic()
        first_seen = None
        try:
            for n in range(workers):
                cluster.add(f"io-{n}", "worker", "--queues", "io", "--workers", "1")
                cluster.add(f"tr-{n}", "worker", "--queues", "transcribe", "--workers", "1")
            while True:
                state = audit(env)
                if first_seen is None and state["broadcasts"]:
                    first_seen = time.monotonic()  # the crawl is done: items exist
                if len(state["broadcasts"]) == items and _past_transcription(state) == items:
                    break
                if time.monotonic() - start > 3600:
                    raise TimeoutError(state["statuses"])
                time.sleep(1)
        finally:
            cluster.stop()
    end = time.monotonic()
    pipeline_s = end - (first_seen or start)
    return {"workers_per_queue": workers, "items": items,
            "wall_s": round(end - start, 1), "after_crawl_s": round(pipeline_s, 1),
            "items_per_hour": round(items / pipeline_s * 3600)}


def pickup(models: Path, lease: float, tick: float, work: Path) -> dict:
    """Kill the transcription worker holding a claim; time until another worker holds it."""
    outlet = build_outlet(work / "site", 2, seed=2)
    outlet.faults.clear()
    outlet.missing.clear()
    with StaticServer(outlet.root) as server, backends() as (pg, redis):
        env = _env(work, models, pg.url, redis.url, lease=lease, tick=tick)
        write_config(work / "raqib.toml", outlet.source(server.base_url))
        assert raqib(env, "manage", "migrate", "-v", "0").returncode == 0
        cluster = Cluster(env, work / "logs")
        try:
            cluster.add("io-0", "worker", "--queues", "io")
            cluster.add("tr-a", "worker", "--queues", "transcribe")
            while True:
                state = audit(env)
                claims = {k: h for k, h in state["claims"].items()}
                victim = next((k for k, h in claims.items()
                               if cluster.by_pid(int(h.split(":")[1])) == "tr-a"), None)
                if victim:
                    break
                time.sleep(0.2)
            cluster.add("tr-b", "worker", "--queues", "transcribe")
            time.sleep(3)  # tr-b is up and idle before the kill
            cluster.kill("tr-a")
            killed = time.monotonic()
            while True:
                state = audit(env)
                holder = state["claims"].get(victim)
                if holder and cluster.by_pid(int(holder.split(":")[1])) == "tr-b":
                    break
                if time.monotonic() - killed > 20 * (lease + tick):
                    raise TimeoutError("the dead worker's task was never taken")
                time.sleep(0.2)
        finally:
            cluster.stop()
    return {"lease_seconds": lease, "tick_seconds": tick,
            "pickup_s": round(time.monotonic() - killed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=24)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--tick", type=float, default=60.0)
    parser.add_argument("--pickup-only", action="store_true")
    parser.add_argument("--no-pickup", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from transcribe.bundled_model import ensure_bundled_model

    with tempfile.TemporaryDirectory(prefix="raqib-bench-scale-") as tmp:
        models = Path(tmp) / "models"
        ensure_bundled_model(models)
        result: dict = {"cpus": os.cpu_count(), "model": "bundled-base (Whisper base)"}
        if not args.pickup_only:
            result["throughput"] = [throughput(models, args.items, n, Path(tmp) / f"t{n}")
                                    for n in args.workers]
        if not args.no_pickup:
            result["pickup"] = pickup(models, args.lease, args.tick, Path(tmp) / "pickup")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
