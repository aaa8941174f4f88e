"""``raqib tokens create|list|revoke``: personal access tokens at the operator's console
(logic in ``accounts.tokens``).

These act as the system (for service accounts and scripts; people make their own on the
account page of the web UI): the audit chain names the OS user and host. ``create``
prints the raw token once; ``list`` never shows a secret or digest. To add an action:
register its parser in ``raqib.commands.parsers.tokens`` and write it here.
"""

from __future__ import annotations

import argparse

from django.contrib.auth import get_user_model

from accounts import tokens
from accounts.models import AccessToken
from raqib.commands.output import CommandError, emit

COLUMNS = ["id", "key_id", "user", "name", "scopes", "state", "expires_at", "last_used_at",
           "last_used_address"]


def create_command(args: argparse.Namespace) -> int:
    user = get_user_model().objects.filter(username=args.user.strip()).first()
    if user is None:
        raise CommandError(f"no user named {args.user!r} (see `raqib users list`)")
    try:
        token, raw = tokens.issue(user, name=args.name or "console", scopes=args.scope,
                                  expires_days=args.expires, by=None)
    except tokens.TokenError as exc:
        raise CommandError(f"{exc}; no token issued") from exc
    data = tokens.describe(token) | {"token": raw}
    emit(args, data, header=[
        f"token {token.key_id} for {user.get_username()} ({', '.join(token.scopes)}), "
        f"expires {token.expires_at.isoformat()}; shown once, keep it secret:",
        f"  {raw}", "use it with:  export RAQIB_TOKEN=<the token>"])
    return 0


def list_command(args: argparse.Namespace) -> int:
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
    ref = args.id.strip()
    # a key id is 12 hex characters (it may be all digits); anything shorter is an id
    query = {"pk": int(ref)} if ref.isdigit() and len(ref) < 12 else {"key_id": ref}
    token = AccessToken.objects.select_related("user").filter(**query).first()
    if token is None:
        raise CommandError(f"no token {ref!r} (see `raqib tokens list --all`)")
    was_revoked = token.revoked_at is not None
    tokens.revoke(token, by=None)
    emit(args, tokens.describe(token),
         header=f"token {token.key_id} of {token.user.get_username()} "
                f"{'was already revoked' if was_revoked else 'revoked'}")
    return 0
