"""Parser of ``raqib users create|list|invite|deactivate|reset-2fa|unlock`` (handlers:
``raqib.commands.users``).

Every action takes the person flags (``raqib.commands.acting.add_person_arguments``): once
an admin has enrolled a second factor, user administration acts as an admin person. To add
an action: register its parser here with ``flags.set_handler`` and ``add_person_arguments``.
"""

from __future__ import annotations

import argparse

from accounts.roles import ROLES
from raqib.commands import flags
from raqib.commands.acting import add_person_arguments

HANDLERS = "raqib.commands.users"
ROLE_CHOICES = ROLES  # accounts.roles, lowest first


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser(
        "users", help="create review UI users and list them with their roles (as an admin "
                      "once one has enrolled)",
        description="User administration. Once an admin has enrolled a second factor, every "
                    "action acts as an admin person: RAQIB_TOKEN or --token-file with an "
                    "admin's token (admin scope), or the sign-in prompt on a terminal. Before "
                    "that (a fresh install) it acts as the system, to create and invite the "
                    "first admin.")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    create = users_sub.add_parser(
        "create", help="create a user (or update an existing user's role and password); "
                       "the password comes from RAQIB_PASSWORD or a prompt",
        description="Create a user, or update an existing user's role and password. The "
                    "password is read from the RAQIB_PASSWORD environment variable when it "
                    "is set (scripts, no terminal), else prompted for twice on the terminal. "
                    "Every role needs a second factor: give the user an enrolment invite "
                    "(raqib users invite NAME). Once an admin has enrolled a second factor "
                    "this acts as an admin person (an admin-scoped token or the sign-in on "
                    "a terminal); before that (bootstrap) as the system, to make the first "
                    "admin.")
    create.add_argument("name", help="user name for the login page")
    create.add_argument("--role", choices=ROLE_CHOICES, required=True,
                        help="viewer < reviewer < lead < admin")
    add_person_arguments(create)
    flags.set_handler(create, f"{HANDLERS}:create_user")
    listing = users_sub.add_parser("list", help="list users with their roles")
    flags.add_format(listing)
    add_person_arguments(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_users")
    invite = users_sub.add_parser(
        "invite", help="issue a one-time, expiring enrolment code and link for a user "
                       "with no second factor (printed once, stored hashed)")
    invite.add_argument("name", help="user name")
    invite.add_argument("--expires", type=int, default=72, metavar="HOURS",
                        help="hours the invite stays valid (1 to 720; default 72)")
    invite.add_argument("--base-url", default="", metavar="URL",
                        help="the web UI's address as users reach it, for the link "
                             "(default: http://web.host:web.port)")
    flags.add_format(invite)
    add_person_arguments(invite)
    flags.set_handler(invite, f"{HANDLERS}:invite")
    deactivate = users_sub.add_parser(
        "deactivate", help="block a user from logging in and end all of their sessions "
                           "now (their name stays in the audit log)")
    deactivate.add_argument("name", help="user name")
    flags.add_format(deactivate)
    add_person_arguments(deactivate)
    flags.set_handler(deactivate, f"{HANDLERS}:deactivate_user")
    reset = users_sub.add_parser(
        "reset-2fa", help="remove a user's authenticator, recovery codes and invites (lost "
                          "phone) and end their sessions; then issue a new invite")
    reset.add_argument("name", help="user name")
    flags.add_format(reset)
    add_person_arguments(reset)
    flags.set_handler(reset, f"{HANDLERS}:reset_2fa")
    unlock = users_sub.add_parser(
        "unlock", help="lift a login lockout (too many failed logins) of an account, of "
                       "an address, or both")
    unlock.add_argument("name", nargs="?", default="", help="user name to unlock")
    unlock.add_argument("--address", default="", help="client address to unlock (IPv4/IPv6)")
    flags.add_format(unlock)
    add_person_arguments(unlock)
    flags.set_handler(unlock, f"{HANDLERS}:unlock")
