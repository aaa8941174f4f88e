"""Second factors (django-otp: TOTP authenticators, passkeys through django-otp-webauthn,
and static recovery codes): every role passes one at every login (issue 23; ASVS 5.0 L2
asks it of all users).

``needs_second_factor(user)``: every signed-in user; ``review_ui.factor_gate`` keeps a
user who has not passed it on the second-factor pages. A factor is an authenticator app
(TOTP) or a passkey (``accounts.passkeys``); recovery codes come with the first one and
never count as a factor on their own. A first factor is enrolled only with an admin's
invite (``accounts.invites``); adding, replacing or removing one, or issuing new recovery
codes, needs a step-up (password and a current factor on the re-authentication page,
``accounts.sessions.has_recent_step_up``): ``change_refusal`` says which of the two a
surface must ask for, these functions do the change. ``remove_factor`` refuses the last
factor. Every change is audited (``user-2fa-*``) and kept as a ``FactorChange`` that the
user is shown at each login until they acknowledge it (``unacknowledged_changes``,
``acknowledge_changes``). Recovery codes are django-otp static tokens
(``RECOVERY_CODES``, each usable once). ``reset_second_factor(user)`` removes every
device and invite (``raqib users reset-2fa``): a new invite is then needed. To add a kind
of factor: its device model in ``FACTOR_MODELS`` and ``has_factor``, its enrolment beside
``confirm_totp`` or ``passkeys.registered``, its removal in ``remove_factor``.
"""

from __future__ import annotations

import math
from typing import Any

import django_otp
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.invites import revoke_invites, spend_invite
from accounts.models import EnrolmentInvite, FactorChange
from catalog import audit

RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
FACTOR_MODELS = (TOTPDevice, WebAuthnCredential, StaticDevice)


class FactorError(ValueError):
    """A change of factors that is refused (the last factor, an unknown one)."""


def needs_second_factor(user: Any) -> bool:
    """True for every signed-in, active user: no role is exempt."""
    return bool(user and user.is_authenticated and user.is_active)


def has_confirmed_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_passkey(user: Any) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def has_factor(user: Any) -> bool:
    """True when the user has a confirmed authenticator or passkey (recovery codes alone
    are not a factor: they come with one)."""
    return has_confirmed_totp(user) or has_passkey(user)


def enrolled_user_ids() -> set[int]:
    """The ids of every user with a factor (a confirmed authenticator or passkey)."""
    return (set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
            | set(WebAuthnCredential.objects.filter(confirmed=True)
                  .values_list("user_id", flat=True)))


def factor_count(user: Any) -> int:
    """How many factors the user has (authenticators and passkeys; not recovery codes)."""
    return (TOTPDevice.objects.filter(user=user, confirmed=True).count()
            + WebAuthnCredential.objects.filter(user=user, confirmed=True).count())


def factors_of(user: Any) -> dict[str, Any]:
    """What the user has: ``totp`` (the confirmed authenticator or None), ``passkeys``
    (confirmed, oldest first), ``codes_left`` (recovery codes not yet used)."""
    return {
        "totp": TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        "passkeys": list(WebAuthnCredential.objects.filter(user=user, confirmed=True)
                         .order_by("created_at", "pk")),
        "codes_left": StaticToken.objects.filter(device__user=user,
                                                 device__confirmed=True).count(),
    }


def change_refusal(user: Any, *, verified: bool, invite_held: bool,
                   stepped_up: bool) -> str | None:
    """None when the user may enrol or change a factor now; else what they must do first:
    ``"enrol"`` (no factor and no invite held: type the invite code), ``"verify"`` (a
    factor, not passed in this session) or ``"step-up"`` (password and a current factor
    again, within ``accounts.sessions.STEP_UP_SECONDS``)."""
    if not has_factor(user):
        return None if invite_held else "enrol"
    if not verified:
        return "verify"
    return None if stepped_up else "step-up"


def record_change(user: Any, kind: str, **details: Any) -> FactorChange:
    """Audit a change of the user's second factor and keep it to be shown at their next
    logins until acknowledged (a first enrolment, which the user has just done through
    their invite, is kept as acknowledged)."""
    audit.record(f"user-2fa-{kind}", user, details={"user": user.get_username(), **details})
    seen = timezone.now() if kind == FactorChange.Kind.ENROLLED else None
    return FactorChange.objects.create(user=user, kind=kind, seen_at=seen,
                                       detail=str(details.get("factor", ""))[:100])


def unacknowledged_changes(user: Any) -> list[FactorChange]:
    """The changes of the user's second factor they have not acknowledged yet."""
    return list(FactorChange.objects.filter(user=user, seen_at__isnull=True))


def acknowledge_changes(user: Any) -> int:
    """Mark every change of the user's second factor acknowledged; returns how many."""
    return FactorChange.objects.filter(user=user, seen_at__isnull=True).update(
        seen_at=timezone.now())


def remove_factor(user: Any, kind: str, pk: int) -> str:
    """Remove one of the user's factors (``kind`` "totp" or "passkey", its primary key);
    returns its name. FactorError for the last factor (recovery codes alone are no
    factor) or for one that is not the user's. Audited and kept for the next login."""
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    if model is None:
        raise FactorError(f"unknown kind of factor {kind!r}")
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, pk=pk,
                                                          confirmed=True).first()
        if device is None:
            raise FactorError("no such factor of yours")
        if factor_count(user) <= 1:
            raise FactorError("this is your last factor: add another before removing it")
        name = device.name or kind
        device.delete()
        record_change(user, FactorChange.Kind.TOTP_REMOVED if kind == "totp"
                      else FactorChange.Kind.PASSKEY_REMOVED, factor=name)
    return name


def pending_totp(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator (made once, shown until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME,
                                               confirmed=False)


def make_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with ``RECOVERY_CODES`` new ones and return them
    (shown once; stored as django-otp static tokens)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def confirm_totp(user: Any, device: TOTPDevice, token: str,
                 invite: EnrolmentInvite | None = None) -> list[str] | None:
    """Confirm the pending authenticator with a code it shows: it replaces any other, new
    recovery codes are made (returned, shown once) and the invite, if any, is spent. None
    when the code is wrong. The caller has checked the invite or the step-up."""
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        if invite is not None and not spend_invite(invite):
            return None  # spent by another request meanwhile
        replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()[0]
        device.confirmed = True
        device.save()
        codes = make_recovery_codes(user)
        record_change(user, FactorChange.Kind.REPLACED if replaced
                      else FactorChange.Kind.ENROLLED if invite is not None
                      else FactorChange.Kind.TOTP_ADDED, factor=TOTP_DEVICE_NAME)
    return codes


def new_recovery_codes(user: Any) -> list[str]:
    """A new set of recovery codes (the old ones stop working), audited."""
    with transaction.atomic():
        codes = make_recovery_codes(user)
        record_change(user, FactorChange.Kind.RECOVERY_CODES)
    return codes


def reset_second_factor(user: Any) -> int:
    """Delete every second-factor device and live invite of the user; returns how many
    devices were deleted. A new invite is needed to enrol again."""
    count = 0
    with transaction.atomic():
        for model in FACTOR_MODELS:
            deleted, _ = model.objects.filter(user=user).delete()
            count += deleted
        revoke_invites(user)
        FactorChange.objects.create(user=user, kind=FactorChange.Kind.RESET)
    return count


def match_token(user: object, token: str) -> object | None:
    """The device that accepts the token: six digits go to the authenticator, anything
    else to the recovery codes (so a recovery code never counts as a wrong TOTP)."""
    token = token.strip().replace(" ", "")
    model = TOTPDevice if token.isdigit() else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def throttled_seconds(user: object) -> int:
    """Seconds until django-otp's throttling lets the user's authenticator try again."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    allowed, info = device.verify_is_allowed() if device else (True, None)
    if allowed or not info or not info.get("locked_until"):
        return 0
    return max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
