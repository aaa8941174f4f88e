"""Parser of ``raqib config check|show`` (handler: ``raqib.commands.config_cmd``).

Both work without the database. To add an action: add its parser here with its handler.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    cfg = sub.add_parser("config", help="check or show the configuration")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = cfg_sub.add_parser("check", help="validate raqib.toml and RAQIB_* variables; "
                                             "name every problem by its key")
    flags.set_handler(check, "raqib.commands.config_cmd:check_config", needs_django=False)
    show = cfg_sub.add_parser("show", help="print every setting with its value and origin")
    flags.add_format(show)
    flags.set_handler(show, "raqib.commands.config_cmd:show_config", needs_django=False)
