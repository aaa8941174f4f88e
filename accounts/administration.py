"""User administration: who may administer accounts, and the rules of each change (issue 24).

Every door that changes accounts (``raqib users``, ``raqib tokens``; later the API) calls
these functions and only parses, calls and prints around them. Each takes ``by``, the
acting admin (a user), or None for the system during bootstrap, and records its audit
event with that person as the actor (``catalog.audit.record``).

Who may administer (``check_administrator``):

- once at least one *enrolled admin* exists (an active user whose role is admin and who
  holds a second factor: ``enrolled_admins``), only an admin person may: ``by`` must be a
  user whose role is admin. The command line takes that person from an admin-scoped
  token or the terminal sign-in (``raqib.commands.acting``);
- before any enrolled admin exists (a fresh install: *bootstrap*), the system may act
  (``by`` None), so that the first admin can be created, given an invite and enrol. Each
  such event says ``"bootstrap": true`` and its actor is the OS user and host
  (``catalog.audit.actor_name``).

Why bootstrap is safe: it is open only while no active admin has a second factor. Going
back to it needs an admin's own action (removing the last enrolled admin's factor with
``reset_second_factor``, deactivating or demoting them: each audited under that admin's
name, and ``left_bootstrap_open`` lets the surface warn) or a direct write to the
database, which bypasses every rule anyway. Resetting the last enrolled admin's factor is
allowed on purpose: it is the recovery path when that admin lost their phone and recovery
codes (``raqib users reset-2fa`` by another admin, or by the operator through a database
restore; then ``raqib users invite`` during the reopened bootstrap).

To add an administrative action: write it here as a function taking ``by``, call
``check_administrator(by)`` first, audit with ``_details(by, ...)``, and call it from
the surfaces.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import tokens
from accounts.passwords import check_username
from accounts.roles import RANK, has_role, set_role, user_role
from catalog import audit


class AdminError(ValueError):
    """An administrative change that is refused as asked (bad name, weak password, unknown
    user, ...): the message says why; nothing was changed."""


class AdminRefused(PermissionError):
    """The actor may not administer accounts (not an admin, or no person once an enrolled
    admin exists); nothing was changed."""


def enrolled_admins() -> list[Any]:
    """Active users whose role is admin and who hold a second factor."""
    from accounts.twofactor import enrolled_user_ids

    ids = enrolled_user_ids()
    if not ids:
        return []
    users = get_user_model().objects.filter(pk__in=ids, is_active=True)
    return [user for user in users if user_role(user) == "admin"]


def bootstrap_open() -> bool:
    """True while no enrolled admin exists: the system may administer (first admin)."""
    return not enrolled_admins()


def check_administrator(by: Any) -> None:
    """Refuse (``AdminRefused``) unless ``by`` may administer now: an admin person, or
    None while bootstrap is open."""
    if by is None:
        if not bootstrap_open():
            raise AdminRefused("user administration acts as an admin person once an admin "
                               "has enrolled a second factor")
        return
    if not has_role(by, "admin"):
        raise AdminRefused(f"{by.get_username()} is not an admin ({user_role(by) or 'no role'})"
                           "; only an admin may administer users and tokens")


def _details(by: Any, **details: Any) -> dict[str, Any]:
    """The audit details of an administrative event; bootstrap events say so."""
    return {**details, "bootstrap": True} if by is None else details


def left_bootstrap_open(was_open: bool) -> bool:
    """True when a change has just left no enrolled admin (bootstrap reopened):
    ``was_open`` is ``bootstrap_open()`` as it was before the change."""
    return not was_open and bootstrap_open()


def describe_user(user: Any, enrolled: set[int]) -> dict[str, Any]:
    """What ``raqib users list`` and ``GET users/`` show of an account (``enrolled``: the
    ids of users holding a second factor, ``accounts.twofactor.enrolled_user_ids``): never a
    password hash, a factor's secret or a token."""
    return {"name": user.get_username(), "role": user_role(user), "active": user.is_active,
            "second_factor": user.pk in enrolled,
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "created": user.date_joined.isoformat()}


def find_user(name: str) -> Any:
    """The user named ``name``; ``AdminError`` if there is none."""
    user = get_user_model().objects.filter(username=(name or "").strip()).first()
    if user is None:
        raise AdminError(f"no user named {name!r}")
    return user


def check_new_name(name: str) -> str:
    """The user name, stripped, if it may be used (``accounts.passwords.check_username``)."""
    name = (name or "").strip()
    try:
        check_username(name)
    except ValidationError as exc:
        raise AdminError(" ".join(exc.messages)) from exc
    return name


def save_user(name: str, role: str, password: str, *, by: Any) -> tuple[Any, bool]:
    """Create the user ``name`` with ``role`` and ``password``, or update an existing
    user's role and password (and activate them); returns (user, created). The password
    must pass every configured validator. Audited as ``user-role-set``."""
    check_administrator(by)
    name = check_new_name(name)
    if role not in RANK:
        raise AdminError(f"unknown role {role!r}")
    User = get_user_model()
    existing = User.objects.filter(username=name).first()
    try:
        if not password:
            raise ValidationError("the password is empty")
        validate_password(password, user=existing or User(username=name))
    except ValidationError as exc:
        raise AdminError(f"password refused: {' '.join(exc.messages)}") from exc
    with transaction.atomic():
        user = existing or User(username=name)
        before = user_role(existing) if existing is not None else None
        user.set_password(password)
        user.is_active = True
        user.save()
        set_role(user, role)
        audit.record("user-role-set", by, details=_details(
            by, user=name, role=role, previous_role=before, created=existing is None,
            password_set=True))
    return user, existing is None


def deactivate(user: Any, *, by: Any) -> dict[str, int]:
    """Block the user: revoke their personal access tokens, end their sessions. Returns
    ``{"sessions_ended", "tokens_revoked"}``. Audited as ``user-deactivated``."""
    from accounts.sessions import end_sessions

    check_administrator(by)
    with transaction.atomic():
        revoked = tokens.revoke_all(user, by=by, reason="user deactivated")
        user.is_active = False
        user.save(update_fields=["is_active"])  # the post_save receiver finds none left
        ended = end_sessions(user)
        audit.record("user-deactivated", by, details=_details(
            by, user=user.get_username(), sessions_ended=ended, tokens_revoked=revoked))
    return {"sessions_ended": ended, "tokens_revoked": revoked}


def reset_factor(user: Any, *, by: Any) -> dict[str, int]:
    """Remove the user's second-factor devices and invites and end their sessions (a new
    invite is then needed). Allowed for the last enrolled admin too: the recovery path.
    Returns ``{"devices_removed", "sessions_ended"}``. Audited as ``user-2fa-reset``."""
    from accounts.sessions import end_sessions
    from accounts.twofactor import reset_second_factor

    check_administrator(by)
    with transaction.atomic():
        removed = reset_second_factor(user)
        ended = end_sessions(user)
        audit.record("user-2fa-reset", by, details=_details(
            by, user=user.get_username(), devices_removed=removed, sessions_ended=ended))
    return {"devices_removed": removed, "sessions_ended": ended}


def unlock(name: str, address: str, *, by: Any) -> int:
    """Lift the login lockout of the account ``name``, of the client ``address``, or both
    (django-axes' failure records); returns how many records were cleared. Audited as
    ``login-unlocked``."""
    from axes.utils import reset

    check_administrator(by)
    if not name and not address:
        raise AdminError("name a user, or give an address, to unlock")
    if name:
        find_user(name)
    cleared = reset(username=name or None, ip=address or None)
    audit.record("login-unlocked", by, details=_details(
        by, user=name, address=address, attempts_cleared=cleared))
    return cleared


def invite(user: Any, hours: int, *, by: Any, operator: str = "") -> tuple[str, Any]:
    """A one-time enrolment invite for the user (``accounts.invites.issue_invite``):
    (the code, shown once; the stored row). ``operator`` names who issued it when ``by``
    is None (the OS user and host). Audited as ``user-2fa-invited``."""
    from accounts.invites import InviteError, issue_invite

    check_administrator(by)
    issued_by = by.get_username() if by is not None else operator
    try:
        return issue_invite(user, hours, issued_by=issued_by, by=by,
                            details=_details(by))
    except InviteError as exc:
        raise AdminError(str(exc)) from exc


def issue_token(user: Any, *, name: str, scopes: list[str], expires_days: int,
                by: Any) -> tuple[Any, str]:
    """A personal access token for the user (``accounts.tokens.issue``): (the row, the raw
    token shown once). Audited as ``token-created``."""
    check_administrator(by)
    try:
        return tokens.issue(user, name=name, scopes=scopes, expires_days=expires_days,
                            by=by, details=_details(by))
    except tokens.TokenError as exc:
        raise AdminError(str(exc)) from exc


def revoke_token(token: Any, *, by: Any) -> bool:
    """Revoke the token now; returns False when it was revoked already. Audited as
    ``token-revoked``."""
    check_administrator(by)
    was_revoked = token.revoked_at is not None
    try:
        tokens.revoke(token, by=by, details=_details(by))
    except tokens.TokenError as exc:
        raise AdminError(str(exc)) from exc
    return not was_revoked
