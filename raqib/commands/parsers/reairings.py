"""Parser of ``raqib reairings find|list|review|ocr|names`` (handlers:
``raqib.commands.reairings``).

To add a sub-command: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.acting import add_person_arguments

HANDLERS = "raqib.commands.reairings"


def register(sub: argparse._SubParsersAction) -> None:
    top = sub.add_parser("reairings", help="re-airings (audio fingerprints) and on-screen text",
                         description="Find where a stretch of one broadcast was aired again "
                         "inside another (Chromaprint fingerprints), review the links, and "
                         "read on-screen text (OCR).")
    cmds = top.add_subparsers(dest="reairings_command", metavar="COMMAND", required=True)
    find = cmds.add_parser("find", help="fingerprint and match broadcasts against the archive",
                           description="Fingerprint broadcasts that have captured media but "
                           "no fingerprint yet (or the one given) and match each against the "
                           "archive; prints the links found. Re-running duplicates nothing.")
    find.add_argument("--broadcast", type=int, default=None, metavar="ID",
                      help="only this broadcast (fingerprinted again)")
    find.add_argument("--refingerprint", action="store_true",
                      help="fingerprint again broadcasts that already have a fingerprint")
    flags.add_format(find)
    flags.set_handler(find, f"{HANDLERS}:find_command")
    listing = cmds.add_parser("list", help="list re-airing links",
                              description="Re-airing links with both ranges (seconds), the "
                              "score (0-1) and the status (suggested, linked, accepted, "
                              "rejected). With --broadcast, seen from that broadcast.")
    listing.add_argument("--broadcast", type=int, default=None, metavar="ID",
                         help="only links of this broadcast")
    listing.add_argument("--status", default=None,
                         choices=["suggested", "linked", "accepted", "rejected"],
                         help="only links with this status")
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    for name, text in (("accept", "a reviewer accepts a suggested link"),
                       ("reject", "a reviewer rejects a link")):
        cmd = cmds.add_parser(name, help=text, description=text + " (audited).")
        cmd.add_argument("link_id", type=int, help="the link's id (raqib reairings list)")
        add_person_arguments(cmd)
        flags.add_format(cmd)
        flags.set_handler(cmd, f"{HANDLERS}:{name}_command")
    ocr = cmds.add_parser("ocr", help="read on-screen text of a broadcast into its ocr track",
                          description="Sample frames, read the lower third with Tesseract "
                          "(ocr.* settings), store the 'ocr' track, index it and suggest "
                          "persons named on screen.")
    ocr.add_argument("broadcast_id", type=int, help="the broadcast's id")
    flags.add_format(ocr)
    flags.set_handler(ocr, f"{HANDLERS}:ocr_command")
    names = cmds.add_parser("names", help="known persons read on screen (suggestions)",
                            description="Persons whose name was read on screen, with the "
                            "broadcast, time and the line read.")
    names.add_argument("--broadcast", type=int, default=None, metavar="ID",
                       help="only this broadcast")
    flags.add_format(names)
    flags.set_handler(names, f"{HANDLERS}:names_command")
