"""Passkeys in the review UI: django-otp-webauthn's ceremony views under Raqib's rules (the
rules are ``accounts.twofactor`` and ``accounts.passkeys``; these classes only apply them).

- ``passkey_add``: the page with the button that registers a passkey (the library's
  ``otp_webauthn_register.js``). A first factor only with an invite held in the session
  (``views.factors.enrol``); any other only after a step-up, exactly as ``totp_setup``.
- ``register_begin`` / ``register_complete``: the library's JSON endpoints, refusing
  (403, ``factor_change_refused``) what ``twofactor.change_refusal`` refuses, checked at
  both steps. Completion spends the invite, makes recovery codes with a first factor
  (shown once on the factors page) and records the change (``passkeys.registered``).
- ``auth_begin`` / ``auth_complete``: a passkey as the second step of a login (a user past
  the password, not yet verified), or as the second half of a step-up (the password was
  right on the re-authentication page less than ``PASSKEY_STEP_SECONDS`` ago); anything
  else is refused. Never a password-less login.
- ``js_catalog``: the library's messages in the page's language (locale/*/djangojs.po).

Every endpoint is a POST with the CSRF token (the library's scripts send X-CSRFToken);
the scripts are static files (the CSP allows no inline script) and their configuration a
``json_script`` block (``review_ui.passkey_scripts.passkey_config``). To add a ceremony:
subclass the library's view here, apply a rule of ``accounts``, declare the view with
``signed_in_view``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts import invites, passkeys, sessions, twofactor
from accounts.passwords import client_address
from review_ui.access import factor_change_redirect, factor_change_refusal, signed_in_view
from review_ui.passkey_scripts import passkey_config
from review_ui.views.account import after_second_factor, safe_next

log = logging.getLogger("raqib.auth")
FRESH_CODES_KEY = "raqib_fresh_recovery_codes"


class ChangeRefused(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = _("Enrolling a factor needs an invite, or your password and a current "
                       "factor first.")
    default_code = "factor_change_refused"


class NotThisOrigin(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_detail = _("Passkeys are not available at this address.")
    default_code = "passkeys_unavailable"


class NothingToVerify(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = _("No login or re-authentication is waiting for a passkey.")
    default_code = "nothing_to_verify"


def _verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def _held_invite(request: HttpRequest) -> invites.EnrolmentInvite | None:
    return invites.held_invite(request.user, request.session.get(invites.INVITE_SESSION_KEY))


@signed_in_view
@require_GET
def passkey_add(request: HttpRequest) -> HttpResponse:
    refused = factor_change_redirect(request)
    if refused is not None:
        return refused
    return render(request, "review_ui/passkey_add.html", {
        "available": passkeys.available(request), "passkey_config": passkey_config(request),
        "first": not twofactor.has_factor(request.user), "next": safe_next(request)})


class _RegistrationRules:
    """The library's registration checks, then Raqib's (invite or step-up, origin)."""

    request: HttpRequest

    def check_can_register(self) -> None:
        if not passkeys.available(self.request):
            raise NotThisOrigin()
        if factor_change_refusal(self.request) is not None:
            log.warning("passkey registration refused for %s from %s",
                        self.request.user.get_username(), client_address(self.request))
            raise ChangeRefused()


class _RegisterBegin(_RegistrationRules, BeginCredentialRegistrationView):
    pass


class _RegisterComplete(_RegistrationRules, CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        request, user = self.request, self.get_user()
        state = self.get_state()
        invite = None if twofactor.has_factor(user) else _held_invite(request)
        with rewrite_exceptions(logger=log):
            device = self.get_helper().register_complete(user=user, state=state,
                                                         data=request.data)
        try:
            codes = passkeys.registered(user, device, invite)
        except passkeys.PasskeyError:
            raise ChangeRefused() from None
        request.session.pop(invites.INVITE_SESSION_KEY, None)
        if not _verified(request):  # a first factor, just enrolled with the invite
            otp_login(request, device)
            request.session.cycle_key()
        if codes:
            request.session[FRESH_CODES_KEY] = codes
        return JsonResponse({"id": device.pk, "next": reverse("review_ui:factors")})


def _auth_mode(request: HttpRequest) -> str | None:
    """"login" (past the password, not yet verified), "step-up" (the password was right on
    the re-authentication page just now) or None (nothing waits for a passkey)."""
    if not request.user.is_authenticated:
        return None
    if not _verified(request):
        return "login"
    return "step-up" if sessions.passkey_step_pending(request) else None


class _AuthenticationRules:
    request: HttpRequest

    def check_can_authenticate(self) -> None:
        if not passkeys.available(self.request):
            raise NotThisOrigin()
        if _auth_mode(self.request) is None:
            raise NothingToVerify()


class _AuthBegin(_AuthenticationRules, BeginCredentialAuthenticationView):
    pass


class _AuthComplete(_AuthenticationRules, CompleteCredentialAuthenticationView):
    mode: str | None = None

    def complete_auth(self, device: Any) -> None:
        self.mode = _auth_mode(self.request)
        super().complete_auth(device)  # django_otp.login: the session passed this device
        if self.mode == "login":
            self.request.session.cycle_key()
        else:
            sessions.complete_passkey_step(self.request)

    def get_success_url(self) -> str:
        nxt = self.get_redirect_url() or reverse("review_ui:search")
        if self.mode == "login":
            return after_second_factor(self.request, nxt)
        return nxt


def _declared(view_class: type) -> Any:
    return signed_in_view(view_class.as_view())


register_begin = _declared(_RegisterBegin)
register_complete = _declared(_RegisterComplete)
auth_begin = _declared(_AuthBegin)
auth_complete = _declared(_AuthComplete)


js_catalog = signed_in_view(require_GET(JavaScriptCatalog.as_view(
    packages=["django_otp_webauthn"])))  # with LOCALE_PATHS' djangojs (the Arabic)
