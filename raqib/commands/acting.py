"""Who a command acts for: the one way the command line names a person (issue 24).

A command that acts for someone (incidents, persons, tag changes and the vocabulary,
alert review, re-airing review, evidence export) takes the person from, in order:

1. ``--token-file PATH``: a file holding a personal access token (``accounts.tokens``);
2. ``RAQIB_TOKEN`` in the environment;
3. only when stdin is a terminal: a prompt for user name, password and second factor
   (the same checks as the web login: django-axes counts failures, django-otp checks the
   authenticator or a recovery code).

The token's scope must allow the action (``read`` to see, ``review`` to change) and the
person's role and the review rules then apply exactly as in the web UI, so the two-person
rule holds at the shell: a lead cannot confirm as anyone but themselves. ``--by USER``
stays only as a check: it must name that person, else the command refuses. Without a
person the command refuses with exit code 1 and writes nothing.

User administration (``raqib users``, ``raqib tokens``) acts as an admin person
(``administrator_from_args``: a token with the ``admin`` scope or the sign-in, role admin)
once an admin has enrolled a second factor; before that (bootstrap, a fresh install) it
acts as the system unless a person is presented (``accounts.administration``).

Operator commands (crawl, process, reindex, audit, demo, migrate, serve) act as the
system: the audit chain names the OS user and host (``catalog.audit``).

To make another command act as a person: call ``add_person_arguments(parser)`` in its
parser module and ``person_from_args(args, scope)`` first thing in its handler.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TOKEN_ENV = "RAQIB_TOKEN"
NO_PERSON = (
    "this command acts as a person: set RAQIB_TOKEN to your personal access token "
    "(the account page of the web UI, or an admin's `raqib tokens create`), pass "
    "--token-file PATH, or run it on a terminal to sign in; nothing written")
NO_ADMIN = (
    "user administration acts as an admin person once an admin has enrolled a second "
    "factor: set RAQIB_TOKEN to an admin's token with the admin scope, pass --token-file "
    "PATH, or run it on a terminal to sign in as an admin; nothing written")
BOOTSTRAP_HINT = (
    " (no admin has enrolled a second factor yet: without RAQIB_TOKEN, --token-file and "
    "--by this command acts as the system, to make the first admin)")


def add_person_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of a command that acts as a person (parser side: no Django here)."""
    parser.add_argument(
        "--token-file", metavar="PATH", default=None,
        help=f"a file holding your personal access token (else ${TOKEN_ENV}, else a "
             "sign-in prompt on a terminal)")
    parser.add_argument(
        "--by", metavar="USER", default=None,
        help="optional check: the command refuses unless USER is the person the token "
             "(or the sign-in) names")


def _refuse(message: str) -> Exception:
    from raqib.commands.output import CommandError

    return CommandError(f"{message}", code=1)


def _raw_token(args: argparse.Namespace) -> str | None:
    path = getattr(args, "token_file", None)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise _refuse(f"cannot read --token-file {path}: "
                          f"{getattr(exc, 'strerror', None) or exc}; nothing written") from exc
        if not text:
            raise _refuse(f"--token-file {path} is empty; nothing written")
        return text
    return os.environ.get(TOKEN_ENV) or None


def _terminal() -> bool:
    return sys.stdin is not None and not sys.stdin.closed and sys.stdin.isatty()


def _cli_address() -> str:
    from catalog.audit import actor_name

    return actor_name(None)  # "<os user>@<host> (command line)"


def _sign_in() -> Any:
    """User name, password and second factor typed at the terminal; the user or refusal."""
    from django.contrib.auth import authenticate
    from django.http import HttpRequest

    from accounts.twofactor import has_factor, match_token

    try:
        # prompts go to stderr (as getpass's do): stdout may be a file of --format json
        sys.stderr.write("user name: ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        name = line.strip()
        password = getpass.getpass("password: ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise _refuse("sign-in abandoned; nothing written") from exc
    request = HttpRequest()  # what django-axes counts failures under: this host's loopback
    request.META.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "raqib-cli"})
    request.method = "POST"
    request.path = "/cli-sign-in/"
    user = authenticate(request, username=name, password=password)
    if user is None or not user.is_active:
        raise _refuse("wrong user name or password (or the account is locked or "
                      "deactivated); nothing written")
    if not has_factor(user):
        raise _refuse(f"{name} has no second factor yet (an admin's `raqib users invite`); "
                      "nothing written")
    try:
        code = getpass.getpass("second factor (authenticator or recovery code): ")
    except (EOFError, KeyboardInterrupt) as exc:
        raise _refuse("sign-in abandoned; nothing written") from exc
    if match_token(user, code) is None:
        from catalog import audit

        audit.record("user-2fa-failed", details={"user": user.get_username(),
                                                 "address": _cli_address()})
        raise _refuse("wrong second-factor code; nothing written")
    from catalog import audit

    audit.record("user-signed-in-cli", user, details={"user": user.get_username(),
                                                      "address": _cli_address()})
    return user


def person_from_args(args: argparse.Namespace, scope: str) -> Any:
    """The person this command acts for, allowed ``scope`` ("read", "review", "admin");
    else ``CommandError`` (exit 1, before anything is written)."""
    from accounts import tokens

    raw = _raw_token(args)
    if raw is not None:
        try:
            token = tokens.authenticate(raw, _cli_address())
        except tokens.TokenRejected as exc:
            raise _refuse(f"token refused: {exc}; nothing written") from exc
        if not tokens.has_scope(token, scope):
            raise _refuse(f"the token {token.key_id} ({token.user.get_username()}) does not "
                          f"allow {scope!r} (its scopes: {', '.join(token.scopes)}); "
                          "nothing written")
        user = token.user
    elif _terminal():
        user = _sign_in()
        if scope not in tokens.allowed_scopes(user):
            raise _refuse(f"{user.get_username()}'s role does not allow {scope!r}; "
                          "nothing written")
    else:
        raise _refuse(NO_PERSON)
    by = getattr(args, "by", None)
    if by is not None and by.strip() != user.get_username():
        raise _refuse(f"--by {by} is not the person signed in ({user.get_username()}): a "
                      "command acts only as the token's owner; nothing written")
    return user


def _presents_person(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "token_file", None) or os.environ.get(TOKEN_ENV)
                or getattr(args, "by", None))


def administrator_from_args(args: argparse.Namespace) -> Any | None:
    """The admin a user-administration command acts for, or None (the system) while
    bootstrap is open and no person is presented (no token, no ``--by``); else
    ``CommandError`` (exit 1, before anything is written). A person presented during
    bootstrap is never ignored: they must be an admin too."""
    from accounts import administration
    from raqib.commands.output import CommandError

    bootstrap = administration.bootstrap_open()
    if bootstrap and not _presents_person(args):
        return None
    hint = BOOTSTRAP_HINT if bootstrap else ""
    try:
        if not (getattr(args, "token_file", None) or os.environ.get(TOKEN_ENV)) \
                and not _terminal():
            raise _refuse(NO_PERSON if bootstrap else NO_ADMIN)
        user = person_from_args(args, "admin")
        administration.check_administrator(user)
    except administration.AdminRefused as exc:
        raise _refuse(f"{exc}; nothing written{hint}") from exc
    except CommandError as exc:
        if not hint:
            raise
        raise _refuse(f"{exc}{hint}") from exc
    return user


@contextlib.contextmanager
def admin_refusals() -> Iterator[None]:
    """Around a call of ``accounts.administration``: its ``AdminRefused`` (the actor may
    no longer administer, e.g. an admin enrolled while a bootstrap command waited at the
    password prompt) becomes exit 1 with its message, never a traceback."""
    from accounts import administration

    try:
        yield
    except administration.AdminRefused as exc:
        raise _refuse(f"{exc}; nothing written") from exc
