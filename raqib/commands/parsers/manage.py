"""Parser of ``raqib manage ...`` (handler: ``raqib.commands.manage``): Django's
management commands. Every argument after ``manage`` goes to Django unparsed."""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("manage", help="run a Django management command (e.g. makemigrations)",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    flags.set_handler(p, "raqib.commands.manage:run")
