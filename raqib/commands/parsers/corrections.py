"""Parser of ``raqib corrections list|add|verify|translate`` (handlers:
``raqib.commands.corrections``).

To add a sub-command: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags

HANDLERS = "raqib.commands.corrections"


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser(
        "corrections", help="correct transcripts and verify corrections (two-person rule)",
        description="Corrections of the machine's transcript: each is a new version of a "
        "range of segments (the machine's text is kept), verified by a second person who "
        "did not write it. The same rules as the broadcast page (review.corrections).")
    actions = group.add_subparsers(dest="corrections_command", metavar="ACTION",
                                   required=True)
    listing = actions.add_parser("list", help="the current version of each corrected range",
                                 description="The current version of each corrected range "
                                 "(--verified: the newest verified version of each).")
    listing.add_argument("--broadcast", type=int, default=None, metavar="ID",
                         help="only this broadcast")
    listing.add_argument("--verified", action="store_true",
                         help="the verified versions (the reference transcripts)")
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    add = actions.add_parser("add", help="correct a range of a broadcast's segments",
                             description="Correct segments FIRST..LAST of the broadcast's "
                             "newest transcript (or --transcript) to TEXT.")
    add.add_argument("broadcast_id", type=int, metavar="BROADCAST_ID")
    add.add_argument("--first", type=int, required=True, metavar="N",
                     help="the first segment number (as on the broadcast page)")
    add.add_argument("--last", type=int, default=None, metavar="M",
                     help="the last segment number (default: --first)")
    add.add_argument("--text", required=True, help="the corrected text")
    add.add_argument("--transcript", type=int, default=None, metavar="ID",
                     help="the transcript (default: the broadcast's newest)")
    add.add_argument("--by", required=True, metavar="USER", help="the reviewer")
    flags.add_format(add)
    flags.set_handler(add, f"{HANDLERS}:add_command")
    verify = actions.add_parser("verify", help="verify a correction (not your own)",
                                description="A second reviewer verifies a correction's "
                                "current version; its author may not.")
    verify.add_argument("correction_id", type=int, metavar="CORRECTION_ID")
    verify.add_argument("--by", required=True, metavar="USER", help="the second reviewer")
    flags.add_format(verify)
    flags.set_handler(verify, f"{HANDLERS}:verify_command")
    translate = actions.add_parser("translate", help="translate a corrected range",
                                   description="Add a translation of a correction's text "
                                   "(verified by a second person in the broadcast page).")
    translate.add_argument("correction_id", type=int, metavar="CORRECTION_ID")
    translate.add_argument("--text", required=True, help="the translation")
    translate.add_argument("--language", default="en", help="its language (default en)")
    translate.add_argument("--by", required=True, metavar="USER", help="the reviewer")
    flags.add_format(translate)
    flags.set_handler(translate, f"{HANDLERS}:translate_command")
