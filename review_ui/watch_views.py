"""Views of watchlists and the alert review queue.

Roles (checked on the server with ``role_required``; the templates only hide buttons):
viewers read the queue and the watchlists; reviewers create watchlists (they own them) and
confirm or dismiss alerts with a note; a watchlist is (de)activated by its owner or a lead.
Every change is a POST with the CSRF token. Alert text is the captured segment, rendered
escaped in spans with the query's matches marked (``index.highlight``). To add a page: a
view here with ``@role_required(...)``, a template ``watchlists*.html``/``alerts*.html``
and a line in ``urls.py``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Alert, Watchlist
from index.base import QueryError, Span
from review_ui.roles import has_role, role_required

log = logging.getLogger(__name__)
ALERTS_PER_PAGE = 50


class WatchlistForm(forms.Form):
    name = forms.CharField(label="الاسم · Name", max_length=200,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    query = forms.CharField(label="الاستعلام · Query", max_length=500,
                            widget=forms.TextInput(attrs={"dir": "auto"}))

    def clean(self) -> dict:
        from review.watchlists import WatchlistError, validate_name, validate_query

        data = super().clean()
        try:
            if "name" in data:
                data["name"] = validate_name(data["name"])
        except WatchlistError as exc:
            self.add_error("name", str(exc))
        try:
            if "query" in data:
                validate_query(data["query"])
        except WatchlistError as exc:
            self.add_error("query", str(exc))
        return data


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("dismiss", "dismiss")])
    note = forms.CharField(required=False, max_length=4000)


def highlighted(alert: Alert) -> list[Span]:
    """The alert's text in spans, matched words marked; plain when the query no longer
    parses."""
    from index.highlight import highlight
    from index.query import parse

    try:
        return highlight(alert.text, parse(alert.watchlist.query))
    except (QueryError, ValueError):
        return [Span(alert.text)]


def new_alert_count() -> int:
    return Alert.objects.filter(status=Alert.Status.NEW, watchlist__active=True).count()


@require_GET
@role_required("viewer")
def alert_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Alert.Status.NEW)
    alerts = Alert.objects.select_related("watchlist", "broadcast__outlet", "reviewed_by")
    if status in Alert.Status.values:
        alerts = alerts.filter(status=status)
    else:
        status = ""
    watchlist_id = request.GET.get("watchlist", "")
    if watchlist_id.isdigit():
        alerts = alerts.filter(watchlist_id=int(watchlist_id))
    else:
        watchlist_id = ""
    page = Paginator(alerts.order_by("-created_at", "-id"), ALERTS_PER_PAGE).get_page(
        request.GET.get("page"))
    for alert in page:
        alert.spans = highlighted(alert)
    filters = {k: v for k, v in (("status", status), ("watchlist", watchlist_id)) if v}
    return render(request, "review_ui/alerts.html", {
        "page": page, "status": status, "statuses": Alert.Status.values,
        "watchlist_id": watchlist_id, "watchlists": Watchlist.objects.order_by("name"),
        "can_review": has_role(request.user, "reviewer"), "filters": urlencode(filters),
    })


def _back_to_queue(raw: str) -> str:
    """The queue URL with the filters the reviewer had (only known keys, no open redirect)."""
    from urllib.parse import parse_qsl

    kept = {k: v for k, v in parse_qsl(raw or "") if k in ("status", "watchlist", "page")}
    return reverse("alert_queue") + ("?" + urlencode(kept) if kept else "")


@require_POST
@role_required("reviewer")
def alert_review(request: HttpRequest, alert_id: int) -> HttpResponse:
    from review.alerts import review_alert

    alert = get_object_or_404(Alert, pk=alert_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse("confirm or dismiss, with an optional note", status=400,
                            content_type="text/plain; charset=utf-8")
    status = (Alert.Status.CONFIRMED if form.cleaned_data["action"] == "confirm"
              else Alert.Status.DISMISSED)
    review_alert(alert, status, user=request.user, note=form.cleaned_data["note"])
    return HttpResponseRedirect(_back_to_queue(request.POST.get("filters", "")))


def _watchlist_page(request: HttpRequest, form: WatchlistForm, status: int = 200
                    ) -> HttpResponse:
    watchlists = list(Watchlist.objects.select_related("owner").order_by("-active", "name"))
    counts = dict(Alert.objects.filter(status=Alert.Status.NEW).values("watchlist_id")
                  .annotate(n=Count("id")).values_list("watchlist_id", "n"))
    for watchlist in watchlists:
        watchlist.new_alerts = counts.get(watchlist.pk, 0)
        watchlist.can_edit = _can_edit(request, watchlist)
    return render(request, "review_ui/watchlists.html", {
        "watchlists": watchlists, "form": form,
        "can_create": has_role(request.user, "reviewer"),
    }, status=status)


def _can_edit(request: HttpRequest, watchlist: Watchlist) -> bool:
    return has_role(request.user, "lead") or (
        has_role(request.user, "reviewer") and watchlist.owner_id == request.user.pk)


@require_GET
@role_required("viewer")
def watchlist_list(request: HttpRequest) -> HttpResponse:
    return _watchlist_page(request, WatchlistForm())


@require_POST
@role_required("reviewer")
def watchlist_create(request: HttpRequest) -> HttpResponse:
    from review.watchlists import WatchlistError, create_watchlist

    form = WatchlistForm(request.POST)
    if form.is_valid():
        try:
            create_watchlist(form.cleaned_data["name"], form.cleaned_data["query"],
                             owner=request.user)
        except WatchlistError as exc:  # e.g. a name taken between validation and save
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("watchlist_list"))
    return _watchlist_page(request, form, status=400)


@require_POST
@role_required("reviewer")
def watchlist_active(request: HttpRequest, watchlist_id: int) -> HttpResponse:
    from review.watchlists import set_active

    watchlist = get_object_or_404(Watchlist, pk=watchlist_id)
    if not _can_edit(request, watchlist):
        raise PermissionDenied("only the watchlist's owner or a lead can change it")
    set_active(watchlist, request.POST.get("active") == "1", user=request.user)
    return HttpResponseRedirect(reverse("watchlist_list"))
