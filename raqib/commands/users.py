"""``raqib users create|list|invite|deactivate|reset-2fa|unlock``: accounts of the review UI.

A user has exactly one role (viewer < reviewer < lead < admin, see ``accounts.roles``). The
password comes from ``RAQIB_PASSWORD`` (for scripts, and whenever there is no terminal to
prompt on) or an interactive prompt with confirmation; it must pass every configured
password validator (length, common passwords, similarity to the name, all digits, variety).
A user name holds letters, digits and ``. @ + - _`` only (no markup, spaces or bidi
controls). Running ``create`` for an existing name updates that user's role and password.
Every role needs a second factor, enrolled only through ``invite`` (a one-time, expiring
code and link, printed once, stored hashed: ``accounts.invites``). ``deactivate`` blocks a
user, ends all their sessions and revokes their personal access tokens; ``reset-2fa``
removes their second-factor devices and invites and ends their sessions (a new invite is
then needed); ``unlock`` lifts a login lockout of an account or an address. Parsers:
``raqib.commands.parsers.users``; to add an action, register it there and write it here.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.passwords import check_username
from accounts.roles import set_role, user_role
from accounts.twofactor import has_factor
from catalog import audit
from raqib.commands.output import CommandError, emit


def read_password(name: str) -> str | None:
    """The password from RAQIB_PASSWORD, else from a prompt typed twice; None if the two
    prompts differ. Without a terminal (a script, a pipe, stdin closed) and without
    RAQIB_PASSWORD: CommandError naming it."""
    from_env = os.environ.get("RAQIB_PASSWORD")
    if from_env is not None:
        return from_env
    if sys.stdin is None or sys.stdin.closed or not sys.stdin.isatty():
        raise CommandError("no password: there is no terminal to prompt on; set "
                           "RAQIB_PASSWORD in the environment; nothing changed")
    try:
        first = getpass.getpass(f"password for {name}: ")
        second = getpass.getpass("password again: ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise CommandError("no password typed (set RAQIB_PASSWORD or type it at the "
                           "prompt); nothing changed") from exc
    return first if first == second else None


def create_user(args: argparse.Namespace) -> int:
    name = args.name.strip()
    try:
        check_username(name)
    except ValidationError as exc:
        raise CommandError(f"{' '.join(exc.messages)}; nothing changed") from exc
    password = read_password(name)
    if password is None:
        raise CommandError("the two passwords differ; nothing changed")
    User = get_user_model()
    existing = User.objects.filter(username=name).first()
    try:
        if not password:
            raise ValidationError("the password is empty")
        validate_password(password, user=existing or User(username=name))
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
    if not has_factor(user):
        print(f"{name} has no second factor yet: give them an enrolment invite "
              f"(`raqib users invite {name}`)")
    return 0


def list_users(args: argparse.Namespace) -> int:
    from accounts.twofactor import enrolled_user_ids

    enrolled = enrolled_user_ids()
    rows = [{
        "name": u.username,
        "role": user_role(u) or "(none)",
        "active": u.is_active,
        "second_factor": u.pk in enrolled,
        "last_login": u.last_login.isoformat() if u.last_login else None,
        "created": u.date_joined.isoformat(),
    } for u in get_user_model().objects.order_by("username").prefetch_related("groups")]
    emit(args, rows, ["name", "role", "active", "second_factor", "last_login", "created"])
    return 0


def _user(name: str) -> object:
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise CommandError(f"no user named {name!r} (see `raqib users list`)")
    return user


def deactivate_user(args: argparse.Namespace) -> int:
    from accounts.sessions import end_sessions
    from accounts.tokens import live_tokens

    user = _user(args.name)
    tokens = live_tokens(user).count()
    user.is_active = False
    user.save(update_fields=["is_active"])  # revokes their tokens (accounts.tokens)
    ended = end_sessions(user)
    audit.record("user-deactivated", details={"user": user.username, "sessions_ended": ended,
                                              "tokens_revoked": tokens})
    emit(args, {"name": user.username, "active": False, "sessions_ended": ended,
                "tokens_revoked": tokens},
         header=f"deactivated {user.username}; ended {ended} session(s), revoked {tokens} "
                "access token(s)")
    return 0


def _operator() -> str:
    """Who runs the command (the OS user and host), for the audit of an invite."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"{who}@{socket.gethostname()}"


def invite(args: argparse.Namespace) -> int:
    from accounts.invites import InviteError, issue_invite

    user = _user(args.name)
    base = (args.base_url or f"http://{settings.CONFIG.get('web.host')}:"
                             f"{settings.CONFIG.get('web.port')}").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise CommandError(f"--base-url must start with http:// or https://, not {base!r}")
    try:
        code, row = issue_invite(user, args.expires, issued_by=_operator())
    except InviteError as exc:
        raise CommandError(f"{exc}; no invite issued") from exc
    link = f"{base}/account/2fa/enrol/?code={code}"
    emit(args, {"name": user.username, "code": code, "link": link,
                "expires_at": row.expires_at.isoformat()},
         header=[f"enrolment invite for {user.username}, valid until "
                 f"{row.expires_at.isoformat()} (shown once; hand it over privately):",
                 f"  code: {code}", f"  link: {link}"])
    return 0


def reset_2fa(args: argparse.Namespace) -> int:
    from accounts.sessions import end_sessions
    from accounts.twofactor import reset_second_factor

    user = _user(args.name)
    removed = reset_second_factor(user)
    ended = end_sessions(user)
    audit.record("user-2fa-reset", details={"user": user.username, "devices_removed": removed,
                                            "sessions_ended": ended})
    emit(args, {"name": user.username, "devices_removed": removed, "sessions_ended": ended},
         header=f"removed {removed} second-factor device(s) of {user.username} and ended "
              f"{ended} session(s); to enrol again they need a new invite: "
              f"`raqib users invite {user.username}`")
    return 0


def unlock(args: argparse.Namespace) -> int:
    from axes.utils import reset

    if not args.name and not args.address:
        raise CommandError("name a user, or give --address, to unlock")
    if args.name:
        _user(args.name)
    cleared = reset(username=args.name or None, ip=args.address or None)
    who = " and ".join(filter(None, [args.name, args.address and f"address {args.address}"]))
    audit.record("login-unlocked", details={"user": args.name, "address": args.address,
                                            "attempts_cleared": cleared})
    emit(args, {"name": args.name, "address": args.address, "attempts_cleared": cleared},
         header=f"unlocked {who} ({cleared} failed-attempt record(s) cleared)")
    return 0
