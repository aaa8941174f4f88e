"""A user's second factors: the invite step of a first enrolment, the overview and its
changes (the rules are ``accounts.twofactor``, ``accounts.passkeys`` and
``accounts.invites``).

- ``enrol``: a signed-in user with no second factor types (or brings, through the link
  ``raqib users invite`` prints) their invite code; a live invite of theirs is held in the
  session and they go on to ``account.totp_setup`` (or, from there, ``passkeys.passkey_add``).
  Nothing else is reachable for them.
- ``factors``: what the user has (authenticator, passkeys, recovery codes left, recent
  changes), with the ways to add a passkey, add or replace the authenticator, remove a
  factor or get new recovery codes; recovery codes made by a passkey enrolment are shown
  here once.
- ``recovery_codes``: POST, after a step-up: a new set, shown once; the old stop working.
- ``factor_remove``: POST, after a step-up: remove an authenticator or a passkey, never
  the last factor.

A wrong invite code is logged (``raqib.auth``) with the address. To add a factor page: a
view here declared with ``signed_in_view`` (and ``step_up_required`` for a change) and
its URL in ``urls.py``.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import invites, twofactor
from accounts.models import FactorChange
from accounts.passwords import client_address
from review_ui.access import signed_in_view, step_up_required
from review_ui.views.account import safe_next
from review_ui.views.passkeys import FRESH_CODES_KEY

log = logging.getLogger("raqib.auth")


class InviteForm(forms.Form):
    code = forms.CharField(max_length=64, strip=True, widget=forms.TextInput(
        attrs={"autocomplete": "off", "dir": "ltr", "spellcheck": "false"}))


@signed_in_view
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    if twofactor.has_factor(request.user):
        return HttpResponseRedirect(reverse("review_ui:login_2fa"))
    form = InviteForm(request.POST or None,
                      initial={"code": request.GET.get("code", "")[:64]})
    if request.method == "POST" and form.is_valid():
        invite = invites.find_live_invite(request.user, form.cleaned_data["code"])
        if invite is not None:
            request.session[invites.INVITE_SESSION_KEY] = invite.pk
            return HttpResponseRedirect(f"{reverse('review_ui:totp_setup')}?"
                                        f"{urlencode({'next': safe_next(request)})}")
        log.warning("wrong enrolment invite code for %s from %s",
                    request.user.get_username(), client_address(request))
        form.add_error("code", _("This code is wrong, used, expired or not yours."))
    return render(request, "review_ui/enrol.html",
                  {"form": form, "next": safe_next(request)})


class RemoveForm(forms.Form):
    kind = forms.ChoiceField(choices=[("totp", "totp"), ("passkey", "passkey")])
    device = forms.IntegerField(min_value=1)


@signed_in_view
@require_GET
def factors(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "review_ui/factors.html", {
        **twofactor.factors_of(user),
        "fresh_codes": request.session.pop(FRESH_CODES_KEY, None),
        "changes": FactorChange.objects.filter(user=user).order_by("-at", "-pk")[:10],
        "several": twofactor.factor_count(user) > 1,
    })


@signed_in_view
@require_POST
@step_up_required
def factor_remove(request: HttpRequest) -> HttpResponse:
    form = RemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was removed: the form was incomplete."))
        return HttpResponseRedirect(reverse("review_ui:factors"))
    try:
        twofactor.remove_factor(request.user, form.cleaned_data["kind"],
                                form.cleaned_data["device"])
    except twofactor.FactorError:
        messages.error(request, _("Not removed: it is not one of your factors, or it is "
                                  "your last one (add another first)."))
    else:
        messages.success(request, _("The factor was removed."))
    return HttpResponseRedirect(reverse("review_ui:factors"))


@signed_in_view
@require_POST
@step_up_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = twofactor.new_recovery_codes(request.user)
    return render(request, "review_ui/recovery_codes.html",
                  {"codes": codes, "next": reverse("review_ui:factors")})
