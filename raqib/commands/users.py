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
then needed); ``unlock`` lifts a login lockout of an account or an address.

Every action acts as an admin person (``raqib.commands.acting.administrator_from_args``:
an admin-scoped token or the terminal sign-in) once an admin has enrolled a second
factor; before that (bootstrap) as the system. The rules and their audit are
``accounts.administration``: this module parses, calls and prints. Parsers:
``raqib.commands.parsers.users``; to add an action, register it there, write its rule in
``accounts.administration`` and its handler here.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts import administration
from accounts.twofactor import has_factor
from catalog.audit import actor_name
from raqib.commands.acting import admin_refusals, administrator_from_args
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


BOOTSTRAP_REOPENED = (
    "warning: no active admin with a second factor is left, so user administration is "
    "open at this console again (bootstrap) until an admin enrols: `raqib users invite "
    "NAME` for an admin")


def _admin_error(exc: administration.AdminError) -> CommandError:
    return CommandError(f"{exc}; nothing changed")


def _warn_if_reopened(was_open: bool) -> None:
    if administration.left_bootstrap_open(was_open):
        print(BOOTSTRAP_REOPENED, file=sys.stderr)


def _user(name: str) -> Any:
    try:
        return administration.find_user(name)
    except administration.AdminError as exc:
        raise CommandError(f"{exc} (see `raqib users list`)") from exc


def create_user(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    was_open = administration.bootstrap_open()
    try:
        name = administration.check_new_name(args.name)
    except administration.AdminError as exc:
        raise _admin_error(exc) from exc
    password = read_password(name)
    if password is None:
        raise CommandError("the two passwords differ; nothing changed")
    try:
        with admin_refusals():
            user, created = administration.save_user(name, args.role, password, by=by)
    except administration.AdminError as exc:
        raise CommandError(f"{exc} (set RAQIB_PASSWORD or type it at the prompt); "
                           "nothing changed") from exc
    print(f"{'created' if created else 'updated'} user {name} with role {args.role}")
    if not has_factor(user):
        print(f"{name} has no second factor yet: give them an enrolment invite "
              f"(`raqib users invite {name}`)")
    _warn_if_reopened(was_open)
    return 0


def list_users(args: argparse.Namespace) -> int:
    from accounts.twofactor import enrolled_user_ids

    administrator_from_args(args)
    enrolled = enrolled_user_ids()
    rows = [administration.describe_user(u, enrolled)
            for u in get_user_model().objects.order_by("username").prefetch_related("groups")]
    for row in rows:
        row["role"] = row["role"] or "(none)"
    emit(args, rows, ["name", "role", "active", "second_factor", "last_login", "created"])
    return 0


def deactivate_user(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    was_open = administration.bootstrap_open()
    user = _user(args.name)
    with admin_refusals():
        done = administration.deactivate(user, by=by)
    ended, tokens = done["sessions_ended"], done["tokens_revoked"]
    emit(args, {"name": user.username, "active": False, "sessions_ended": ended,
                "tokens_revoked": tokens},
         header=f"deactivated {user.username}; ended {ended} session(s), revoked {tokens} "
                "access token(s)")
    _warn_if_reopened(was_open)
    return 0


def _operator() -> str:
    """Who runs the command (the OS user and host), for an invite issued in bootstrap."""
    return actor_name(None).removesuffix(" (command line)")


def invite(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    user = _user(args.name)
    base = (args.base_url or f"http://{settings.CONFIG.get('web.host')}:"
                             f"{settings.CONFIG.get('web.port')}").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise CommandError(f"--base-url must start with http:// or https://, not {base!r}")
    try:
        with admin_refusals():
            code, row = administration.invite(user, args.expires, by=by,
                                              operator=_operator())
    except administration.AdminError as exc:
        raise CommandError(f"{exc}; no invite issued") from exc
    link = f"{base}/account/2fa/enrol/?code={code}"
    emit(args, {"name": user.username, "code": code, "link": link,
                "expires_at": row.expires_at.isoformat()},
         header=[f"enrolment invite for {user.username}, valid until "
                 f"{row.expires_at.isoformat()} (shown once; hand it over privately):",
                 f"  code: {code}", f"  link: {link}"])
    return 0


def reset_2fa(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    was_open = administration.bootstrap_open()
    user = _user(args.name)
    with admin_refusals():
        done = administration.reset_factor(user, by=by)
    removed, ended = done["devices_removed"], done["sessions_ended"]
    emit(args, {"name": user.username, "devices_removed": removed, "sessions_ended": ended},
         header=f"removed {removed} second-factor device(s) of {user.username} and ended "
              f"{ended} session(s); to enrol again they need a new invite: "
              f"`raqib users invite {user.username}`")
    _warn_if_reopened(was_open)
    return 0


def unlock(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    if not args.name and not args.address:
        raise CommandError("name a user, or give --address, to unlock")
    if args.name:
        _user(args.name)
    try:
        with admin_refusals():
            cleared = administration.unlock(args.name, args.address, by=by)
    except administration.AdminError as exc:
        raise _admin_error(exc) from exc
    who = " and ".join(filter(None, [args.name, args.address and f"address {args.address}"]))
    emit(args, {"name": args.name, "address": args.address, "attempts_cleared": cleared},
         header=f"unlocked {who} ({cleared} failed-attempt record(s) cleared)")
    return 0
