"""``raqib broadcasts list``: what was discovered and where each broadcast stands.

The JSON form is a stable interface for scripts and outside checks: a list of objects with
at least ``id``, ``url``, ``outlet``, ``title``, ``aired_at`` (ISO 8601 as the outlet printed
it: a day "2021-04-20" or a time in its zone with the offset, see ``catalog.aired``),
``aired_precision``, ``status``, ``error``, ``sha256`` (of the captured media, or null) and
``sightings`` (where else the same recording was seen: source, outlet, URL, when).

``raqib broadcasts merge-duplicates`` merges broadcasts that share a media file into the
earliest captured one (``catalog.sightings``), then brings the search index in line.
"""

from __future__ import annotations

import argparse
from typing import Any

from catalog import audit, sightings
from catalog.aired import AirDate
from catalog.models import Broadcast
from raqib.commands.output import CommandError, emit

COLUMNS = ["id", "status", "outlet", "aired_at", "title", "error"]


def broadcast_json(b: Any) -> dict[str, Any]:
    return {
        "id": b.id,
        "url": b.url,
        "media_url": b.media_url,
        "outlet": b.outlet.name,
        "source": b.source.name,
        "title": b.title,
        "program": b.program,
        # As printed (catalog.aired): a day "2021-04-20", a time with the outlet's offset;
        # also aired_precision, aired_at_utc, aired_tz and aired_at_raw.
        **AirDate.of(b).fields(),
        # Live chunks: end of the air-time window and the gaps in it ([] otherwise).
        "aired_end": b.aired_end.isoformat() if b.aired_end else None,
        "gaps": b.gaps,
        "language": b.language,
        "status": b.status,
        "failed_stage": b.failed_stage or None,
        "error": b.error or None,
        "retry_count": b.retry_count,
        "sha256": b.media.sha256 if b.media else None,
        "next_retry_at": b.next_retry_at.isoformat() if b.next_retry_at else None,
        # Takedown watch (crawler.takedown): unchecked, online, gone or recut.
        "availability": b.availability,
        "availability_checked_at": (b.availability_checked_at.isoformat()
                                    if b.availability_checked_at else None),
        "evidence": [{"kind": e.kind, "path": e.path, "sha256": e.sha256, "size": e.size}
                     for e in b.evidence_files.all()],
        "discovered_at": b.discovered_at.isoformat(),
        # The same recording seen elsewhere (catalog.sightings): one row per sighting.
        "sightings": [{"id": s.id, "source": s.source.name, "outlet": s.outlet.name,
                       "url": s.url, "external_id": s.external_id, "title": s.title,
                       **AirDate.of(s).fields(),
                       "seen_at": s.seen_at.isoformat()} for s in b.sightings.all()],
    }


def list_broadcasts(args: argparse.Namespace) -> int:
    qs = (Broadcast.objects.select_related("outlet", "source", "media")
          .prefetch_related("evidence_files", "sightings__source", "sightings__outlet")
          .order_by("-id"))
    if args.status:
        qs = qs.filter(status=args.status)
    if args.source:
        qs = qs.filter(source__name=args.source)
    if args.outlet:
        qs = qs.filter(outlet__name=args.outlet)
    if getattr(args, "availability", None):
        qs = qs.filter(availability=args.availability)
    if args.limit:
        qs = qs[: args.limit]
    rows = [broadcast_json(b) for b in qs]
    emit(args, rows, COLUMNS)
    return 0


MERGE_COLUMNS = ["kept", "dropped", "sighting", "sha256", "moved"]


def _update_index(reports: list[sightings.MergeReport]) -> str:
    """Drop the merged duplicates' transcripts from the search index, index the ones that
    moved, refresh the kept broadcasts' tags; return what failed ("" when nothing did)."""
    from index.registry import get_backend

    try:
        backend = get_backend()
        for report in reports:
            for transcript_id in report.removed_transcripts:
                backend.remove_transcript(transcript_id)
            for transcript_id in report.moved_transcripts:
                backend.index_transcript(transcript_id)
            backend.update_tags(report.kept)
    except Exception as exc:  # noqa: BLE001 - the catalog is merged; the index is derived
        return f"{type(exc).__name__}: {exc}"
    return ""


def merge_duplicates_command(args: argparse.Namespace) -> int:
    reports = sightings.merge_duplicates(
        actor=audit.actor_name(), reason="raqib broadcasts merge-duplicates",
        dry_run=args.dry_run)
    failed = "" if args.dry_run else _update_index(reports)
    rows = [{**r.as_dict(), "moved": ", ".join(f"{k} {v}" for k, v in r.moved.items() if v)}
            for r in reports]
    emit(args, {"dry_run": args.dry_run, "merged": [r.as_dict() for r in reports],
                "index_error": failed or None}, MERGE_COLUMNS, rows=rows,
         notes=[f"{len(reports)} duplicate broadcast(s) "
                f"{'would be merged' if args.dry_run else 'merged'}"])
    if failed:
        raise CommandError(f"merged, but the search index was not updated ({failed}); run "
                           "`raqib index check --fix` once the index is back", code=1)
    return 0
