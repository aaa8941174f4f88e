"""Parser of ``raqib demo`` (handler: ``raqib.commands.demo``).

To add an option: add the flag here and read it in ``demo_command``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the whole pipeline on a local fixture outlet, "
                                    "then serve the review UI (works offline)")
    p.add_argument("--no-serve", action="store_true",
                   help="stop after the pipeline (exit 0 when it worked)")
    p.add_argument("--fixture-port", type=int, default=8421,
                   help="loopback port of the fixture outlet (default: 8421; fixed so a "
                        "re-run recognises the items it already has)")
    p.add_argument("--model", default="bundled-base",
                   help="Whisper model for the demo (default: bundled-base, the offline "
                        "base model of the [demo] extra)")
    flags.add_web_address(p)
    flags.add_format(p)
    flags.set_handler(p, "raqib.commands.demo:demo_command")
