"""``raqib tokens create|list|revoke``: personal access tokens at the console, for service
accounts and scripts (people make their own on the account page of the web UI; logic in
``accounts.tokens``, rules of who may in ``accounts.administration``).

Every action acts as an admin person (``raqib.commands.acting.administrator_from_args``:
an admin-scoped token or the terminal sign-in) once an admin has enrolled a second
factor; before that (bootstrap) as the system, and the audit chain then names the OS
user and host. ``create`` prints the raw token once; ``list`` never shows a secret or
digest. To add an action: register its parser in ``raqib.commands.parsers.tokens``, its
rule in ``accounts.administration``, and write its handler here.
"""

from __future__ import annotations

import argparse

from django.contrib.auth import get_user_model

from accounts import administration, tokens
from accounts.models import AccessToken
from raqib.commands.acting import admin_refusals, administrator_from_args
from raqib.commands.output import CommandError, emit

COLUMNS = ["id", "key_id", "user", "name", "scopes", "state", "expires_at", "last_used_at",
           "last_used_address"]


def create_command(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    user = get_user_model().objects.filter(username=args.user.strip()).first()
    if user is None:
        raise CommandError(f"no user named {args.user!r} (see `raqib users list`)")
    try:
        with admin_refusals():
            token, raw = administration.issue_token(
                user, name=args.name or "console", scopes=args.scope,
                expires_days=args.expires, by=by)
    except administration.AdminError as exc:
        raise CommandError(f"{exc}; no token issued") from exc
    data = tokens.describe(token) | {"token": raw}
    emit(args, data, header=[
        f"token {token.key_id} for {user.get_username()} ({', '.join(token.scopes)}), "
        f"expires {token.expires_at.isoformat()}; shown once, keep it secret:",
        f"  {raw}", "use it with:  export RAQIB_TOKEN=<the token>"])
    return 0


def list_command(args: argparse.Namespace) -> int:
    administrator_from_args(args)
    rows = AccessToken.objects.select_related("user")
    if args.user:
        rows = rows.filter(user__username=args.user.strip())
    described = [tokens.describe(t) for t in rows]
    if not args.all:
        described = [row for row in described if row["state"] == "live"]
    table = [row | {"scopes": ",".join(row["scopes"])} for row in described]
    emit(args, described, COLUMNS, rows=table, notes=f"{len(described)} token(s)")
    return 0


def revoke_command(args: argparse.Namespace) -> int:
    by = administrator_from_args(args)
    ref = args.id.strip()
    # a key id is 12 hex characters (it may be all digits); anything shorter is an id
    by_id = ref.isascii() and ref.isdigit() and len(ref) < 12
    query = {"pk": int(ref)} if by_id else {"key_id": ref}
    token = AccessToken.objects.select_related("user").filter(**query).first()
    if token is None:
        raise CommandError(f"no token {ref!r} (see `raqib tokens list --all`)")
    try:
        with admin_refusals():
            revoked = administration.revoke_token(token, by=by)
    except administration.AdminError as exc:
        raise CommandError(f"{exc}; nothing changed") from exc
    emit(args, tokens.describe(token),
         header=f"token {token.key_id} of {token.user.get_username()} "
                f"{'revoked' if revoked else 'was already revoked'}")
    return 0
