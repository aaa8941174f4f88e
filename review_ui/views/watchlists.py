"""The watchlists screen: standing queries run over every newly indexed transcript.

Viewers read the list (with each watchlist's count of new alerts); reviewers create
watchlists (they own them); a watchlist is (de)activated by its owner or a lead. Roles are
checked on the server (``role_required`` and ``can_edit``); the template only hides the
forms. Every change is a POST with the CSRF token, done by ``review.watchlists``. Matches
go to the review queue (``alerts``). To add a column: compute it in ``_watchlist_page``
and add it to ``watchlists.html``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import has_role
from catalog.models import Alert, Watchlist
from review.errors import as_html
from review_ui.access import role_required


class WatchlistForm(forms.Form):
    """A new watchlist: its name and query, checked by ``review.watchlists``."""

    name = forms.CharField(label=_("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    query = forms.CharField(label=_("Query"), max_length=500,
                            widget=forms.TextInput(attrs={"dir": "auto"}))

    def clean(self) -> dict[str, Any]:
        from review.watchlists import WatchlistError, validate_name, validate_query

        data = super().clean()
        try:
            if "name" in data:
                data["name"] = validate_name(data["name"])
        except WatchlistError as exc:
            self.add_error("name", as_html(exc))
        try:
            if "query" in data:
                validate_query(data["query"])
        except WatchlistError as exc:
            self.add_error("query", as_html(exc))
        return data


def can_edit(request: HttpRequest, watchlist: Watchlist) -> bool:
    """A lead may change any watchlist, a reviewer only their own."""
    return has_role(request.user, "lead") or (
        has_role(request.user, "reviewer") and watchlist.owner_id == request.user.pk)


def _watchlist_page(request: HttpRequest, form: WatchlistForm, status: int = 200
                    ) -> HttpResponse:
    watchlists = list(Watchlist.objects.select_related("owner").order_by("-active", "name"))
    counts = dict(Alert.objects.filter(status=Alert.Status.NEW).values("watchlist_id")
                  .annotate(n=Count("id")).values_list("watchlist_id", "n"))
    for watchlist in watchlists:
        watchlist.new_alerts = counts.get(watchlist.pk, 0)
        watchlist.can_edit = can_edit(request, watchlist)
    return render(request, "review_ui/watchlists.html", {
        "watchlists": watchlists, "form": form,
        "can_create": has_role(request.user, "reviewer"),
    }, status=status)


@require_GET
@role_required("viewer")
def watchlist_list(request: HttpRequest) -> HttpResponse:
    """Every watchlist, active first, with the form to add one (for reviewers)."""
    return _watchlist_page(request, WatchlistForm())


@require_POST
@role_required("reviewer")
def watchlist_create(request: HttpRequest) -> HttpResponse:
    """Create a watchlist owned by the reviewer; the list again with errors (400) if not."""
    from review.watchlists import WatchlistError, create_watchlist

    form = WatchlistForm(request.POST)
    if form.is_valid():
        try:
            create_watchlist(form.cleaned_data["name"], form.cleaned_data["query"],
                             owner=request.user)
        except WatchlistError as exc:  # e.g. a name taken between validation and save
            form.add_error(None, as_html(exc))
        else:
            return HttpResponseRedirect(reverse("review_ui:watchlist_list"))
    return _watchlist_page(request, form, status=400)


@require_POST
@role_required("reviewer")
def watchlist_active(request: HttpRequest, watchlist_id: int) -> HttpResponse:
    """(De)activate a watchlist (``active=1`` or not); its owner or a lead only."""
    from review.watchlists import set_active

    watchlist = get_object_or_404(Watchlist, pk=watchlist_id)
    if not can_edit(request, watchlist):
        raise PermissionDenied("only the watchlist's owner or a lead can change it")
    set_active(watchlist, request.POST.get("active") == "1", user=request.user)
    return HttpResponseRedirect(reverse("review_ui:watchlist_list"))
