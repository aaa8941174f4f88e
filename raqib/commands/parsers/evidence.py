"""Parser of ``raqib evidence export|verify|keygen`` (handler: ``raqib.commands.evidence``).

To add an option: add the flag here and read it in the handler.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.acting import add_person_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evidence", help="write or check an incident's evidence package (BagIt)",
        description="An evidence package is one BagIt bag (RFC 8493) per incident: the "
                    "original media, lossless clip cuts, capture side files, transcripts, "
                    "the incident record and a summary in Arabic and English, custody "
                    "events and the audit-chain slice, the organisation's Ed25519 signature, "
                    "RFC 3161 timestamps, and a verify.py that needs only Python and "
                    "openssl. See docs/security.md.")
    actions = p.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    e = actions.add_parser(
        "export", help="write an incident's evidence package",
        description="Write incident INCIDENT_ID's bag at --out (a new or empty folder; an "
                    "existing package is never overwritten), signed with the organisation's "
                    "key (evidence.signing_key; raqib evidence keygen). Timestamps come "
                    "from each "
                    "evidence.tsa_urls TSA; none configured means no timestamp, and the "
                    "summary says so. Progress lines on stderr. The export is audited.")
    e.add_argument("incident_id", type=int, metavar="INCIDENT_ID")
    e.add_argument("--out", required=True, metavar="DIR", help="the bag's folder")
    e.add_argument("--zip", action="store_true", help="write DIR.zip instead of the folder")
    e.add_argument("--profile", choices=("full", "public"), default="full",
                   help="'public' leaves restricted persons' names, the incident's notes "
                        "and review events out, and says what was left out (default: full)")
    add_person_arguments(e)
    flags.add_format(e)
    flags.set_handler(e, "raqib.commands.evidence:export_command")
    v = actions.add_parser(
        "verify", help="check an evidence package (folder or zip); exit 1 naming each "
                       "failing file",
        description="Refuse symbolic links and special files; check every SHA-256 of the "
                    "bag's manifests (and that no file was added or removed), the "
                    "organisation's signature (against --public-key or --key-fingerprint), "
                    "the RFC 3161 timestamps against their certificates, the "
                    "audit-chain slice and the clip records; then bagit's own validator. "
                    "Exit 1 naming each failing file.")
    v.add_argument("path", metavar="PATH", help="the bag folder or its zip")
    v.add_argument("--tsa-ca", metavar="PEM",
                   help="check timestamps against this CA instead of the certificates kept "
                        "in the bag")
    key = v.add_mutually_exclusive_group()
    key.add_argument("--public-key", metavar="PEM",
                     help="the organisation's published public key: the bag's signature "
                          "must verify with it (without this or --key-fingerprint the bag "
                          "is only shown to be self-consistent)")
    key.add_argument("--key-fingerprint", metavar="SHA256:HEX",
                     help="the organisation's published key fingerprint: the bag's key "
                          "must have it and its signature must verify")
    flags.add_format(v)
    flags.set_handler(v, "raqib.commands.evidence:verify_command")
    k = actions.add_parser(
        "keygen", help="make the organisation's Ed25519 key that signs evidence packages",
        description="Write a new Ed25519 private key (PEM, mode 0600) at --out, else at "
                    "evidence.signing_key, else <data dir>/keys/evidence-signing-key.pem, "
                    "and its public key beside it (.pub.pem); print the public key and "
                    "its fingerprint to publish. An existing key is never overwritten. "
                    "See docs/security.md.")
    k.add_argument("--out", metavar="FILE", help="where to write the private key")
    flags.add_format(k)
    flags.set_handler(k, "raqib.commands.evidence:keygen_command")
