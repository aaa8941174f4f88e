"""A user's personal access tokens (the rules are ``accounts.tokens``).

- ``token_list``: the user's own tokens (name, key id, scopes, expiry, last use, state)
  with a revoke button each; an admin also sees every other user's live tokens.
- ``token_create``: after a step-up (password and a current second factor on the
  re-authentication page, ``access.step_up_required``), a form (name, scopes the role
  allows, days to expiry); the raw token is shown once on the answer page, never stored
  and never put in a URL, with ``Cache-Control: no-store``.
- ``token_revoke``: POST; the owner or an admin (else 403); audited.

To add a page: a view here declared in ``review_ui.access`` and its URL in ``urls.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import tokens
from accounts.models import AccessToken
from accounts.roles import has_role
from review_ui.access import signed_in_view, step_up_required

SCOPE_LABELS = {"read": _("read: search, broadcasts, incidents, persons"),
                "review": _("review: propose, edit and review, as your role allows"),
                "admin": _("admin: administration")}


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=tokens.NAME_MAX, strip=True,
                           help_text=_("What the token is for, e.g. “partner sync”."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=(),
                                       widget=forms.CheckboxSelectMultiple)
    expires_days = forms.IntegerField(label=_("Days until it expires"),
                                      min_value=1, max_value=tokens.MAX_DAYS,
                                      initial=tokens.DEFAULT_DAYS)

    def __init__(self, user: object, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        allowed = tokens.allowed_scopes(user)
        self.fields["scopes"].choices = [(s, SCOPE_LABELS[s]) for s in tokens.SCOPES
                                         if s in allowed]
        self.fields["scopes"].initial = [s for s in ("read",) if s in allowed]


def _rows(queryset: object) -> list[dict]:
    return [tokens.describe(t) for t in queryset]


@signed_in_view
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    own = AccessToken.objects.select_related("user").filter(user=request.user)
    others = (_rows(tokens.live_tokens().exclude(user=request.user))
              if has_role(request.user, "admin") else None)
    return render(request, "review_ui/tokens.html", {
        "own": _rows(own[:100]), "others": others,
        "allowed": [s for s in tokens.SCOPES if s in tokens.allowed_scopes(request.user)]})


@signed_in_view
@require_http_methods(["GET", "POST"])
@step_up_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = tokens.issue(request.user, name=form.cleaned_data["name"],
                                      scopes=form.cleaned_data["scopes"],
                                      expires_days=form.cleaned_data["expires_days"],
                                      by=request.user)
        except tokens.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            response = render(request, "review_ui/token_created.html",
                              {"token": tokens.describe(token), "raw": raw})
            add_never_cache_headers(response)
            return response
    return render(request, "review_ui/token_form.html", {"form": form})


@signed_in_view
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = AccessToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise Http404(gettext("No such token."))
    if not tokens.may_revoke(token, request.user):
        raise PermissionDenied("only the token's owner or an admin may revoke it")
    tokens.revoke(token, by=request.user)
    messages.success(request, gettext("Token %(key)s revoked.") % {"key": token.key_id})
    return HttpResponseRedirect(reverse("review_ui:tokens"))
