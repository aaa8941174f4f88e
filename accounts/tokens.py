"""Personal access tokens: how a program (the HTTP API) or a script (``RAQIB_TOKEN`` at the
command line) acts as a named person.

A raw token reads ``raqib_<key_id>_<secret>``: ``key_id`` is 12 hex characters, public,
unique, shown in lists (it finds the row); ``secret`` is ``secrets.token_urlsafe(32)``
(256 bits). Only the SHA-256 of the secret is stored (``AccessToken.digest``): for a
random secret of that length a plain hash is the kept practice (GitHub, PyPI and Django
REST Knox do the same; a slow password hash buys nothing against 256 bits and costs every
request). The raw token is returned once by ``issue`` and never again.

Scopes (``SCOPES``) cap what a token may do; the person's role still decides each action
(``review.workflow``). A token never holds more than its owner's role allows
(``allowed_scopes``), checked when it is issued and again at every use (``has_scope``),
so lowering a role lowers every token of that person at once:

    viewer   -> read
    reviewer -> read, review
    lead     -> read, review   (a lead's extra rights, confirming and assigning, are review
                                actions that the role allows; no scope adds them)
    admin    -> read, review, admin

``authenticate`` answers every refusal (malformed, unknown, wrong secret, expired,
revoked, inactive owner, owner without a role) with the same ``TokenRejected`` message,
so a caller learns nothing about which. It notes the last use (time and address; written
at most once a minute per token unless the address changes) and audits each first use
from an address other than the last one. Creation and revocation are audited too
(``token-created``, ``token-used-from-new-address``, ``token-revoked``; the chain never
holds a secret). Deactivating a user revokes all their tokens (``revoke_all``, connected to
the user's ``post_save`` in ``accounts.apps``).

To add a scope: append it to ``SCOPES`` and say in ``allowed_scopes`` which roles get it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import AccessToken
from accounts.roles import has_role, user_role
from catalog import audit

SCOPES: tuple[str, ...] = ("read", "review", "admin")
PREFIX = "raqib"
DEFAULT_DAYS = 90
MAX_DAYS = 366
NAME_MAX = 100
LAST_USED_EVERY = dt.timedelta(seconds=60)  # last_used_at written at most this often
REJECTED = "invalid, expired or revoked token"

_ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "reviewer": frozenset({"read", "review"}),
    "lead": frozenset({"read", "review"}),
    "admin": frozenset(SCOPES),
}
_RAW = re.compile(r"^raqib_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_DUMMY_DIGEST = hashlib.sha256(b"raqib-no-such-token").hexdigest()


class TokenError(ValueError):
    """A token that cannot be issued or revoked as asked (the message says why)."""


class TokenRejected(Exception):
    """A token that does not authenticate; the message is the same whatever the reason."""

    def __init__(self) -> None:
        super().__init__(REJECTED)


def digest(secret: str) -> str:
    """The stored form of a secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def allowed_scopes(user: Any) -> set[str]:
    """The scopes the user's current role allows (empty when inactive or without role)."""
    return set(_ROLE_SCOPES.get(user_role(user) or "", frozenset()))


def has_scope(token: AccessToken, scope: str) -> bool:
    """True when the token was given ``scope`` and its owner's role still allows it."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; scopes are {', '.join(SCOPES)}")
    return scope in (token.scopes or []) and scope in allowed_scopes(token.user)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise TokenError("a token needs a name (what it is for, e.g. 'partner sync')")
    if len(name) > NAME_MAX:
        raise TokenError(f"a token name is at most {NAME_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise TokenError("a token name may not hold control or formatting characters")
    return name


def _check_scopes(user: Any, scopes: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(scopes or []))
    if not wanted:
        raise TokenError(f"a token needs at least one scope ({', '.join(SCOPES)})")
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise TokenError(f"unknown scope(s) {', '.join(map(repr, unknown))}; "
                         f"scopes are {', '.join(SCOPES)}")
    allowed = allowed_scopes(user)
    beyond = [s for s in wanted if s not in allowed]
    if beyond:
        role = user_role(user) or "no role"
        may = ", ".join(s for s in SCOPES if s in allowed) or "none"
        raise TokenError(f"scope(s) {', '.join(beyond)} exceed {user.get_username()}'s role "
                         f"({role}; allowed: {may})")
    return [s for s in SCOPES if s in wanted]


def issue(user: Any, *, name: str, scopes: list[str], expires_days: int = DEFAULT_DAYS,
          by: Any = None, details: dict[str, Any] | None = None) -> tuple[AccessToken, str]:
    """Create a token for ``user``; returns the row and the raw token (shown once).

    ``by`` is the person issuing it (the user themselves or an admin), or None for the
    system (the audit chain then names the OS user and host); ``details`` are added to
    the audit event (``accounts.administration`` marks bootstrap events)."""
    if user is None or not user.is_active:
        raise TokenError("tokens are issued to active users only")
    if by is not None and by.pk != user.pk and not has_role(by, "admin"):
        raise TokenError("only the user or an admin may issue a token for them")
    clean_name = _check_name(name)
    clean_scopes = _check_scopes(user, scopes)
    if not isinstance(expires_days, int) or not 1 <= expires_days <= MAX_DAYS:
        raise TokenError(f"a token expires after 1 to {MAX_DAYS} days")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        while True:
            key_id = secrets.token_hex(6)
            if not AccessToken.objects.filter(key_id=key_id).exists():
                break
        token = AccessToken.objects.create(
            user=user, name=clean_name, key_id=key_id, digest=digest(secret),
            scopes=clean_scopes, expires_at=timezone.now() + dt.timedelta(days=expires_days))
        audit.record("token-created", by, details={
            "user": user.get_username(), "key_id": key_id, "name": clean_name,
            "scopes": clean_scopes, "expires_at": token.expires_at.isoformat(),
            **(details or {})})
    return token, f"{PREFIX}_{key_id}_{secret}"


def authenticate(raw: str, address: str | None = None) -> AccessToken:
    """The live token ``raw`` names, its use noted; else ``TokenRejected`` (one message)."""
    match = _RAW.match(raw.strip()) if isinstance(raw, str) else None
    key_id, secret = match.groups() if match else ("", "")
    token = (AccessToken.objects.select_related("user").filter(key_id=key_id).first()
             if match else None)
    # compare even when there is no row, so timing tells little about which key ids exist
    ok = hmac.compare_digest(token.digest if token else _DUMMY_DIGEST, digest(secret))
    if (token is None or not ok or not token.is_live() or not token.user.is_active
            or not (set(token.scopes or []) & allowed_scopes(token.user))):
        raise TokenRejected()
    _note_use(token, (address or "")[:200])
    return token


def _note_use(token: AccessToken, address: str) -> None:
    now = timezone.now()
    new_address = token.last_used_at is None or address != token.last_used_address
    if not new_address and now - token.last_used_at < LAST_USED_EVERY:
        return
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_address=address)
    token.last_used_at, token.last_used_address = now, address
    if new_address:
        audit.record("token-used-from-new-address", token.user, details={
            "user": token.user.get_username(), "key_id": token.key_id,
            "address": address or "(none)"})


def may_revoke(token: AccessToken, by: Any) -> bool:
    """True when ``by`` (a user; None is the operator's console) may revoke the token."""
    return by is None or by.pk == token.user_id or has_role(by, "admin")


def revoke(token: AccessToken, *, by: Any = None,
           details: dict[str, Any] | None = None) -> None:
    """Revoke the token (its owner, an admin, or the system when ``by`` is None);
    revoking a revoked token changes nothing. ``details`` are added to the audit event."""
    if not may_revoke(token, by):
        raise TokenError("only the token's owner or an admin may revoke it")
    if token.revoked_at is not None:
        return
    now = timezone.now()
    with transaction.atomic():
        changed = AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by if by is not None else None)
        if changed:
            audit.record("token-revoked", by, details={
                "user": token.user.get_username(), "key_id": token.key_id,
                "name": token.name, **(details or {})})
    token.revoked_at, token.revoked_by = now, by


def revoke_all(user: Any, *, by: Any = None, reason: str = "") -> int:
    """Revoke every live token of the user (deactivation); returns how many."""
    now = timezone.now()
    with transaction.atomic():
        live = list(AccessToken.objects.filter(user=user, revoked_at__isnull=True)
                    .values_list("key_id", flat=True))
        if not live:
            return 0
        AccessToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by)
        audit.record("token-revoked", by, details={
            "user": user.get_username(), "key_ids": sorted(live),
            "reason": reason or "all tokens of the user"})
    return len(live)


def on_user_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """post_save receiver: a deactivated user's tokens are revoked at once."""
    if raw or instance.is_active:
        return
    revoke_all(instance, reason="user deactivated")


def live_tokens(user: Any | None = None) -> Any:
    """Tokens not revoked and not expired (of one user, or all), newest first."""
    rows = AccessToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now())
    return rows.filter(user=user) if user is not None else rows


def describe(token: AccessToken) -> dict[str, Any]:
    """A token as lists show it (never the digest)."""
    now = timezone.now()
    state = ("revoked" if token.revoked_at else "expired" if token.expires_at <= now
             else "live")
    return {
        "id": token.pk, "key_id": token.key_id, "user": token.user.get_username(),
        "name": token.name, "scopes": list(token.scopes or []), "state": state,
        "created_at": token.created_at.isoformat(), "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "last_used_address": token.last_used_address or None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
