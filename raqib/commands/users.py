"""``raqib users create|list``: accounts of the review UI and their roles.

A user has exactly one role (viewer < reviewer < lead < admin, see ``review_ui.roles``).
The password comes from ``RAQIB_PASSWORD`` (for scripts) or an interactive prompt with
confirmation; it must pass the configured password validators (at least 10 characters).
Running ``create`` for an existing name updates that user's role and password.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from raqib.commands.output import add_format_flag, print_json, print_table

ROLE_CHOICES = ("viewer", "reviewer", "lead", "admin")


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="create review UI users and list them with their roles")
    users_sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    create = users_sub.add_parser(
        "create", help="create a user (or update an existing user's role and password); "
                       "the password comes from RAQIB_PASSWORD or a prompt")
    create.add_argument("name", help="user name for the login page")
    create.add_argument("--role", choices=ROLE_CHOICES, required=True,
                        help="viewer < reviewer < lead < admin")
    create.set_defaults(handler=create_user)
    listing = users_sub.add_parser("list", help="list users with their roles")
    add_format_flag(listing)
    listing.set_defaults(handler=list_users)


def read_password(name: str) -> str | None:
    """The password from RAQIB_PASSWORD, else from a prompt typed twice; None if the two
    prompts differ."""
    from_env = os.environ.get("RAQIB_PASSWORD")
    if from_env is not None:
        return from_env
    first = getpass.getpass(f"password for {name}: ")
    second = getpass.getpass("password again: ")
    return first if first == second else None


def create_user(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from review_ui.roles import set_role

    name = args.name.strip()
    if not name:
        print("raqib: the user name is empty", file=sys.stderr)
        return 2
    password = read_password(name)
    if password is None:
        print("raqib: the two passwords differ; nothing changed", file=sys.stderr)
        return 2
    User = get_user_model()
    existing = User.objects.filter(username=name).first()
    try:
        if not password:
            raise ValidationError("the password is empty")
        validate_password(password, user=existing)
    except ValidationError as exc:
        print(f"raqib: password refused: {' '.join(exc.messages)} "
              "(set RAQIB_PASSWORD or type it at the prompt); nothing changed", file=sys.stderr)
        return 2
    user = existing or User(username=name)
    user.set_password(password)
    user.is_active = True
    user.save()
    set_role(user, args.role)
    verb = "updated" if existing else "created"
    print(f"{verb} user {name} with role {args.role}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model

    from review_ui.roles import user_role

    rows = [{
        "name": u.username,
        "role": user_role(u) or "(none)",
        "active": u.is_active,
        "last_login": u.last_login.isoformat() if u.last_login else None,
        "created": u.date_joined.isoformat(),
    } for u in get_user_model().objects.order_by("username").prefetch_related("groups")]
    if args.format == "json":
        print_json(rows)
    else:
        print_table(rows, ["name", "role", "active", "last_login", "created"])
    return 0
