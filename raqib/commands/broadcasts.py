"""``raqib broadcasts list``: what was discovered and where each broadcast stands.

The JSON form is a stable interface for scripts and outside checks: a list of objects with
at least ``id``, ``url``, ``outlet``, ``title``, ``aired_at`` (ISO 8601 as the outlet printed
it: a day "2021-04-20" or a time in its zone with the offset, see ``catalog.aired``),
``aired_precision``, ``status``, ``error`` and ``sha256`` (of the captured media, or null).
"""

from __future__ import annotations

import argparse
from typing import Any

from catalog.aired import AirDate
from catalog.models import Broadcast
from raqib.commands.output import emit

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
    }


def list_broadcasts(args: argparse.Namespace) -> int:
    qs = (Broadcast.objects.select_related("outlet", "source", "media")
          .prefetch_related("evidence_files").order_by("-id"))
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
