"""``raqib manage ...``: Django's management commands (migrations, shell) for admins.

Parser: ``raqib.commands.parsers.manage``; every argument after ``manage`` goes to Django.
"""

from __future__ import annotations

import argparse

from django.core.management import execute_from_command_line


def run(args: argparse.Namespace) -> int:
    execute_from_command_line(["raqib manage", *args.rest])
    return 0
