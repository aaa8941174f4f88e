"""Parsers of ``raqib broadcasts list`` and ``merge-duplicates`` (handler:
``raqib.commands.broadcasts``).

To add an action or a filter: add its parser or flag here and its branch to the handler.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("broadcasts", help="list broadcasts and their pipeline status")
    p_sub = p.add_subparsers(dest="broadcasts_command", metavar="ACTION", required=True)
    lst = p_sub.add_parser("list", help="list broadcasts, newest first")
    lst.add_argument("--status", choices=("discovered", "downloaded", "transcribed", "indexed",
                                          "failed"), help="only broadcasts with this status")
    flags.add_source(lst, "only this source")
    flags.add_outlet(lst, "only this outlet")
    lst.add_argument("--availability", choices=("unchecked", "online", "gone", "recut"),
                     help="only broadcasts the takedown watch found so (e.g. gone)")
    flags.add_limit(lst, 0, "at most N (default: all)")
    flags.add_format(lst)
    flags.set_handler(lst, "raqib.commands.broadcasts:list_broadcasts")
    merge = p_sub.add_parser(
        "merge-duplicates", help="merge broadcasts that share a media file (same SHA-256) "
        "into the earliest captured one, as sightings of it",
        description="Broadcasts whose captured bytes are the same recording become sightings "
                    "of the earliest captured one: tags, alerts, incident clips and evidence "
                    "files move onto it, custody events are kept, each merge is audited, and "
                    "the search index drops the duplicates' entries.")
    merge.add_argument("--dry-run", action="store_true",
                       help="list what would be merged and change nothing")
    flags.add_format(merge)
    flags.set_handler(merge, "raqib.commands.broadcasts:merge_duplicates_command")
