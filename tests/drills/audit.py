"""Print the catalog as the fault drills check it, as JSON (run as a script under the
drill's environment: DATABASE_URL or the SQLite data dir, RAQIB_DATA_DIR).

Per broadcast: status, failed stage and reason, how many media links, custody events by
action, ASR transcripts, segments and alerts; the search backend's drift from the catalog
(``index.consistency``); plus live claims, the scheduler's holder and any file under the
data dir that no catalog row names (a partial or orphaned evidence file). The catalog
figures are read in one transaction (a REPEATABLE READ snapshot on PostgreSQL; SQLite's
WAL read transaction is one too), so they agree with each other while workers write. The drills turn
these into "0 lost, 0 duplicated"; to check something new, add its figure here.

``audit.py --serve`` (what ``harness.audit`` runs, issue 26) stays up and answers one JSON
line per line read on stdin: the same audit, each in its own fresh snapshot, without
paying Django's start-up (about a second of CPU) on every poll of a drill. An audit that
fails (the database restarting under it) answers ``{"error": ...}`` and drops its
connections, so the next one connects again, as a new process would.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from catalog.models import (  # noqa: E402
    Alert,
    Broadcast,
    CustodyEvent,
    EvidenceFile,
    MediaFile,
    Segment,
    Transcript,
)
from index.consistency import check  # noqa: E402
from index.registry import get_backend  # noqa: E402
from raqib import leases  # noqa: E402


def main() -> None:
    print(json.dumps(audit(), ensure_ascii=False))


def serve() -> None:
    """One audit per line on stdin, one JSON line back each, until stdin closes."""
    from django.db import connections

    for _ in sys.stdin:
        try:
            answer = audit()
        except Exception as exc:  # noqa: BLE001 - reported to the harness, which retries
            connections.close_all()
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer, ensure_ascii=False), flush=True)


def audit() -> dict:
    try:  # the backend's own view: a transcript indexed twice is "extra" drift
        drift: list | str = [asdict(d) for d in check(get_backend())]
    except Exception as exc:  # noqa: BLE001 - e.g. no Elasticsearch in this drill
        drift = f"{type(exc).__name__}: {exc}"
    # Every catalog figure from ONE snapshot: read one query at a time while the workers
    # run, a broadcast could be counted without the transcript committed a moment before
    # it was read as failed at index (the drill then saw "failed at index, 0 transcripts":
    # an audit artefact, not lost work).
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state = catalog_state()
    return {**state, "index_drift": drift}


def catalog_state() -> dict:
    data_dir = settings.CONFIG.data_dir
    custody: dict[int, Counter] = defaultdict(Counter)
    for broadcast_id, action in CustodyEvent.objects.values_list("broadcast_id", "action"):
        custody[broadcast_id][action] += 1
    transcripts = Counter(Transcript.objects.filter(track="asr")
                          .values_list("broadcast_id", flat=True))
    segments = Counter(Segment.objects.values_list("transcript__broadcast_id", flat=True))
    alerts = Counter(Alert.objects.values_list("broadcast_id", flat=True))
    broadcasts = []
    for b in Broadcast.objects.order_by("id"):
        broadcasts.append({
            "id": b.id, "external_id": b.external_id, "status": b.status,
            "failed_stage": b.failed_stage, "error": b.error, "media_id": b.media_id,
            "custody": dict(custody.get(b.id, {})), "transcripts": transcripts.get(b.id, 0),
            "segments": segments.get(b.id, 0), "alerts": alerts.get(b.id, 0),
        })
    known = set(MediaFile.objects.values_list("path", flat=True))
    known |= set(MediaFile.objects.values_list("info_json_path", flat=True))
    known |= set(EvidenceFile.objects.values_list("path", flat=True))
    unnamed = sorted(str(p.relative_to(data_dir)) for p in (data_dir / "captures").rglob("*")
                     if p.is_file() and str(p.relative_to(data_dir)) not in known) \
        if (data_dir / "captures").exists() else []
    partial = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*.part")
                     if "tmp" not in p.relative_to(data_dir).parts)
    return {
        "broadcasts": broadcasts,
        "statuses": dict(Counter(b["status"] for b in broadcasts)),
        "media_files": MediaFile.objects.count(),
        "unlinked_media": MediaFile.objects.filter(broadcasts__isnull=True).count(),
        "unnamed_files": unnamed, "partial_files": partial,
        "claims": leases.live_holders(leases.STAGE_PREFIX),
        "scheduler": leases.live_holders(leases.SCHEDULER),
    }


if __name__ == "__main__":
    serve() if sys.argv[1:] == ["--serve"] else main()
