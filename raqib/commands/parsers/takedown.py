"""Parser of ``raqib takedown check`` (handler: ``raqib.commands.takedown``).

To add an option: add the flag here and pass it on in ``check_command``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("takedown", help="check whether captured items were deleted or re-cut")
    p_sub = p.add_subparsers(dest="takedown_command", metavar="ACTION", required=True)
    chk = p_sub.add_parser(
        "check", help="re-check captured items now",
        description="Asks each outlet whether captured items are still there and unchanged. "
                    "Records a custody event per item (takedown-online, takedown-gone or "
                    "takedown-recut) and sets the broadcast's availability; the stored "
                    "original is never touched.")
    flags.add_source(chk, "only this source's broadcasts")
    chk.add_argument("--all", action="store_true",
                     help="check every captured item, not only those due "
                          "(crawl.takedown_interval)")
    chk.add_argument("--rehash", action="store_true",
                     help="for streams and extractor items, download again and compare the "
                          "sha256 (costly) instead of comparing metadata")
    flags.add_limit(chk, 0, "at most N items")
    flags.add_format(chk)
    flags.set_handler(chk, "raqib.commands.takedown:check_command")
