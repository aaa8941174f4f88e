"""Parser of ``raqib tokens create|list|revoke`` (handlers: ``raqib.commands.tokens``).

Commands for service accounts and scripts. Once an admin has enrolled a second factor
they act as an admin person (``raqib.commands.acting.add_person_arguments``: an admin's
token with the admin scope, or the terminal sign-in); before that (bootstrap) as the
system, the audit chain naming the OS user and host. To add an action: register its
parser here with ``flags.set_handler`` and ``add_person_arguments``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.acting import add_person_arguments

HANDLERS = "raqib.commands.tokens"
SCOPE_CHOICES = ("read", "review", "admin")  # accounts.tokens.SCOPES


def register(sub: argparse._SubParsersAction) -> None:
    tokens = sub.add_parser(
        "tokens", help="personal access tokens for scripts and the API (as an admin once "
                       "one has enrolled)",
        description="Personal access tokens. Once an admin has enrolled a second factor, "
                    "every action acts as an admin person: RAQIB_TOKEN or --token-file with "
                    "an admin's token (admin scope), or the sign-in prompt on a terminal. "
                    "Before that (a fresh install) it acts as the system.")
    actions = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="issue a token for a user (printed once, stored hashed)",
        description="Issue a personal access token for USER, printed once (only its "
                    "SHA-256 is kept). Scopes never exceed the user's role: viewer read; "
                    "reviewer and lead read, review; admin read, review, admin. Audited as "
                    "the acting admin (as the OS user and host before any admin enrolled).")
    create.add_argument("user", help="the user the token acts as")
    create.add_argument("--scope", action="append", required=True, choices=SCOPE_CHOICES,
                        help="a scope (repeat for several)")
    create.add_argument("--expires", type=int, default=90, metavar="DAYS",
                        help="days until it expires (1 to 366; default 90)")
    create.add_argument("--name", default="", help="what the token is for (default: "
                                                    "'console')")
    flags.add_format(create)
    add_person_arguments(create)
    flags.set_handler(create, f"{HANDLERS}:create_command")
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--user", default=None, help="only this user's tokens")
    listing.add_argument("--all", action="store_true",
                         help="include revoked and expired tokens")
    flags.add_format(listing)
    add_person_arguments(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    revoke = actions.add_parser("revoke", help="revoke a token now (audited)")
    revoke.add_argument("id", help="the token's id or key id (raqib tokens list)")
    flags.add_format(revoke)
    add_person_arguments(revoke)
    flags.set_handler(revoke, f"{HANDLERS}:revoke_command")
