"""The person screens: the list with a name search, adding a person, and a person's page
with every appearance across outlets on a timeline.

Only the persons ``review.persons.visible_persons`` gives the user are listed, found or
shown: a restricted person is visible to leads and admins and to reviewers assigned to one
of their incidents; to anyone else their page is a 404, exactly like a missing one. The
search matches any name, variant or transliteration, Arabic-normalised
(``review.persons.search_persons``). Adding is a CSRF-protected POST that calls
``review.persons.add_person`` (audited as ``person-added``); its errors come back on the
form with the input kept. The timeline lists, oldest first, each airing (clip) of each
visible incident the person is in, on air or targeted, with its outlet, date, role or
relation and a link to the incident. Under it, the segments of transcripts that name the
person (``review.persons.find_mentions``): every name and variant searched fuzzily by
default (a name Whisper misheard by a letter is still found), ``?exact=1`` for exact
phrases; a refused query or a backend that is down gives a message, never a 500.
To add a field to the form: ``PersonForm`` and ``person_create``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import has_role
from catalog import audit
from catalog.aired import AirDate
from review.errors import as_html
from review.incidents import visible_incidents
from review.models import IncidentPerson, Person
from review.persons import (
    MAX_NAME,
    MAX_VARIANTS,
    PersonError,
    add_person,
    find_mentions,
    search_persons,
)
from review.persons import visible_persons as persons_for
from review_ui.access import role_required
from review_ui.labels import choices as labelled
from review_ui.views.common import filter_query, paginate

MAX_ID = 2**63 - 1
log = logging.getLogger(__name__)


class PersonForm(forms.Form):
    """A new person; ``review.persons.add_person`` checks the values again."""

    name = forms.CharField(label=_("Name as captured"), max_length=MAX_NAME,
                           widget=forms.TextInput(attrs={"dir": "auto"}))
    variants = forms.CharField(
        label=_("Other spellings, one per line"),
        required=False, max_length=(MAX_NAME + 1) * MAX_VARIANTS,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}))
    latin = forms.CharField(label=_("Latin transliteration"),
                            required=False, max_length=MAX_NAME,
                            widget=forms.TextInput(attrs={"dir": "ltr"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=labelled("person_kind", Person.Kind.values),
                             initial=Person.Kind.OTHER)
    restricted = forms.BooleanField(
        label=_("Restricted: leads and assigned reviewers only"), required=False)
    public_act_on = forms.DateField(label=_("Date of the public act"),
                                    required=False, input_formats=["%Y-%m-%d"],
                                    widget=forms.DateInput(attrs={"type": "date"}))
    public_act = forms.CharField(
        label=_("Public act (testimony, publication)"),
        required=False, max_length=300, widget=forms.TextInput(attrs={"dir": "auto"}))

    def variant_list(self) -> list[str]:
        lines = (self.cleaned_data.get("variants") or "").splitlines()
        return [line.strip() for line in lines if line.strip()]


def visible_person(user: Any, person_id: int) -> Person:
    """The person if ``user`` may see them; a hidden one is a 404 like a missing one."""
    found = (persons_for(user).filter(pk=person_id).first()
             if 0 < person_id <= MAX_ID else None)
    if found is None:
        raise Http404("no such person")
    return found


@require_GET
@role_required("reviewer")
def person_list(request: HttpRequest) -> HttpResponse:
    """Visible persons, by name; ``?q=`` finds any name variant (prefix of a word)."""
    q = request.GET.get("q", "")[:200].strip()
    people = search_persons(q, request.user) if q else persons_for(request.user)
    page = paginate(people.order_by("name", "id"), request.GET)
    ids = [person.pk for person in page]
    visible = visible_incidents(request.user).values("pk")
    links = IncidentPerson.objects.filter(incident__in=visible)
    on_air = dict(links.filter(person_id__in=ids).values("person_id")
                  .annotate(n=Count("incident_id", distinct=True))
                  .values_list("person_id", "n"))
    targeted = dict(links.filter(targeted_id__in=ids).values("targeted_id")
                    .annotate(n=Count("incident_id", distinct=True))
                    .values_list("targeted_id", "n"))
    for person in page:
        person.on_air_count = on_air.get(person.pk, 0)
        person.targeted_count = targeted.get(person.pk, 0)
    return render(request, "review_ui/person_list.html", {
        "page": page, "q": q, "filters": filter_query(q=q)})


@require_http_methods(["GET", "POST"])
@role_required("reviewer")
def person_create(request: HttpRequest) -> HttpResponse:
    """The form to add a person; on success the new person's page."""
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person = add_person(data["name"], variants=form.variant_list(),
                                    latin=data["latin"], kind=data["kind"],
                                    restricted=data["restricted"],
                                    public_act_on=data["public_act_on"],
                                    public_act=data["public_act"], user=request.user)
        except PersonError as exc:
            form.add_error(None, as_html(exc))
        else:
            if persons_for(request.user).filter(pk=person.pk).exists():
                return HttpResponseRedirect(reverse("review_ui:person_detail",
                                                    args=[person.pk]))
            # a reviewer who adds a restricted person does not see them until assigned
            messages.info(request, gettext(
                "The restricted person was added; leads and reviewers assigned to their "
                "incidents see them."))
            return HttpResponseRedirect(reverse("review_ui:person_list"))
    status = 400 if request.method == "POST" else 200
    return render(request, "review_ui/person_form.html", {"form": form}, status=status)


def _when(broadcast: Any, incident: Any) -> dt.date | None:
    day = AirDate.of(broadcast).day() if broadcast is not None else None
    return day or incident.first_aired


def timeline(person: Person, user: Any) -> list[dict[str, Any]]:
    """Each airing of each visible incident ``person`` is in, oldest first (undated last)."""
    visible = visible_incidents(user).values("pk")
    links = (IncidentPerson.objects.filter(Q(person=person) | Q(targeted=person),
                                           incident__in=visible)
             .select_related("incident__outlet", "person", "targeted")
             .prefetch_related("incident__clips__broadcast__outlet"))
    entries = []
    for link in links:
        incident = link.incident
        as_targeted = link.targeted_id == person.pk and link.person_id != person.pk
        clips = list(incident.clips.all()) or [None]
        for clip in clips:
            broadcast = clip.broadcast if clip is not None else None
            entries.append({
                "date": _when(broadcast, incident), "incident": incident, "link": link,
                "as_targeted": as_targeted, "clip": clip, "broadcast": broadcast,
                "outlet": broadcast.outlet if broadcast is not None else incident.outlet})
    entries.sort(key=lambda e: (e["date"] is None, e["date"] or dt.date.min,
                                e["incident"].pk, e["clip"].pk if e["clip"] else 0))
    return entries


@require_GET
@role_required("reviewer")
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's names and kind and their appearances on a timeline."""
    person = visible_person(request.user, person_id)
    if person.restricted:
        audit.record("person-viewed", request.user, details={
            "person": person.pk, "restricted": True, "surface": "web"})
    entries = timeline(person, request.user)
    outlets = sorted({e["outlet"].name for e in entries if e["outlet"] is not None})
    fuzzy = request.GET.get("exact") != "1"
    return render(request, "review_ui/person_detail.html", {
        "person": person, "entries": entries, "outlets": outlets,
        "incident_count": len({e["incident"].pk for e in entries}),
        "fuzzy": fuzzy, **_mentions(person, fuzzy, request.user)})


def _mentions(person: Person, fuzzy: bool, user: Any) -> dict[str, Any]:
    """The person's mentions in transcripts for the page: rows as the search page shows
    them, the queries (each with its search link) and an error message ("" if none)."""
    from index.base import QueryError
    from review_ui.views.search import hit_rows

    error = ""
    hits: list[Any] = []
    queries: list[str] = []
    try:
        hits, queries = find_mentions(person, fuzzy)
    except QueryError as exc:
        error = gettext("Invalid query: %(reason)s") % {"reason": exc}
    except Exception:  # a backend down must not take the page with it
        log.exception("search backend failed for person %s", person.pk)
        error = gettext("The search backend failed; the server log has the details.")
    search = reverse("review_ui:search")
    return {"mention_rows": hit_rows(hits, has_role(user, "reviewer")),
            "mention_queries": [{"q": q, "href": f"{search}?{urlencode({'q': q})}"}
                                for q in queries],
            "mention_error": error}
