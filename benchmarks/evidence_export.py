"""Evidence export and audit-chain figures.

Run:  nice -n 10 .venv/bin/python benchmarks/evidence_export.py
      (quick check: --hours 0.1 --events 20000)

1. *Export*: a generated broadcast of ``--hours`` (default 3) hours of **low-bitrate
   audio-only** AAC (mono, 16 kHz, 16 kb/s, a 440 Hz tone with pink noise from ffmpeg's
   lavfi; about 22 MB for 3 h) is stored as evidence with an info.json and captions, a
   transcript of one segment per 5 s, and an incident with ``--clips`` clips spread over
   the broadcast. ``review.evidence.package.export_bag`` (no TSA) is timed; peak memory
   is ``ru_maxrss`` of this process (Python + Django) and of the ffmpeg children, and the
   Python heap peak from ``tracemalloc`` during the export. The export runs in a fresh
   child process so the process peak is its own.
2. *Audit chain*: ``--events`` (default 1,000,000) chained events are written (hashes by
   ``catalog.chain.event_hash``, bulk INSERT in one transaction, as a migration would), a
   sample of ``--orm-events`` through ``audit.record`` gives the ORM append rate, then
   ``catalog.audit_chain.verify_chain`` (what ``raqib audit verify`` runs) is timed:
   events/s.

SQLite in a temporary data dir unless ``--database-url`` names a PostgreSQL database
(it must be empty and yours). Prints a Markdown table, then the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(data_dir: Path, database_url: str) -> None:
    config = data_dir.parent / "raqib.toml"
    config.write_text("")
    os.environ["RAQIB_DATA_DIR"] = str(data_dir)
    os.environ["RAQIB_CONFIG"] = str(config)
    os.environ["DJANGO_SETTINGS_MODULE"] = "raqib.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _generate(path: Path, hours: float) -> float:
    started = time.perf_counter()
    seconds = int(hours * 3600)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=frequency=440:sample_rate=16000:duration={seconds}",
                    "-f", "lavfi", "-i", f"anoisesrc=color=pink:sample_rate=16000:"
                    f"amplitude=0.05:duration={seconds}", "-filter_complex", "amix=inputs=2",
                    "-ac", "1", "-c:a", "aac", "-b:a", "16k", str(path)], check=True)
    return time.perf_counter() - started


def _seed(data_dir: Path, media_path: Path, hours: float, clips: int) -> int:
    import hashlib
    import shutil

    from django.contrib.auth import get_user_model

    from catalog.models import (
        Broadcast,
        CustodyEvent,
        EvidenceFile,
        MediaFile,
        Outlet,
        Segment,
        Source,
        Transcript,
    )
    from review.models import Clip, Incident

    digest = hashlib.sha256()
    with media_path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    sha = digest.hexdigest()
    rel = Path("media") / sha[:2] / f"{sha}.m4a"
    (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(media_path, data_dir / rel)
    outlet = Outlet.objects.create(name="bench outlet")
    source = Source.objects.create(name="bench", outlet=outlet, kind="site")
    media = MediaFile.objects.create(sha256=sha, path=rel.as_posix(),
                                     size=(data_dir / rel).stat().st_size,
                                     duration=hours * 3600)
    b = Broadcast.objects.create(source=source, outlet=outlet, external_id="3h",
                                 url="https://example.org/3h", title="بث طويل", media=media)
    for kind, name, text in (("info_json", "info.json", '{"id": "3h"}'),
                             ("captions", "captions.ar.vtt", "WEBVTT\n")):
        path = data_dir / "captures" / "bench" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        EvidenceFile.objects.create(broadcast=b, kind=kind, path=f"captures/bench/{name}",
                                    sha256=hashlib.sha256(text.encode()).hexdigest(),
                                    size=len(text.encode()))
    CustodyEvent.objects.create(action="captured", actor="bench", broadcast=b, media=media,
                                sha256=sha)
    t = Transcript.objects.create(broadcast=b, engine="faster-whisper", model_id="base")
    Segment.objects.bulk_create(Segment(transcript=t, number=i, start=i * 5.0,
                                        end=i * 5.0 + 4.5, text=f"مقطع رقم {i}")
                                for i in range(int(hours * 3600 / 5)))
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    incident = Incident.objects.create(title="bench", proposed_by=user, last_edited_by=user)
    span = hours * 3600
    for n in range(clips):
        start = span * (n + 0.5) / clips
        Clip.objects.create(incident=incident, broadcast=b, start=start,
                            end=min(span, start + 300), added_by=user)
    return incident.pk


def export_child(args: argparse.Namespace) -> None:
    """Runs in its own process: set up, export, print JSON figures."""
    import tracemalloc

    data_dir = Path(args.data_dir)
    _setup(data_dir, args.database_url)
    from review.evidence.package import export_bag
    from review.evidence.signing import generate_key

    key = data_dir.parent / "bench-signing-key.pem"
    if not key.exists():
        generate_key(key)
    tracemalloc.start()
    started = time.perf_counter()
    result = export_bag(args.incident, data_dir.parent / "bag", data_dir=data_dir,
                        zip_output=args.zip, signing_key=key)
    elapsed = time.perf_counter() - started
    _, heap_peak = tracemalloc.get_traced_memory()
    print(json.dumps({
        "export_s": round(elapsed, 2), "files": result.files, "bytes": result.bytes,
        "python_heap_peak_mb": round(heap_peak / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                     1),
        "ffmpeg_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}))


def _chain_figures(n: int, orm_events: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog import audit, chain
    from catalog.audit_chain import chain_head, verify_chain
    from catalog.models import CustodyEvent

    head = chain_head()
    seq, prev = head["seq"], head["hash"]
    started = time.perf_counter()
    batch: list[tuple] = []
    at = chain.utc_text(timezone.now())  # one instant: not back-dated, as verify checks
    columns = ("seq, prev_hash, hash, at, action, actor, sha256, source_url, final_url, "
               "host, tool_versions, details")
    marks = ", ".join(["%s"] * 12)
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(n):
            seq += 1
            details = {"n": i, "note": "حدث تجريبي"}
            fields = {"seq": seq, "at": at, "action": "bench", "actor": "bench@host",
                      "broadcast_id": None, "media_id": None, "sha256": "",
                      "source_url": "", "final_url": "", "http_status": None, "host": "h",
                      "tool_versions": {}, "details": details}
            digest = chain.event_hash(fields, prev)
            batch.append((seq, prev, digest, at, "bench", "bench@host", "", "", "", "h",
                          "{}", json.dumps(details, ensure_ascii=False)))
            prev = digest
            if len(batch) == 20_000:
                cursor.executemany(f"INSERT INTO raqib_custodyevent ({columns}) VALUES "
                                   f"({marks})", batch)
                batch.clear()
                print(f"chain: {i + 1} events written", file=sys.stderr, flush=True)
        if batch:
            cursor.executemany(f"INSERT INTO raqib_custodyevent ({columns}) VALUES ({marks})",
                               batch)
    write_s = time.perf_counter() - started

    started = time.perf_counter()
    for i in range(orm_events):
        audit.record("bench-orm", details={"n": i})
    orm_s = time.perf_counter() - started

    started = time.perf_counter()
    result = verify_chain(progress=lambda k: print(f"verify: {k}", file=sys.stderr,
                                                   flush=True))
    verify_s = time.perf_counter() - started
    assert result["ok"], result
    total = CustodyEvent.objects.count()
    return {"events": total, "bulk_write_s": round(write_s, 1),
            "orm_append_events_per_s": round(orm_events / orm_s, 1),
            "verify_s": round(verify_s, 1),
            "verify_events_per_s": round(total / verify_s),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--orm-events", type=int, default=2000)
    parser.add_argument("--zip", action="store_true", help="zip the bag too")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--incident", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args)
        return
    with tempfile.TemporaryDirectory(prefix="raqib-bench-evidence-") as tmp:
        data_dir = Path(tmp) / "data"
        _setup(data_dir, args.database_url)
        media = Path(tmp) / "broadcast.m4a"
        print(f"generating {args.hours} h of audio-only AAC...", file=sys.stderr, flush=True)
        gen_s = _generate(media, args.hours)
        size = media.stat().st_size
        incident = _seed(data_dir, media, args.hours, args.clips)
        child = subprocess.run([sys.executable, __file__, "--export-child", "--data-dir",
                                str(data_dir), "--incident", str(incident),
                                "--database-url", args.database_url,
                                *(["--zip"] if args.zip else [])],
                               capture_output=True, text=True, check=True)
        export = json.loads(child.stdout.strip().splitlines()[-1])
        chain_fig = _chain_figures(args.events, args.orm_events) if args.events else {}
    from django.db import connection

    out = {"machine": f"{platform.machine()} {os.cpu_count()} cpu, {platform.system()}",
           "database": connection.vendor, "hours": args.hours, "clips": args.clips,
           "media_mb": round(size / 2**20, 1), "generate_s": round(gen_s, 1),
           "export": export, "chain": chain_fig}
    print("| figure | value |\n|---|---|")
    print(f"| broadcast | {args.hours} h audio-only AAC 16 kb/s, {out['media_mb']} MB |")
    print(f"| export ({args.clips} clips of 5 min{', zipped' if args.zip else ''}) | "
          f"{export['export_s']} s |")
    print(f"| peak RSS export process / ffmpeg | {export['process_peak_rss_mb']} MB / "
          f"{export['ffmpeg_peak_rss_mb']} MB (Python heap peak "
          f"{export['python_heap_peak_mb']} MB) |")
    if chain_fig:
        print(f"| audit verify at {chain_fig['events']} events | {chain_fig['verify_s']} s, "
              f"{chain_fig['verify_events_per_s']} events/s |")
        print(f"| ORM append (audit.record) | {chain_fig['orm_append_events_per_s']} events/s |")
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
