"""Parser of ``raqib tag add|remove|list|vocabulary|promote`` (handlers:
``raqib.commands.tags``).

To add a sub-command: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.acting import add_person_arguments

HANDLERS = "raqib.commands.tags"


def register(sub: argparse._SubParsersAction) -> None:
    tag = sub.add_parser("tag", help="tag broadcasts (search with tag:NAME)")
    tag_sub = tag.add_subparsers(dest="tag_command", metavar="COMMAND", required=True)
    for name, handler, text in (("add", "add_command", "put a tag on a broadcast or segment"),
                                ("remove", "remove_command", "take a tag off")):
        cmd = tag_sub.add_parser(name, help=text, description=text + ".")
        cmd.add_argument("broadcast_id", type=int, help="the broadcast's id")
        cmd.add_argument("tag", help="tag name, e.g. forced-confession")
        cmd.add_argument("--segment", type=int, default=None, metavar="N",
                         help="the segment number (as shown on the broadcast page)")
        add_person_arguments(cmd)
        if name == "add":
            cmd.add_argument("--to-segment", type=int, default=None, metavar="M",
                             help="tag segments N..M (with --segment N)")
            cmd.add_argument("--start", default=None,
                             help="tag a time range from here: seconds, MM:SS or HH:MM:SS")
            cmd.add_argument("--end", default=None, help="... to here (with --start)")
            cmd.add_argument("--note", default="", help="a note for other reviewers")
        flags.set_handler(cmd, f"{HANDLERS}:{handler}")
    listing = tag_sub.add_parser("list", help="list a broadcast's tags",
                                 description="List the tags of one broadcast.")
    listing.add_argument("broadcast_id", type=int, help="the broadcast's id")
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    vocab = tag_sub.add_parser("vocabulary", help="the leads' tag vocabulary and proposals",
                               description="Every tag: the vocabulary leads keep (with "
                               "Arabic and English labels), then reviewers' proposals.")
    flags.add_format(vocab)
    flags.set_handler(vocab, f"{HANDLERS}:vocabulary_command")
    promote = tag_sub.add_parser("promote", help="a lead adds a tag to the vocabulary",
                                 description="Make a tag (a reviewer's proposal or a new "
                                 "name) a vocabulary entry; needs a lead's token or sign-in.")
    promote.add_argument("tag", help="tag name, e.g. forced-confession")
    promote.add_argument("--label-ar", default="", help="the Arabic label")
    promote.add_argument("--label-en", default="", help="the English label")
    add_person_arguments(promote)
    flags.add_format(promote)
    flags.set_handler(promote, f"{HANDLERS}:promote_command")
