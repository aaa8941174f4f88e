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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts import invites, twofactor
from accounts.passwords import client_address
from accounts.sessions import stamp_password_entry, stamp_step_up
from catalog import audit
from review_ui.access import signed_in_view, step_up_redirect

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


@signed_in_view
@require_http_methods(["GET", "POST"])
def login_2fa(request: HttpRequest) -> HttpResponse:
    if not twofactor.has_confirmed_totp(request.user):
        return HttpResponseRedirect(reverse("review_ui:enrol"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = twofactor.throttled_seconds(request.user)
        if wait:
            form.add_error("token", gettext(
                "Too many wrong codes: wait %(seconds)s s before the next try.")
                % {"seconds": wait})
            return render(request, "review_ui/login_2fa.html",
                          {"form": form, "next": safe_next(request)}, status=429)
        device = twofactor.match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            changes = twofactor.unseen_changes(request.user)
            if changes:  # told once, at the first login after the change
                return render(request, "review_ui/factor_changes.html",
                              {"changes": changes, "next": safe_next(request)})
            return HttpResponseRedirect(safe_next(request))
        _token_failed(request, "login")
        form.add_error("token", _("Wrong or expired code."))
    return render(request, "review_ui/login_2fa.html", {"form": form, "next": safe_next(request)})


def _qr_data_uri(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    buffer = BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _setup_refused(request: HttpRequest) -> HttpResponse | None:
    """Where to send a user who may not set up an authenticator now, or None: a first one
    needs a held invite; a replacement needs the second factor passed and a step-up."""
    user = request.user
    if not twofactor.has_confirmed_totp(user):
        if invites.held_invite(user, request.session.get(invites.INVITE_SESSION_KEY)):
            return None
        return HttpResponseRedirect(reverse("review_ui:enrol"))
    if not user.is_verified():
        return HttpResponseRedirect(reverse("review_ui:login_2fa"))
    return step_up_redirect(request)


@signed_in_view
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (with an invite), or replace one (after a step-up)."""
    refused = _setup_refused(request)
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
        "next": safe_next(request)})


@signed_in_view
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    needs_token = twofactor.needs_second_factor(request.user)
    form = ReauthForm(request.POST or None)
    if not needs_token:
        form.fields["token"].required = False
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=request.user.get_username(),
                            password=form.cleaned_data["password"])
        password_ok = user is not None and user.pk == request.user.pk
        token_ok = password_ok and (not needs_token or twofactor.match_token(
            request.user, form.cleaned_data["token"]) is not None)
        if token_ok:
            stamp_password_entry(request)
            stamp_step_up(request)
            return HttpResponseRedirect(safe_next(request))
        _token_failed(request, "re-authentication")
        form.add_error(None, _("Wrong password or code."))
    return render(request, "review_ui/reauth.html", {
        "form": form, "needs_token": needs_token, "next": safe_next(request)})


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
