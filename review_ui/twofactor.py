"""The second factor (TOTP, django-otp) that leads and admins must pass on every login.

``needs_second_factor(user)`` says who must (``SECOND_FACTOR_ROLES``);
``SecondFactorRequiredMiddleware`` keeps such a user, signed in with a password only, on the
second-factor pages (``views.account``): the token step when they have a confirmed device,
the enrolment otherwise; every other page answers with a redirect there. Recovery codes are
django-otp static tokens (``RECOVERY_CODES`` of them, each usable once, made at enrolment).
``reset_second_factor(user)`` removes a user's devices (``raqib users reset-2fa``): the next
login enrols again. To require the second factor of another role: add it to
``SECOND_FACTOR_ROLES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from review_ui.roles import has_role

SECOND_FACTOR_ROLES: tuple[str, ...] = ("lead", "admin")
RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"

Handler = Callable[[HttpRequest], HttpResponse]


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


def _verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


class SecondFactorRequiredMiddleware:
    """A lead or admin not yet past the second factor reaches only the second-factor
    pages, logout and static files; anything else redirects to the right step."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not needs_second_factor(user) or _verified(request):
            return self.get_response(request)
        verify, enrol = reverse("review_ui:login_2fa"), reverse("review_ui:totp_setup")
        open_paths = (verify, enrol, reverse("review_ui:logout"),
                      settings.STATIC_URL or "/static/")
        if request.path.startswith(open_paths):
            return self.get_response(request)
        target = verify if user_has_device(user, confirmed=True) else enrol
        nxt = request.get_full_path()
        if request.method == "GET" and nxt not in ("/", reverse("review_ui:login")):
            target = f"{target}?{urlencode({'next': nxt})}"
        return HttpResponseRedirect(target)
