"""``raqib takedown check``: re-check captured items now — still online, re-cut or gone?

The same check the workers run hourly (``raqib.tasks.check_takedowns``; see
``crawler.takedown`` for how each kind of item is checked and what is recorded). Without
``--all`` only items not checked for ``crawl.takedown_interval`` are checked. Exit 1 when
some check could not tell (unreachable, timeout, server error).
"""

from __future__ import annotations

import argparse

from raqib.commands.output import CommandError, add_format_flag, print_json, print_table
from raqib.logs import progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("takedown", help="check whether captured items were deleted or re-cut")
    p_sub = p.add_subparsers(dest="takedown_command", metavar="ACTION", required=True)
    chk = p_sub.add_parser(
        "check", help="re-check captured items now",
        description="Asks each outlet whether captured items are still there and unchanged. "
                    "Records a custody event per item (takedown-online, takedown-gone or "
                    "takedown-recut) and sets the broadcast's availability; the stored "
                    "original is never touched.")
    chk.add_argument("--source", metavar="NAME", help="only this source's broadcasts")
    chk.add_argument("--all", action="store_true",
                     help="check every captured item, not only those due "
                          "(crawl.takedown_interval)")
    chk.add_argument("--rehash", action="store_true",
                     help="for streams and extractor items, download again and compare the "
                          "sha256 (costly) instead of comparing metadata")
    chk.add_argument("--limit", type=int, default=0, help="at most N items")
    add_format_flag(chk)
    chk.set_defaults(handler=check_command)


def check_command(args: argparse.Namespace) -> int:
    from django.conf import settings

    from catalog.models import Source
    from crawler.takedown import ERROR, check_due
    from raqib.stages import actor

    if args.source and not Source.objects.filter(name=args.source).exists():
        raise CommandError(f"no source named {args.source}; see `raqib sources list`")
    rows = []

    def show(check, broadcast) -> None:  # noqa: ANN001
        rows.append({"id": broadcast.id, "availability": check.availability,
                     "reason": check.reason, "url": check.url, "method": check.method,
                     "http_status": check.http_status, **check.details})
        progress(f"takedown: #{broadcast.id} {check.availability}: {check.reason}",
                 len(rows))

    check_due(settings.CONFIG, actor(), source=args.source, force=args.all, rehash=args.rehash,
              limit=args.limit, on_check=show)
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ["id", "availability", "reason", "url"])
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["availability"]] = counts.get(row["availability"], 0) + 1
    progress("takedown: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                             or "nothing due"))
    return 1 if counts.get(ERROR) else 0
