"""Parser of ``raqib migrate`` (handler: ``raqib.commands.migrate``).

The one command that does not migrate at start (``migrate_at_start=False``): migrating
is its whole job, under the migration lock (``raqib.schema``). To add an option: add the
flag here and read it in ``migrate_command``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="bring the database schema up to date (once, under a "
                                       "lock; the first step of a deployment)")
    p.add_argument("--check", action="store_true",
                   help="apply nothing; list the migrations left to apply and exit 1 if any")
    flags.add_format(p)
    flags.set_handler(p, "raqib.commands.migrate:migrate_command", migrate_at_start=False)
