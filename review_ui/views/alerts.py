"""The review queue: alerts raised by watchlists, confirmed or dismissed by reviewers.

Viewers read the queue (filtered by status, default new, and by watchlist, paged with
``common.paginate``); reviewers confirm or dismiss an alert with a note, a CSRF-protected
POST that returns to the queue with the filters the reviewer had (known keys only, so no
open redirect). Roles are checked on the server with ``role_required``; the template only
hides the buttons. Alert text is the captured segment, rendered escaped in spans with the
query's matches marked (``index.highlight``). To add a filter: read it with a ``common``
helper, add it to ``filter_query`` and to ``QUEUE_KEYS``.

Above the alerts, reviewers see the incidents waiting for a lead (``under_review``, visible
to them by ``review.incidents.visible_incidents``), oldest status change first, each linking
to its page. Keyboard shortcuts (``static/review_ui/queue_keys.js``: j/k, o or Enter, c, d)
walk both lists; they only click the page's own links and forms, so the server's checks
are the same as with a mouse.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django import forms
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import has_role
from catalog.aired import day_filter
from catalog.models import Alert, Watchlist
from index.base import QueryError, Span
from review_ui.access import role_required
from review_ui.views.common import (
    PER_PAGE,
    choice_param,
    date_param,
    digits_param,
    filter_query,
    paginate,
)

ALERTS_PER_PAGE = PER_PAGE
# what the way back to the queue may keep
QUEUE_KEYS = ("status", "watchlist", "outlet", "date_from", "date_to", "page")
WAITING_SHOWN = 50  # incidents waiting for a lead shown above the alerts


class ReviewForm(forms.Form):
    """A reviewer's decision on one alert."""

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


def waiting_incidents(user: object) -> QuerySet:
    """Visible incidents under review (waiting for a lead), oldest status change first."""
    from review.incidents import visible_incidents
    from review.models import Incident

    return (visible_incidents(user).filter(status=Incident.Status.UNDER_REVIEW)
            .select_related("outlet", "proposed_by").order_by("status_changed_at", "id"))


_NEW_ALERTS_SQL: list[str] = []


def new_alert_count() -> int:
    """New alerts of active watchlists (the count in the navigation, on every page): the
    count of ``Alert.objects.filter(status=NEW, watchlist__active=True)`` as one plain
    statement written once per process (issue 26: building it was the dearer part)."""
    if not _NEW_ALERTS_SQL:
        quote, alert = connection.ops.quote_name, Alert._meta
        watchlist = alert.get_field("watchlist").related_model._meta
        _NEW_ALERTS_SQL.append(
            f"SELECT COUNT(*) FROM {quote(alert.db_table)} a "
            f"JOIN {quote(watchlist.db_table)} w "
            f"ON w.{quote(watchlist.pk.column)} = a.{quote(alert.get_field('watchlist').column)} "
            f"WHERE a.{quote(alert.get_field('status').column)} = %s "
            f"AND w.{quote(watchlist.get_field('active').column)} = %s")
    with connection.cursor() as cursor:
        cursor.execute(_NEW_ALERTS_SQL[0], [Alert.Status.NEW.value, True])
        return cursor.fetchone()[0]


@require_GET
@role_required("viewer")
def alert_queue(request: HttpRequest) -> HttpResponse:
    """The queue, newest first: ``?status=`` (default new; anything else: all) and
    ``?watchlist=`` id, ``?outlet=`` id, ``?date_from=``/``?date_to=`` (YYYY-MM-DD, the
    broadcast's air date; the dashboard's alert charts link here)."""
    status = choice_param(request.GET, "status", Alert.Status.values, default=Alert.Status.NEW)
    alerts = Alert.objects.select_related("watchlist", "broadcast__outlet", "reviewed_by")
    if status:
        alerts = alerts.filter(status=status)
    watchlist_id = digits_param(request.GET, "watchlist")
    if watchlist_id:
        alerts = alerts.filter(watchlist_id=int(watchlist_id))
    outlet_id = digits_param(request.GET, "outlet")
    if outlet_id:
        alerts = alerts.filter(broadcast__outlet_id=int(outlet_id))
    date_from, date_to = date_param(request.GET, "date_from"), date_param(request.GET, "date_to")
    if date_from or date_to:  # the day as the outlet printed it (catalog.aired)
        alerts = alerts.filter(day_filter("broadcast__", date_from, date_to))
    page = paginate(alerts.order_by("-created_at", "-id"), request.GET, ALERTS_PER_PAGE)
    for alert in page:
        alert.spans = highlighted(alert)
    waiting = waiting_incidents(request.user)
    return render(request, "review_ui/alerts.html", {
        "page": page, "status": status, "statuses": Alert.Status.values,
        "waiting": list(waiting[:WAITING_SHOWN]), "waiting_count": waiting.count(),
        "watchlist_id": watchlist_id, "watchlists": Watchlist.objects.order_by("name"),
        "can_review": has_role(request.user, "reviewer"),
        "filters": filter_query(status=status, watchlist=watchlist_id, outlet=outlet_id,
                                date_from=date_from, date_to=date_to),
        "outlet_id": outlet_id, "date_from": date_from, "date_to": date_to,
    })


def _back_to_queue(raw: str) -> str:
    """The queue URL with the filters the reviewer had (only known keys, no open redirect)."""
    kept = {k: v for k, v in parse_qsl(raw or "") if k in QUEUE_KEYS}
    return reverse("review_ui:alert_queue") + ("?" + urlencode(kept) if kept else "")


@require_POST
@role_required("reviewer")
def alert_review(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Confirm or dismiss one alert with an optional note, then back to the queue."""
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
