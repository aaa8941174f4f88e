"""Parser of ``raqib tokens create|list|revoke`` (handlers: ``raqib.commands.tokens``).

Operator commands for service accounts and scripts: they act as the system (the audit
chain names the OS user and host). To add an action: register its parser here with
``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags

HANDLERS = "raqib.commands.tokens"
SCOPE_CHOICES = ("read", "review", "admin")  # accounts.tokens.SCOPES


def register(sub: argparse._SubParsersAction) -> None:
    tokens = sub.add_parser("tokens", help="personal access tokens for scripts and the API "
                                           "(operator commands)")
    actions = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="issue a token for a user (printed once, stored hashed)",
        description="Issue a personal access token for USER, printed once (only its "
                    "SHA-256 is kept). Scopes never exceed the user's role: viewer read; "
                    "reviewer and lead read, review; admin read, review, admin. Audited as "
                    "the OS user and host.")
    create.add_argument("user", help="the user the token acts as")
    create.add_argument("--scope", action="append", required=True, choices=SCOPE_CHOICES,
                        help="a scope (repeat for several)")
    create.add_argument("--expires", type=int, default=90, metavar="DAYS",
                        help="days until it expires (1 to 366; default 90)")
    create.add_argument("--name", default="", help="what the token is for (default: "
                                                    "'console')")
    flags.add_format(create)
    flags.set_handler(create, f"{HANDLERS}:create_command")
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--user", default=None, help="only this user's tokens")
    listing.add_argument("--all", action="store_true",
                         help="include revoked and expired tokens")
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    revoke = actions.add_parser("revoke", help="revoke a token now (audited)")
    revoke.add_argument("id", help="the token's id or key id (raqib tokens list)")
    flags.add_format(revoke)
    flags.set_handler(revoke, f"{HANDLERS}:revoke_command")
