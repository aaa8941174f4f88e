"""The incident list: filters (status, outlet, person on air, targeted person, first-aired
dates, sign of coercion), facet counts and pages.

Only the incidents ``review.incidents.visible_incidents`` gives the user are listed or
counted (a restricted incident is invisible to a reviewer not assigned to it, in the rows
and in every count); person filters go through ``review.persons.search_persons`` (any name
variant, Arabic-normalised, visible persons only). Each facet (status, outlet, sign) counts
ALL matches of the other filters, and its links narrow the list to that value, so a facet's
count is the length of the list its link opens. A lead who has not yet recorded a blind
second assessment of an incident under review does not see its proposer's signs: such
incidents are left out of the sign facet and of the sign filter, and their row shows no
signs (``review.workflow.proposer_assessment_hidden``). ``waited`` (one of ``WAIT_BUCKETS``'
keys: 0-1, 2-7, 8-30, 31-) lists the incidents under review that have waited that many
whole days since they were sent for review, as the dashboard's second-review bars count
them. Bad parameters are ignored with a message (``waited``: 400), never a 500. To add a
filter: a field in ``IncidentFilters``, its clause in
``_apply`` and, for a facet, an entry in ``_facets``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.roles import has_role
from catalog.models import Outlet
from review import workflow
from review.incidents import visible_incidents
from review.models import Assessment, CoercionSign, Incident
from review.persons import search_persons
from review_ui.access import role_required
from review_ui.labels import choices as labelled
from review_ui.labels import vocabulary_label
from review_ui.views.common import filter_query, form_errors, paginate, with_params

FILTER_KEYS = ("status", "outlet", "person", "targeted", "date_from", "date_to", "sign",
               "waited")
MAX_ID = 2**63 - 1
# days waited under review (whole days since sent for review), inclusive; None: no upper end
WAIT_BUCKETS: dict[str, tuple[int, int | None]] = {
    "0-1": (0, 1), "2-7": (2, 7), "8-30": (8, 30), "31-": (31, None)}


class IncidentFilters(forms.Form):
    """The list's filters; a field that does not validate is ignored (and reported)."""

    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", pgettext_lazy("any status", "All")),
                                        *labelled("incident_status",
                                                  Incident.Status.values)])
    outlet = forms.IntegerField(label=_("Outlet"), required=False, min_value=1,
                                max_value=MAX_ID)
    person = forms.CharField(label=_("Person on air"), required=False,
                             max_length=200)
    targeted = forms.CharField(label=_("Targeted person"), required=False,
                               max_length=200)
    date_from = forms.DateField(label=_("First aired from"), required=False,
                                input_formats=["%Y-%m-%d"])
    date_to = forms.DateField(label=_("to"), required=False, input_formats=["%Y-%m-%d"])
    sign = forms.SlugField(label=_("Sign"), required=False, max_length=64)


def waited_between(incidents: QuerySet[Incident], key: str,
                   now: dt.datetime | None = None) -> QuerySet[Incident]:
    """The incidents under review that have waited the whole days of bucket ``key``."""
    low, high = WAIT_BUCKETS[key]
    now = now or timezone.now()
    incidents = incidents.filter(status=Incident.Status.UNDER_REVIEW,
                                 status_changed_at__lte=now - dt.timedelta(days=low))
    if high is not None:
        incidents = incidents.filter(status_changed_at__gt=now - dt.timedelta(days=high + 1))
    return incidents


def read_filters(query: QueryDict) -> tuple[dict[str, Any], str]:
    """The valid filters (empty ones dropped) and a message naming the ignored ones."""
    waited = query.get("waited", "")
    if waited and waited not in WAIT_BUCKETS:
        raise BadRequest(f"waited must be one of {', '.join(WAIT_BUCKETS)}")
    form = IncidentFilters({key: query.get(key, "") for key in FILTER_KEYS})
    form.is_valid()
    data = {key: value for key, value in form.cleaned_data.items()
            if value not in (None, "") and key not in form.errors}
    if isinstance(data.get("person"), str):
        data["person"] = data["person"].strip() or None
    if isinstance(data.get("targeted"), str):
        data["targeted"] = data["targeted"].strip() or None
    data = {key: value for key, value in data.items() if value is not None}
    if waited:
        data["waited"] = waited
    message = ""
    if form.errors:
        message = gettext("Ignored an invalid filter: %(reason)s") % {"reason": form_errors(form)}
    return data, message


def blind_incidents(user: Any) -> QuerySet[Incident]:
    """Incidents whose proposer's assessment (confidence, signs) ``user`` may not see yet."""
    if not has_role(user, "lead"):
        return Incident.objects.none()
    mine = Assessment.objects.filter(incident=OuterRef("pk"), kind=Assessment.Kind.SECOND,
                                     by=user)
    return (Incident.objects.filter(status=Incident.Status.UNDER_REVIEW)
            .exclude(proposed_by=user).exclude(last_edited_by=user)
            .exclude(pk__in=workflow.shaped_by(user))
            .exclude(Exists(mine)))


def _apply(incidents: QuerySet[Incident], data: dict[str, Any], user: Any,
           skip: str = "") -> QuerySet[Incident]:
    """``incidents`` narrowed by every filter in ``data`` except ``skip``."""
    if data.get("status") and skip != "status":
        incidents = incidents.filter(status=data["status"])
    if data.get("outlet") and skip != "outlet":
        incidents = incidents.filter(outlet_id=data["outlet"])
    if data.get("person"):
        people = search_persons(data["person"], user).values("pk")
        incidents = incidents.filter(pk__in=Incident.objects.filter(
            people__person__in=people).values("pk"))
    if data.get("targeted"):
        people = search_persons(data["targeted"], user).values("pk")
        incidents = incidents.filter(pk__in=Incident.objects.filter(
            people__targeted__in=people).values("pk"))
    if data.get("date_from"):
        incidents = incidents.filter(first_aired__gte=data["date_from"])
    if data.get("date_to"):
        incidents = incidents.filter(first_aired__lte=data["date_to"])
    if data.get("waited"):
        incidents = waited_between(incidents, data["waited"], data.get("now"))
    if data.get("sign") and skip != "sign":
        incidents = incidents.filter(
            pk__in=Incident.objects.filter(signs__code=data["sign"]).values("pk")).exclude(
            pk__in=blind_incidents(user).values("pk"))
    return incidents


def matching(user: Any, data: dict[str, Any], skip: str = "") -> QuerySet[Incident]:
    """The visible incidents matching the filters (but ``skip``), one row each."""
    visible = visible_incidents(user).values("pk")
    return _apply(Incident.objects.filter(pk__in=visible), data, user, skip)


def _facet(name: str, rows: list[tuple[Any, str, int]], data: dict[str, Any],
           query: QueryDict) -> dict[str, Any]:
    current = str(data.get(name, ""))
    return {"name": name, "items": [
        {"value": value, "label": label, "count": count,
         "query": with_params(query, **{name: str(value)}),
         "current": str(value) == current}
        for value, label, count in rows]}


def _facets(user: Any, data: dict[str, Any], query: QueryDict) -> list[dict[str, Any]]:
    labels = dict(labelled("incident_status", Incident.Status.values))
    by_status = (matching(user, data, skip="status").values("status")
                 .annotate(n=Count("pk")).order_by("status"))
    statuses = [(row["status"], labels.get(row["status"], row["status"]), row["n"])
                for row in by_status]
    statuses.sort(key=lambda row: Incident.Status.values.index(row[0])
                  if row[0] in Incident.Status.values else 99)
    by_outlet = (matching(user, data, skip="outlet").filter(outlet__isnull=False)
                 .values("outlet_id", "outlet__name").annotate(n=Count("pk"))
                 .order_by("-n", "outlet__name"))
    outlets = [(row["outlet_id"], row["outlet__name"], row["n"]) for row in by_outlet]
    counted = matching(user, data, skip="sign").exclude(
        pk__in=blind_incidents(user).values("pk")).values("pk")
    by_sign = (Incident.signs.through.objects.filter(incident_id__in=counted)
               .values("coercionsign__code", "coercionsign__label_ar",
                       "coercionsign__label_en")
               .annotate(n=Count("incident_id", distinct=True))
               .order_by("-n", "coercionsign__code"))
    signs = [(row["coercionsign__code"],
              vocabulary_label(row["coercionsign__label_ar"], row["coercionsign__label_en"]),
              row["n"])
             for row in by_sign]
    return [_facet("status", statuses, data, query), _facet("outlet", outlets, data, query),
            _facet("sign", signs, data, query)]


def _rows(page: Any, user: Any) -> None:
    """Attach ``on_air`` (people with their targeted person) and ``shown_signs``."""
    ids = [incident.pk for incident in page]
    blind = set(blind_incidents(user).filter(pk__in=ids).values_list("pk", flat=True))
    for incident in page:
        incident.on_air = list(incident.people.all())
        incident.blind = incident.pk in blind
        incident.shown_signs = [] if incident.blind else list(incident.signs.all())
        incident.clip_count = len(incident.clips.all())


@require_GET
@role_required("reviewer")
def incident_list(request: HttpRequest) -> HttpResponse:
    """The visible incidents, newest first, with the filters, facets and pager."""
    data, message = read_filters(request.GET)
    incidents = (matching(request.user, data)
                 .select_related("outlet", "proposed_by")
                 .prefetch_related("people__person", "people__targeted", "signs", "clips")
                 .order_by("-created_at", "-id"))
    page = paginate(incidents, request.GET)
    _rows(page, request.user)
    visible = visible_incidents(request.user).values("pk")
    filters = {key: str(data[key]) for key in FILTER_KEYS if key in data}
    return render(request, "review_ui/incident_list.html", {
        "page": page, "message": message, "data": data, "filters_set": filters,
        "facets": _facets(request.user, data, request.GET),
        "statuses": labelled("incident_status", Incident.Status.values),
        "outlets": Outlet.objects.filter(incidents__in=visible).distinct().order_by("name"),
        "signs": CoercionSign.objects.order_by("code"),
        "waits": list(WAIT_BUCKETS),
        "raw": {key: request.GET.get(key, "")[:200] for key in FILTER_KEYS},
        "filters": filter_query(**filters),
        "clear_links": [{"name": key, "query": _without(request.GET, key)}
                        for key in filters],
    })


def _without(query: QueryDict, key: str) -> str:
    """The current query string without ``key`` (and without ``page``)."""
    params = query.copy()
    params.pop("page", None)
    params.pop(key, None)
    return params.urlencode()

