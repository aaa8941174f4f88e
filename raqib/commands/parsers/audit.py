"""Parser of ``raqib audit verify|head|anchor|anchors`` (handler: ``raqib.commands.audit``).

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
                    "current head hash to publish; 'anchor' timestamps it at the "
                    "configured TSAs; 'anchors' lists those timestamps.")
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = actions.add_parser(
        "verify", help="walk the chain, check its anchors and replay incidents; exit 1 "
                       "naming every problem",
        description="Recompute every row's hash in sequence order and check it links to "
                    "the row before it, and that the database's append-only triggers are "
                    "in place; check every anchor (raqib audit anchor): its RFC 3161 token "
                    "and that the chain still holds the anchored hash at the anchored seq "
                    "(a row inserted, removed or changed at or below it, or a truncation "
                    "below it, is named); replay incident status, decider, version and "
                    "assessments from the chain and name every database row that "
                    "disagrees. Exit 0 when all of it holds, 1 naming each problem. The "
                    "rows after the last anchor are reported as the unanchored tail.")
    v.add_argument("--expect", metavar="SEQ:HASH", action="append",
                   help="a head published earlier (raqib audit head; repeatable): exit 1 "
                        "unless the chain holds that hash at that seq, and unless no row "
                        "follows the highest expected seq (the rows after it are listed as "
                        "not covered; --allow-tail accepts them)")
    v.add_argument("--allow-tail", action="store_true",
                   help="with --expect: list the rows after the expected head but do not "
                        "fail because of them")
    v.add_argument("--tsa-ca", metavar="PEM",
                   help="the TSA certificates (or their CA) to check anchor tokens against "
                        "(default: audit.tsa_ca, else the certificates kept with each "
                        "anchor)")
    flags.add_format(v)
    flags.set_handler(v, "raqib.commands.audit:verify_command")
    h = actions.add_parser(
        "head", help="print the current head of the chain (seq, hash, time)",
        description="Print the last event's sequence number, hash and time. Publish or "
                    "timestamp it: any later rewrite of the log up to that row is then "
                    "detected by comparing with 'raqib audit verify'.")
    flags.add_format(h)
    flags.set_handler(h, "raqib.commands.audit:head_command")
    a = actions.add_parser(
        "anchor", help="timestamp the current head at the configured TSAs (RFC 3161)",
        description="Ask every evidence.tsa_urls time-stamp authority for an RFC 3161 token "
                    "over the current head (seq and hash) and store it with an "
                    "audit-anchored event. The scheduler does this every "
                    "audit.anchor_interval; a head already anchored is not anchored again; "
                    "while another run holds the anchor lease this one does nothing (status "
                    "busy). Exit 1 when a TSA fails, 2 when none is configured.")
    flags.add_format(a)
    flags.set_handler(a, "raqib.commands.audit:anchor_command")
    x = actions.add_parser(
        "anchors", help="list the anchors (publish them: --format json)",
        description="Every anchor, oldest first: seq, hash, TSA, the time the TSA signed, "
                    "and in JSON the exact statement timestamped, the token (base64) and "
                    "the TSA's certificates, so anyone can check a published head with "
                    "'openssl ts -verify'.")
    flags.add_format(x)
    flags.set_handler(x, "raqib.commands.audit:anchors_command")
