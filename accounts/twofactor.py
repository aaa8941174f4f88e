"""The second factor (TOTP, django-otp) that leads and admins must pass on every login.

``needs_second_factor(user)`` says who must (``SECOND_FACTOR_ROLES``);
``review_ui.factor_gate.SecondFactorRequiredMiddleware`` keeps such a user, signed in with a
password only, on the second-factor pages (``review_ui.views.account``). Recovery codes are
django-otp static tokens (``RECOVERY_CODES`` of them, each usable once, made at enrolment).
``reset_second_factor(user)`` removes a user's devices (``raqib users reset-2fa``): the next
login enrols again. To require the second factor of another role: add it to
``SECOND_FACTOR_ROLES``.
"""

from __future__ import annotations

import math
from typing import Any

import django_otp
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import has_role

SECOND_FACTOR_ROLES: tuple[str, ...] = ("lead", "admin")
RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def needs_second_factor(user: Any) -> bool:
    """True for a user whose role is one of ``SECOND_FACTOR_ROLES`` (or higher)."""
    return bool(user and user.is_authenticated) and any(
        has_role(user, role) for role in SECOND_FACTOR_ROLES)


def has_confirmed_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def make_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with ``RECOVERY_CODES`` new ones and return them
    (shown once; stored as django-otp static tokens)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def reset_second_factor(user: Any) -> int:
    """Delete every second-factor device of the user; returns how many were deleted."""
    count = 0
    for model in (TOTPDevice, StaticDevice):
        deleted, _ = model.objects.filter(user=user).delete()
        count += deleted
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
