"""``raqib manage ...``: Django's management commands (migrations, shell) for admins."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("manage", help="run a Django management command (e.g. makemigrations)",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["raqib manage", *args.rest])
    return 0
