"""Parser of ``raqib sources list|check`` (handlers: ``raqib.commands.sources_catalog`` for
``list``, which reads the catalog, and ``raqib.commands.sources`` for ``check``, which
works without the database).

To add an action: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser("sources", help="list configured sources or dry-run one")
    src_sub = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    lst = src_sub.add_parser("list", help="sources (from raqib.toml or added by admins in "
                                          "the UI) with their schedule and last error")
    flags.add_format(lst)
    flags.set_handler(lst, "raqib.commands.sources_catalog:list_sources")
    check = src_sub.add_parser("check", help="collect one source once and print what it "
                                             "would find, without writing anything")
    check.add_argument("name", metavar="NAME", help="the source's name (raqib.toml or the UI)")
    flags.add_limit(check, 20, "show the first N items (default 20; 0 shows all); the count "
                               "is always the full one", metavar="N")
    flags.add_format(check)
    flags.set_handler(check, "raqib.commands.sources:check_source", needs_django=False)
