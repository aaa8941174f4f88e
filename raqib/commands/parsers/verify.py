"""Parser of ``raqib verify`` (handler: ``raqib.commands.verify``).

To add an option: add the flag here and read it in ``verify_command``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="re-hash every stored media and evidence file; exit 1 on any mismatch",
        description="Re-hash every captured original (media/) and every evidence file "
                    "(captures/: info.json, WARC, captions) and compare with the SHA-256 "
                    "recorded at capture. Lists missing and modified files; exits 1 if "
                    "there is any, 0 if all match. Records one 'verified' custody event.")
    p.add_argument("--problems-only", action="store_true",
                   help="list only the files that are missing or modified")
    flags.add_format(p)
    flags.set_handler(p, "raqib.commands.verify:verify_command")
