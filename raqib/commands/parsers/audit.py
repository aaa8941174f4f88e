"""Parser of ``raqib audit verify|head`` (handler: ``raqib.commands.audit``).

To add a sub-command: add its parser here and its handler in ``raqib.commands.audit``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit", help="check the hash-chained audit log; print its head",
        description="Every custody and review event (captures, verifications, tags, "
                    "incidents, alert reviews, logins, role changes, views, exports) is one "
                    "row of a hash chain: each row carries the SHA-256 of its content and "
                    "of the row before it. 'verify' walks the chain; 'head' prints the "
                    "current head hash to publish or timestamp.")
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = actions.add_parser(
        "verify", help="walk the chain; exit 1 naming the first bad row",
        description="Recompute every row's hash in sequence order and check it links to "
                    "the row before it, and that the database's append-only triggers are "
                    "in place. Exit 0 when the chain is intact, 1 naming the first bad "
                    "row (seq and id) and why. Compare the head it prints with one you "
                    "published earlier (raqib audit head) to detect a rewrite of the "
                    "whole log.")
    v.add_argument("--expect", metavar="SEQ:HASH",
                   help="a head published earlier (raqib audit head): exit 1 unless the "
                        "chain still holds that hash at that seq")
    flags.add_format(v)
    flags.set_handler(v, "raqib.commands.audit:verify_command")
    h = actions.add_parser(
        "head", help="print the current head of the chain (seq, hash, time)",
        description="Print the last event's sequence number, hash and time. Publish or "
                    "timestamp it: any later rewrite of the log up to that row is then "
                    "detected by comparing with 'raqib audit verify'.")
    flags.add_format(h)
    flags.set_handler(h, "raqib.commands.audit:head_command")
