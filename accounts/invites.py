"""Enrolment invites: the only way to a first second factor (issue 23, finding 3).

A user with no second factor can do nothing after their password but type an invite code.
An admin issues one with ``raqib users invite NAME`` (``issue_invite``): a random code of
``CODE_LENGTH`` base-32 characters (100 bits), printed once, stored as its SHA-256 only,
valid ``hours`` (``DEFAULT_HOURS``), for that one account, once. Issuing a new one revokes
the user's earlier ones; ``raqib users reset-2fa`` revokes them all. Every issue and use is
audited (never the code). The web UI holds a checked invite in the session
(``INVITE_SESSION_KEY``) between the code page and the enrolment page and consumes it
(``use_invite``) when the new factor is confirmed. To add a way to deliver invites: call
``issue_invite`` and hand the code over; never store it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device

from accounts.models import EnrolmentInvite
from catalog import audit

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, no 0/O or 1/I
CODE_LENGTH = 20
DEFAULT_HOURS = 72
MAX_HOURS = 24 * 30
INVITE_SESSION_KEY = "raqib_enrolment_invite"


class InviteError(ValueError):
    """An invite that cannot be issued (unknown or inactive user, has a factor, bad expiry)."""


def normalise(code: str) -> str:
    """The code as issued, whatever the case, spaces and dashes the user typed."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def revoke_invites(user: Any) -> int:
    """Revoke every live invite of the user; returns how many."""
    return EnrolmentInvite.objects.filter(user=user, used_at__isnull=True,
                                          revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def issue_invite(user: Any, hours: int = DEFAULT_HOURS, *, issued_by: str = "",
                 by: Any = None, details: dict[str, Any] | None = None
                 ) -> tuple[str, EnrolmentInvite]:
    """A new invite for the user: (the code, shown once; the stored row). ``by`` is the
    admin issuing it (the audit event's actor; None: the system), ``details`` are added
    to that event (``accounts.administration``)."""
    if not 1 <= hours <= MAX_HOURS:
        raise InviteError(f"an invite lasts 1 to {MAX_HOURS} hours, not {hours}")
    if not user.is_active:
        raise InviteError(f"{user.get_username()} is deactivated")
    if user_has_device(user, confirmed=True):
        raise InviteError(f"{user.get_username()} already has a second factor; "
                          "`raqib users reset-2fa` removes it first")
    code = _new_code()
    with transaction.atomic():
        revoke_invites(user)
        invite = EnrolmentInvite.objects.create(
            user=user, code_hash=code_hash(code), issued_by=issued_by[:300],
            expires_at=timezone.now() + dt.timedelta(hours=hours))
        audit.record("user-2fa-invited", by, details={
            "user": user.get_username(), "expires_at": invite.expires_at.isoformat(),
            "issued_by": issued_by[:300], **(details or {})})
    return code, invite


def find_live_invite(user: Any, code: str) -> EnrolmentInvite | None:
    """The user's live invite with this code, or None (wrong, used, revoked, expired, or
    another account's)."""
    invite = EnrolmentInvite.objects.filter(code_hash=code_hash(code), user=user).first()
    return invite if invite is not None and invite.is_live() else None


def held_invite(user: Any, invite_id: object) -> EnrolmentInvite | None:
    """The live invite a session holds for this user, or None."""
    if not isinstance(invite_id, int):
        return None
    invite = EnrolmentInvite.objects.filter(pk=invite_id, user=user).first()
    return invite if invite is not None and invite.is_live() else None


def spend_invite(invite: EnrolmentInvite) -> bool:
    """Spend the invite if it is still live (audited); False when another request spent,
    or an admin revoked, it first. Call it inside the enrolment's transaction."""
    spent = EnrolmentInvite.objects.filter(
        pk=invite.pk, used_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now()).update(used_at=timezone.now())
    if spent:
        audit.record("user-2fa-invite-used", invite.user,
                     details={"user": invite.user.get_username()})
    return bool(spent)


def use_invite(invite: EnrolmentInvite) -> None:
    """Spend the invite (once): a second use finds it dead."""
    spend_invite(invite)
