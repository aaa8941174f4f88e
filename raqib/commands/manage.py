"""``raqib manage ...``: Django's management commands (migrations, shell) for operators.

Parser: ``raqib.commands.parsers.manage``; every argument after ``manage`` goes to Django.
Django's own account commands (``createsuperuser``, ``changepassword``) are refused: they
would make an admin or take over an account with no admin person and no audit row, around
``accounts.administration``; ``raqib users create`` is the one way (docs/security.md). To
refuse another Django command, add it to ``REFUSED`` with what to use instead.
"""

from __future__ import annotations

import argparse

from django.core.management import execute_from_command_line

from raqib.commands.output import CommandError

REFUSED = {
    "createsuperuser": "make accounts with `raqib users create NAME --role admin` (an admin "
                       "person once one has enrolled; audited)",
    "changepassword": "set a password with `raqib users create NAME --role ROLE` (an admin "
                      "person; audited), or on the account page",
}


def run(args: argparse.Namespace) -> int:
    command = next((a for a in args.rest if not a.startswith("-")), None)
    if command in REFUSED:
        raise CommandError(f"`raqib manage {command}` is refused: it would change an account "
                           f"around the administration rules; {REFUSED[command]}; nothing "
                           "changed", code=1)
    execute_from_command_line(["raqib manage", *args.rest])
    return 0
