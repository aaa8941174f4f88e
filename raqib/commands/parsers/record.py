"""Parser of ``raqib record`` (handler: ``raqib.commands.record``).

To add an option: add the flag here and pass it to ``LiveRecorder`` in the handler.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "record", help="record a live source (HLS) in fixed-length chunks, gaps recorded",
        description="Record a live source's HLS stream in fixed-length chunks aligned to the "
                    "UTC clock. Each chunk becomes a broadcast with its air-time window and "
                    "the gaps in it. Stop with Ctrl-C or SIGTERM: the current chunk is kept "
                    "as a partial chunk. `raqib run` records every live source by itself; "
                    "use this to record by hand.")
    flags.add_source(p, "the live source to record (kind = \"live\" in raqib.toml)",
                     required=True)
    p.add_argument("--chunks", type=int, default=0, metavar="N",
                   help="stop after storing N chunks (default: record until stopped)")
    p.add_argument("--chunk", metavar="DURATION",
                   help="chunk length, e.g. 30m or 1h (default: the source's `chunk`, else 30m)")
    flags.add_enqueue(p, "queue each stored chunk for transcription on the task queue "
                         "(for running workers) instead of leaving it to `raqib process`")
    flags.set_handler(p, "raqib.commands.record:record_command")
