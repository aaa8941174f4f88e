"""``raqib broadcasts list``: what was discovered and where each broadcast stands.

The JSON form is a stable interface for scripts and outside checks: a list of objects with
at least ``id``, ``url``, ``outlet``, ``title``, ``aired_at`` (ISO 8601), ``status``,
``error`` and ``sha256`` (of the captured media, or null).
"""

from __future__ import annotations

import argparse
from typing import Any

from raqib.commands.output import add_format_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("broadcasts", help="list broadcasts and their pipeline status")
    p_sub = p.add_subparsers(dest="broadcasts_command", metavar="ACTION", required=True)
    lst = p_sub.add_parser("list", help="list broadcasts, newest first")
    lst.add_argument("--status", choices=("discovered", "downloaded", "transcribed", "indexed",
                                          "failed"), help="only broadcasts with this status")
    lst.add_argument("--source", metavar="NAME", help="only this source")
    lst.add_argument("--outlet", metavar="NAME", help="only this outlet")
    lst.add_argument("--availability", choices=("unchecked", "online", "gone", "recut"),
                     help="only broadcasts the takedown watch found so (e.g. gone)")
    lst.add_argument("--limit", type=int, default=0, help="at most N (default: all)")
    add_format_flag(lst)
    lst.set_defaults(handler=list_broadcasts)


def broadcast_json(b: Any) -> dict[str, Any]:
    return {
        "id": b.id,
        "url": b.url,
        "media_url": b.media_url,
        "outlet": b.outlet.name,
        "source": b.source.name,
        "title": b.title,
        "program": b.program,
        "aired_at": b.aired_at.isoformat() if b.aired_at else None,
        "aired_at_raw": b.aired_at_raw,
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
    from catalog.models import Broadcast

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
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ["id", "status", "outlet", "aired_at", "title", "error"])
    return 0
