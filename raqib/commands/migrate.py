"""``raqib migrate``: apply the database migrations once, under the migration lock.

The scaled deployment's ``raqib-migrate.service`` runs it before any other process
starts (docs/operations.md); every other command also migrates at start under the same
lock (``raqib.schema``), so this step is what makes the order explicit, not what makes it
safe. Parser: ``raqib.commands.parsers.migrate``.
"""

from __future__ import annotations

import argparse

from django.db import OperationalError

from raqib.commands.output import CommandError, emit
from raqib.schema import migrate


def migrate_command(args: argparse.Namespace) -> int:
    try:
        report = migrate(check_only=args.check)
    except OperationalError as exc:  # the first unit to start meets an absent database
        reason = " ".join(str(exc).split())[:300]
        raise CommandError(f"cannot reach the database: {reason}", code=1) from exc
    if args.check:
        emit(args, {"pending": report.pending, "up_to_date": not report.pending},
             header=[f"pending: {name}" for name in report.pending]
             or ["the database schema is up to date"])
        return 1 if report.pending else 0
    emit(args, {"applied": report.applied, "waited_for_lock": report.waited},
         header=[f"applied: {name}" for name in report.applied]
         + [f"{len(report.applied)} migration(s) applied" if report.applied
            else "the database schema is up to date: nothing to apply"])
    return 0
