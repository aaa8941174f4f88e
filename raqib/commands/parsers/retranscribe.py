"""Parser of ``raqib retranscribe`` (handler: ``raqib.commands.retranscribe``).

To add a selector: add its flag to the ``selection`` group here and a branch in the
handler's ``select_broadcasts``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags

QUERY_LIMIT = 1000  # the most search hits a --query selection takes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "retranscribe", help="transcribe broadcasts again with another engine/model, "
                             "keeping the existing transcripts",
        description="Transcribe the selected broadcasts again with --engine/--model and "
                    "index the result. Existing transcripts of other models are kept (the "
                    "review UI lets you switch between them); one of the same model is "
                    "replaced. Example: raqib retranscribe --source sana --model large-v3")
    who = p.add_argument_group("selection (at least one)")
    who.add_argument("--broadcast", type=int, action="append", metavar="ID", default=[],
                     help="a broadcast id (repeat for several)")
    flags.add_source(who, "every broadcast of this source")
    flags.add_outlet(who, "every broadcast of this outlet")
    who.add_argument("--query", metavar="Q",
                     help=f"broadcasts with a segment matching this search (first "
                          f"{QUERY_LIMIT} hits; see docs/query-language.md)")
    flags.add_engine(p)
    flags.add_model(p)
    p.add_argument("--dry-run", action="store_true",
                   help="only list what would be transcribed")
    flags.add_format(p)
    flags.set_handler(p, "raqib.commands.retranscribe:retranscribe_command")
