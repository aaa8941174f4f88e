"""``raqib users create|list``: accounts of the review UI and their roles.

A user has exactly one role (viewer < reviewer < lead < admin, see ``review_ui.roles``).
The password comes from ``RAQIB_PASSWORD`` (for scripts) or an interactive prompt with
confirmation; it must pass the configured password validators (at least 10 characters).
Running ``create`` for an existing name updates that user's role and password. Parsers:
``raqib.commands.parsers.users``; to add an action, register it there and write it here.
"""

from __future__ import annotations

import argparse
import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from raqib.commands.output import CommandError, emit
from review_ui.roles import set_role, user_role


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
    name = args.name.strip()
    if not name:
        raise CommandError("the user name is empty")
    password = read_password(name)
    if password is None:
        raise CommandError("the two passwords differ; nothing changed")
    User = get_user_model()
    existing = User.objects.filter(username=name).first()
    try:
        if not password:
            raise ValidationError("the password is empty")
        validate_password(password, user=existing)
    except ValidationError as exc:
        raise CommandError(f"password refused: {' '.join(exc.messages)} "
                           "(set RAQIB_PASSWORD or type it at the prompt); nothing changed"
                           ) from exc
    user = existing or User(username=name)
    user.set_password(password)
    user.is_active = True
    user.save()
    set_role(user, args.role)
    verb = "updated" if existing else "created"
    print(f"{verb} user {name} with role {args.role}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    rows = [{
        "name": u.username,
        "role": user_role(u) or "(none)",
        "active": u.is_active,
        "last_login": u.last_login.isoformat() if u.last_login else None,
        "created": u.date_joined.isoformat(),
    } for u in get_user_model().objects.order_by("username").prefetch_related("groups")]
    emit(args, rows, ["name", "role", "active", "last_login", "created"])
    return 0
