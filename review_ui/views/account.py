"""A user's own account pages: the second factor, re-authentication, password change.

- ``login_2fa``: the token step after the password, for every role
  (``review_ui.factor_gate`` sends them here); a recovery code works too. It shows the
  changes of the user's second factor made since their last login.
- ``totp_setup``: an authenticator app (key as text and QR code), then the recovery
  codes, shown once. A first one only with an invite checked by ``views.factors.enrol``;
  a replacement only after a step-up (``access.step_up_required``).
- ``reauth``: the password and a current second factor again, before an action under
  ``access.recent_auth_required`` or ``access.step_up_required``.
- ``password_change``: Django's view (every password validator applies).

Every page is ``signed_in_view``; a failed token is logged (``raqib.auth``) and counted
by django-otp's throttling; enrolment and password changes are audited. To add a page: a
view here declared with ``signed_in_view`` and its URL in ``urls.py``.
"""

from __future__ import annotations

import base64
import logging
from io import BytesIO

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts import invites, passkeys, twofactor
from accounts.passwords import client_address
from accounts.sessions import (
    stamp_password_entry,
    stamp_password_for_passkey,
    stamp_step_up,
)
from catalog import audit
from review_ui.access import factor_change_redirect, signed_in_view
from review_ui.passkey_scripts import passkey_config

log = logging.getLogger("raqib.auth")


class TokenForm(forms.Form):
    token = forms.CharField(max_length=16, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                          "inputmode": "numeric", "dir": "ltr"}))


class ReauthForm(TokenForm):
    password = forms.CharField(max_length=4096, strip=False, widget=forms.PasswordInput)
    field_order = ["password", "token"]


def safe_next(request: HttpRequest) -> str:
    """The ``next`` of the request when it stays on this site, else the search page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("review_ui:search")


def _token_failed(request: HttpRequest, step: str) -> None:
    log.warning("wrong second-factor token for %s at %s from %s",
                request.user.get_username(), step, client_address(request))


def after_second_factor(request: HttpRequest, nxt: str) -> str:
    """Where a user who just passed the second factor goes: the notice of the changes of
    their factors they have not acknowledged, if any, else ``nxt``."""
    if twofactor.unacknowledged_changes(request.user):
        return f"{reverse('review_ui:factor_changes')}?{urlencode({'next': nxt})}"
    return nxt


def _login_2fa_context(request: HttpRequest, form: forms.Form) -> dict:
    user = request.user
    with_passkey = twofactor.has_passkey(user) and passkeys.available(request)
    return {"form": form, "next": safe_next(request),
            "has_totp": twofactor.has_confirmed_totp(user), "with_passkey": with_passkey,
            "passkey_config": passkey_config(request) if with_passkey else None}


@signed_in_view
@require_http_methods(["GET", "POST"])
def login_2fa(request: HttpRequest) -> HttpResponse:
    if not twofactor.has_factor(request.user):
        return HttpResponseRedirect(reverse("review_ui:enrol"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = twofactor.throttled_seconds(request.user)
        if wait:
            form.add_error("token", gettext(
                "Too many wrong codes: wait %(seconds)s s before the next try.")
                % {"seconds": wait})
            return render(request, "review_ui/login_2fa.html",
                          _login_2fa_context(request, form), status=429)
        device = twofactor.match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            return HttpResponseRedirect(after_second_factor(request, safe_next(request)))
        _token_failed(request, "login")
        form.add_error("token", _("Wrong or expired code."))
    return render(request, "review_ui/login_2fa.html", _login_2fa_context(request, form))


@signed_in_view
@require_http_methods(["GET", "POST"])
def factor_changes(request: HttpRequest) -> HttpResponse:
    """The changes of the user's factors not yet acknowledged, shown after each login until
    the user acknowledges them (POST)."""
    if request.method == "POST":
        twofactor.acknowledge_changes(request.user)
        return HttpResponseRedirect(safe_next(request))
    changes = twofactor.unacknowledged_changes(request.user)
    if not changes:
        return HttpResponseRedirect(safe_next(request))
    return render(request, "review_ui/factor_changes.html",
                  {"changes": changes, "next": safe_next(request)})


def _qr_data_uri(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    buffer = BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@signed_in_view
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (with an invite), or add or replace one (after a step-up)."""
    refused = factor_change_redirect(request)
    if refused is not None:
        return refused
    user = request.user
    invite = invites.held_invite(user, request.session.get(invites.INVITE_SESSION_KEY))
    device = twofactor.pending_totp(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_totp(user, device, form.cleaned_data["token"],
                                       invite if not user.is_verified() else None)
        if codes is not None:
            request.session.pop(invites.INVITE_SESSION_KEY, None)
            django_otp.login(request, device)
            return render(request, "review_ui/recovery_codes.html",
                          {"codes": codes, "next": safe_next(request)})
        _token_failed(request, "enrolment")
        form.add_error("token", _("Wrong or expired code."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "review_ui/totp_setup.html", {
        "form": form, "secret": secret, "qr": _qr_data_uri(device.config_url),
        "next": safe_next(request), "first": not twofactor.has_factor(user)})


@signed_in_view
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    """The password and a current factor again: a code typed with the password, or (for a
    user with a passkey) the password, then the passkey within PASSKEY_STEP_SECONDS."""
    user = request.user
    needs_token = twofactor.needs_second_factor(user)
    with_passkey = needs_token and twofactor.has_passkey(user) and passkeys.available(request)
    form = ReauthForm(request.POST or None)
    if not needs_token or with_passkey:
        form.fields["token"].required = False
    passkey_step = False
    if request.method == "POST" and form.is_valid():
        found = authenticate(request, username=user.get_username(),
                             password=form.cleaned_data["password"])
        password_ok = found is not None and found.pk == user.pk
        token = form.cleaned_data["token"]
        if password_ok and with_passkey and not token:
            stamp_password_entry(request)  # the passkey completes the step-up
            stamp_password_for_passkey(request)
            passkey_step = True
        elif password_ok and (not needs_token or twofactor.match_token(user, token)):
            stamp_password_entry(request)
            stamp_step_up(request)
            return HttpResponseRedirect(safe_next(request))
        else:
            _token_failed(request, "re-authentication")
            form.add_error(None, _("Wrong password or code."))
    return render(request, "review_ui/reauth.html", {
        "form": form, "needs_token": needs_token, "next": safe_next(request),
        "with_passkey": with_passkey, "passkey_step": passkey_step,
        "passkey_config": passkey_config(request) if passkey_step else None})


class _PasswordChange(auth_views.PasswordChangeView):
    template_name = "review_ui/password_change.html"
    success_url = reverse_lazy("review_ui:search")

    def form_valid(self, form: forms.Form) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session, ends the others
        stamp_password_entry(self.request)
        audit.record("user-password-changed", self.request.user)
        messages.success(self.request, _("Password changed."))
        return response


password_change = signed_in_view(_PasswordChange.as_view())
