"""Passkeys (WebAuthn), a second factor beside TOTP, through django-otp-webauthn.

A passkey is a django-otp device (``WebAuthnCredential``), so the second-factor gate, the
invite rule and ``raqib users reset-2fa`` treat it like an authenticator app. It is never a
password-less login (``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False``): the password comes
first, always.

The relying party (``RaqibWebAuthnHelper``): the host name of ``web.public_origin``, and
assertions only from that origin. Without a public origin, only ``http://localhost:PORT``
works (the browser tests; a single machine): the origin then follows the request's port,
never another host name. ``available(request)`` says whether this request's origin can
use passkeys at all (an address such as 127.0.0.1 cannot: WebAuthn needs a host name).

When a passkey may be registered is ``twofactor.change_refusal`` (an invite for a first
factor, a recent step-up for any other); what a registration does afterwards is
``registered``: spend the invite, make recovery codes with a first factor, audit it and
keep it for the user's next login. To change what a relying party accepts: override a
method of ``RaqibWebAuthnHelper``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import EnrolmentInvite, FactorChange

PASSKEY_NAME_MAX = 60


class PasskeyError(ValueError):
    """A registration that may not be kept (its invite was spent meanwhile)."""


def _request_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def local_origin(request: HttpRequest) -> str | None:
    """The request's own origin when no public origin is set and it is a localhost one."""
    if settings.PUBLIC_ORIGIN:
        return None
    origin = _request_origin(request)
    return origin if urlsplit(origin).hostname == "localhost" else None


def available(request: HttpRequest) -> bool:
    """True when passkeys can work for this request (its origin is the relying party's)."""
    if settings.PUBLIC_ORIGIN:
        return _request_origin(request) == settings.PUBLIC_ORIGIN
    return local_origin(request) is not None


class RaqibWebAuthnHelper(WebAuthnHelper):
    """django-otp-webauthn's helper with Raqib's relying party (see the module's text)."""

    def get_relying_party_domain(self) -> str:
        return settings.OTP_WEBAUTHN_RP_ID

    def get_allowed_origins(self) -> list[str]:
        if settings.PUBLIC_ORIGIN:
            return [settings.PUBLIC_ORIGIN]
        origin = local_origin(self.request)
        return [origin] if origin else list(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)


def passkeys_of(user: Any) -> list[WebAuthnCredential]:
    """The user's confirmed passkeys, oldest first."""
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True)
                .order_by("created_at", "pk"))


def has_passkey(user: Any) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def registered(user: Any, device: WebAuthnCredential,
               invite: EnrolmentInvite | None) -> list[str] | None:
    """Keep a passkey just registered: with ``invite`` (a first factor) spend it and make
    recovery codes (returned, shown once); audit it and record the change. PasskeyError
    (and the passkey deleted) when the invite was spent by another request meanwhile."""
    from accounts import invites, twofactor

    name = f"passkey {device.pk}"
    with transaction.atomic():
        if invite is not None and not invites.spend_invite(invite):
            device.delete()
            raise PasskeyError("this invite was used meanwhile")
        device.name = name[:PASSKEY_NAME_MAX]
        device.save(update_fields=["name"])
        codes = twofactor.make_recovery_codes(user) if invite is not None else None
        twofactor.record_change(user, FactorChange.Kind.ENROLLED if invite is not None
                                else FactorChange.Kind.PASSKEY_ADDED, factor=name)
    return codes
