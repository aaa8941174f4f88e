"""``raqib takedown check``: re-check captured items now — still online, re-cut or gone?

The same check the workers run hourly (``raqib.scheduler.check_takedowns``; see
``crawler.takedown`` for how each kind of item is checked and what is recorded). Without
``--all`` only items not checked for ``crawl.takedown_interval`` are checked. Exit 1 when
some check could not tell (unreachable, timeout, server error).
"""

from __future__ import annotations

import argparse

from django.conf import settings

from catalog.models import Source
from crawler.takedown import ERROR, check_due
from raqib.commands.output import CommandError, Outcome, emit, report_failures
from raqib.logs import progress
from raqib.stages import actor, egress_policy


def check_command(args: argparse.Namespace) -> int:
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
              limit=args.limit, on_check=show,
              egress_for=lambda source: egress_policy(settings.CONFIG, source))
    emit(args, rows, ["id", "availability", "reason", "url"])
    outcome = Outcome(done=len(rows))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["availability"]] = counts.get(row["availability"], 0) + 1
        if row["availability"] == ERROR:  # the check could not tell
            outcome.fail(row["id"], "takedown", row["reason"], row["url"] or "")
    report_failures(outcome, "takedown")
    progress("takedown: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                             or "nothing due"))
    return outcome.exit_code
