"""The dashboard's figures: counts over time, by outlet, by sign; the outlet × month heat
map; second-review waits; repeated appearances; the public-act → appearance delay;
re-airings per incident; the machine's word error rate on verified ranges, outlet × period
(``machine_error``, a ``RateChart`` whose header figure is the overall rate). Each figure
is a ``Chart`` of ``Row``s (label, value, the link to the filtered list behind it), so one
chart gives the SVG, the table and the CSV alike.
A period row also has ``shown``, its label in the UI's language ("نيسان 2021", "week of
19 Apr 2021"), for the SVG and the table; the CSV keeps the ISO ``label`` (2021-04).

Counts respect the role: incidents come from ``views.incident_list.matching`` (the same
query as the incident list, so a bar's count equals the list it opens: restricted
incidents only for those allowed, signs of an incident a lead is blind to not counted),
persons from ``review.persons.visible_persons``. Alerts are counted as the alert queue
lists them. To add a figure: a function returning a ``Chart`` here, its name in
``CHARTS`` (the CSV URL takes it) and a section in ``dashboard.html``.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_role
from catalog.aired import AirDate
from catalog.models import Alert, Broadcast
from review.models import Incident, IncidentPerson
from review.persons import visible_persons
from review_ui.l10n import digits, shown_date

MAX_PERIODS = 24  # at most this many months (or weeks) back from the latest data
DELAY_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 7), (8, 30), (31, 90), (91, 365), (366, None))  # days, inclusive


@dataclass
class Row:
    """One bar (or cell): what it counts, how many, and the list behind it."""

    label: str
    value: int
    href: str = ""
    key: str = ""
    shown: str = ""  # the label for a reader (a month in the UI's language); CSV keeps label
    entered: bool = False  # the label is a name or title as entered (isolated, any script)

    @property
    def display(self) -> str:
        return self.shown or self.label


@dataclass
class Chart:
    """A named figure with its rows and the column titles of its table and CSV."""

    name: str
    title: Any
    rows: list[Row] = field(default_factory=list)
    label_title: Any = _("Label")
    value_title: Any = _("Count")

    @property
    def total(self) -> int:
        return sum(row.value for row in self.rows)


def _incidents_url(**params: Any) -> str:
    return reverse("review_ui:incident_list") + "?" + urlencode(
        {k: v for k, v in params.items() if v not in (None, "")})


def _alerts_url(**params: Any) -> str:
    return reverse("review_ui:alert_queue") + "?" + urlencode(
        {"status": "all", **{k: v for k, v in params.items() if v not in (None, "")}})


def _matching(user: Any, **data: Any) -> Any:
    from review_ui.views.incident_list import matching

    return matching(user, data)


def period_bounds(start: date, period: str) -> tuple[date, date]:
    """The first and last day of the month (or ISO week, Monday first) holding ``start``."""
    if period == "week":
        first = start - timedelta(days=start.weekday())
        return first, first + timedelta(days=6)
    first = start.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _periods(latest: date, earliest: date, period: str) -> list[date]:
    """Period starts from ``earliest`` to ``latest``, at most ``MAX_PERIODS``, oldest first."""
    out: list[date] = []
    current = period_bounds(latest, period)[0]
    floor = period_bounds(earliest, period)[0]
    while current >= floor and len(out) < MAX_PERIODS:
        out.append(current)
        current = period_bounds(current - timedelta(days=1), period)[0]
    return out[::-1]


def _period_label(start: date, period: str) -> str:
    return start.strftime("%G-W%V") if period == "week" else start.strftime("%Y-%m")


def period_shown(start: date, period: str) -> str:
    """The period for a reader: "نيسان 2021" / "April 2021", or the week's first day."""
    if period == "week":
        return gettext("week of %(date)s") % {"date": shown_date(start)}
    return digits(formats.date_format(start, "MONTH_YEAR_FORMAT"))


def incidents_over_time(user: Any, period: str = "month") -> Chart:
    """Visible incidents by first airing, per month (or week), each linking to the list."""
    chart = Chart("incidents_over_time", _("Incidents by first airing"),
                  label_title=_("Period"))
    incidents = _matching(user).filter(first_aired__isnull=False)
    dates = incidents.values_list("first_aired", flat=True)
    if not dates:
        return chart
    trunc = TruncWeek if period == "week" else TruncMonth
    counts = {(row["p"].date() if hasattr(row["p"], "date") else row["p"]): row["n"]
              for row in incidents.annotate(p=trunc("first_aired")).values("p")
              .annotate(n=Count("pk", distinct=True))}
    for start in _periods(max(dates), min(dates), period):
        first, last = period_bounds(start, period)
        chart.rows.append(Row(_period_label(start, period), counts.get(start, 0),
                              _incidents_url(date_from=first, date_to=last), str(first),
                              period_shown(start, period)))
    return chart


def incidents_by_outlet(user: Any) -> Chart:
    chart = Chart("incidents_by_outlet", _("Incidents by outlet"), label_title=_("Outlet"))
    for row in (_matching(user).filter(outlet__isnull=False)
                .values("outlet_id", "outlet__name").annotate(n=Count("pk", distinct=True))
                .order_by("-n", "outlet__name")):
        chart.rows.append(Row(row["outlet__name"], row["n"],
                              _incidents_url(outlet=row["outlet_id"]), str(row["outlet_id"]),
                              entered=True))
    return chart


def incidents_by_sign(user: Any) -> Chart:
    """Incidents per sign of coercion; an incident whose signs the user is blind to (a
    lead's second review still to come) is not counted, as in the list's sign filter."""
    from review_ui.views.incident_list import blind_incidents

    chart = Chart("incidents_by_sign", _("Incidents by sign of coercion"),
                  label_title=_("Sign"))
    counted = _matching(user).exclude(pk__in=blind_incidents(user).values("pk")).values("pk")
    rows = (Incident.signs.through.objects.filter(incident_id__in=counted)
            .values("coercionsign__code", "coercionsign__label_ar", "coercionsign__label_en")
            .annotate(n=Count("incident_id", distinct=True))
            .order_by("-n", "coercionsign__code"))
    arabic = translation.get_language() == "ar"
    for row in rows:
        label = row["coercionsign__label_ar" if arabic else "coercionsign__label_en"] or \
            row["coercionsign__code"]
        chart.rows.append(Row(label, row["n"], _incidents_url(sign=row["coercionsign__code"]),
                              row["coercionsign__code"]))
    return chart


def heat_map(user: Any) -> dict[str, Any]:
    """Confirmed incidents per outlet × month: ``months`` (labels), ``rows`` (outlet name,
    cells of Row with a 0–4 ``level``), ``max``; and the flat ``chart`` for table and CSV."""
    confirmed = _matching(user, status=Incident.Status.CONFIRMED).filter(
        first_aired__isnull=False, outlet__isnull=False)
    chart = Chart("heat_map", _("Confirmed incidents, outlet × month"),
                  label_title=_("Outlet · month"))
    dates = list(confirmed.values_list("first_aired", flat=True))
    if not dates:
        return {"months": [], "rows": [], "max": 0, "chart": chart}
    months = _periods(max(dates), min(dates), "month")
    counts: dict[tuple[int, date], int] = {}
    names: dict[int, str] = {}
    for row in (confirmed.annotate(m=TruncMonth("first_aired"))
                .values("outlet_id", "outlet__name", "m").annotate(n=Count("pk", distinct=True))):
        month = row["m"].date() if hasattr(row["m"], "date") else row["m"]
        counts[(row["outlet_id"], month)] = row["n"]
        names[row["outlet_id"]] = row["outlet__name"]
    top = max(counts.values())
    grid = []
    for outlet_id, name in sorted(names.items(), key=lambda item: item[1]):
        cells = []
        for month in months:
            n = counts.get((outlet_id, month), 0)
            first, last = period_bounds(month, "month")
            cell = Row(f"{name} · {month:%Y-%m}", n, _incidents_url(
                status="confirmed", outlet=outlet_id, date_from=first, date_to=last),
                shown=f"{name} · {period_shown(month, 'month')}")
            cell.level = 0 if n == 0 else 1 + min(3, (n - 1) * 4 // top)  # type: ignore[attr-defined]
            cells.append(cell)
            chart.rows.append(cell)
        grid.append({"outlet": name, "cells": cells})
    return {"months": [period_shown(m, "month") for m in months], "rows": grid, "max": top,
            "chart": chart}


def alerts_over_time(period: str = "month") -> Chart:
    """Alerts by the air date of their broadcast, per month (or week), linking to the queue."""
    chart = Chart("alerts_over_time", _("Watchlist alerts by air date"),
                  label_title=_("Period"))
    alerts = Alert.objects.filter(broadcast__aired_at__isnull=False).select_related("broadcast")
    days = Counter(AirDate.of(a.broadcast).day() for a in alerts.only(
        "broadcast__aired_at", "broadcast__aired_precision", "broadcast__aired_date",
        "broadcast__aired_tz"))
    if not days:
        return chart
    for start in _periods(max(days), min(days), period):
        first, last = period_bounds(start, period)
        n = sum(c for d, c in days.items() if first <= d <= last)
        chart.rows.append(Row(_period_label(start, period), n,
                              _alerts_url(date_from=first, date_to=last), str(first),
                              period_shown(start, period)))
    return chart


def alerts_by_outlet() -> Chart:
    chart = Chart("alerts_by_outlet", _("Watchlist alerts by outlet"),
                  label_title=_("Outlet"))
    for row in (Alert.objects.values("broadcast__outlet_id", "broadcast__outlet__name")
                .annotate(n=Count("pk")).order_by("-n", "broadcast__outlet__name")):
        chart.rows.append(Row(row["broadcast__outlet__name"], row["n"],
                              _alerts_url(outlet=row["broadcast__outlet_id"]),
                              str(row["broadcast__outlet_id"]), entered=True))
    return chart


def review_waits(user: Any) -> Chart:
    """Incidents under review by how long they have waited for a lead (whole days); each
    bar opens the list filtered to its bucket (``waited``), the same query it counts."""
    from review_ui.views.incident_list import WAIT_BUCKETS

    chart = Chart("review_waits", _("Waiting for a second review"),
                  label_title=_("Waiting (days)"))
    now = timezone.now()
    for key, (low, high) in WAIT_BUCKETS.items():
        label = f"{low}–{high}" if high is not None else f"> {low - 1}"
        n = _matching(user, waited=key, now=now).count()
        chart.rows.append(Row(label, n, _incidents_url(status="under_review", waited=key),
                              key))
    return chart


def repeated_persons(user: Any) -> Chart:
    """Visible persons on air in more than one visible incident, most appearances first."""
    chart = Chart("repeated_persons", _("People who appeared more than once"),
                  label_title=_("Person"), value_title=_("Incidents"))
    incidents = _matching(user).values("pk")
    rows = (IncidentPerson.objects.filter(incident_id__in=incidents,
                                          person__in=visible_persons(user))
            .values("person_id", "person__name")
            .annotate(n=Count("incident_id", distinct=True)).filter(n__gt=1)
            .order_by("-n", "person__name")[:50])
    for row in rows:
        chart.rows.append(Row(row["person__name"], row["n"],
                              reverse("review_ui:person_detail", args=[row["person_id"]]),
                              str(row["person_id"]), entered=True))
    return chart


def delays(user: Any) -> list[dict[str, Any]]:
    """Per incident and targeted person: the days from the person's public act to the
    incident's first airing (visible incidents and persons, both dates known)."""
    incidents = _matching(user).filter(first_aired__isnull=False).values("pk")
    rows = (IncidentPerson.objects.filter(
        incident_id__in=incidents, targeted__in=visible_persons(user),
        targeted__public_act_on__isnull=False)
        .select_related("incident", "targeted", "person")
        .order_by("incident_id", "targeted_id"))
    seen: set[tuple[int, int]] = set()
    out = []
    for ip in rows:
        if (ip.incident_id, ip.targeted_id) in seen:
            continue
        seen.add((ip.incident_id, ip.targeted_id))
        out.append({"incident": ip.incident, "targeted": ip.targeted, "person": ip.person,
                    "act_on": ip.targeted.public_act_on, "aired": ip.incident.first_aired,
                    "days": (ip.incident.first_aired - ip.targeted.public_act_on).days})
    return out


def delay_bucket(days: int) -> int | None:
    for index, (low, high) in enumerate(DELAY_BUCKETS):
        if days >= low and (high is None or days <= high):
            return index
    return None  # an appearance before the act (negative delay)


def delay_distribution(items: list[dict[str, Any]]) -> Chart:
    """The delays in buckets; each bar opens the dashboard's delay table at that bucket."""
    chart = Chart("delay_distribution", _("Public act → relative's appearance (days)"),
                  label_title=_("Days"), value_title=_("Appearances"))
    counts = Counter(delay_bucket(item["days"]) for item in items)
    for index, (low, high) in enumerate(DELAY_BUCKETS):
        label = f"{low}–{high}" if high is not None else f"> {low - 1}"
        chart.rows.append(Row(label, counts.get(index, 0),
                              reverse("review_ui:dashboard") + f"?delay={index}#delays",
                              str(index)))
    if counts.get(None):
        chart.rows.append(Row(str(_("before the act")), counts[None],
                              reverse("review_ui:dashboard") + "?delay=before#delays",
                              "before"))
    return chart


def reairings_per_incident(user: Any) -> Chart | None:
    """Re-airings (accepted or linked, from the ``reairings`` app) of each incident's clips;
    None when that app is not installed."""
    if not apps.is_installed("reairings"):
        return None
    from reairings.models import Reairing

    chart = Chart("reairings", _("Re-airings per appearance"), label_title=_("Incident"),
                  value_title=_("Re-airings"))
    kept = Q(status__in=[Reairing.Status.ACCEPTED, Reairing.Status.LINKED])
    per_broadcast: dict[int, int] = defaultdict(int)
    for row in Reairing.objects.filter(kept).values("broadcast_id").annotate(n=Count("pk")):
        per_broadcast[row["broadcast_id"]] += row["n"]
    for row in Reairing.objects.filter(kept).values("other_id").annotate(n=Count("pk")):
        per_broadcast[row["other_id"]] += row["n"]
    if not per_broadcast:
        return chart
    incidents = _matching(user).prefetch_related("clips")
    for incident in incidents.filter(clips__broadcast_id__in=list(per_broadcast)).distinct():
        n = sum(per_broadcast.get(c.broadcast_id, 0)
                for c in {c.broadcast_id: c for c in incident.clips.all()}.values())
        chart.rows.append(Row(f"#{incident.pk} {incident.title}", n,
                              reverse("review_ui:incident_detail", args=[incident.pk]),
                              str(incident.pk), entered=True))
    chart.rows.sort(key=lambda r: -r.value)
    return chart


@dataclass
class RateChart(Chart):
    """A chart of rates in percent; its ``total`` is the overall rate, not a sum."""

    overall: int = 0

    @property
    def total(self) -> int:
        return self.overall


def machine_error(period: str = "month") -> RateChart:
    """The machine's word error rate (%) on the verified ranges, per outlet and month (or
    week): the transcript each range was corrected on, scored against the verified text
    (``review.asr_quality``; errors over reference words, never an average of rates)."""
    from review.asr_quality import machine_error_by_outlet

    chart = RateChart("machine_error", _("Machine word error rate on verified ranges (%)"),
                      label_title=_("Outlet · period"), value_title=_("Word error rate (%)"))
    figures = machine_error_by_outlet("week" if period == "week" else "month")
    if not figures["series"]:
        return chart
    chart.overall = round(figures["overall"]["wer"] * 100)
    for entry in figures["series"]:
        start = _period_start(entry["period"], period)
        chart.rows.append(Row(f"{entry['outlet']} · {entry['period']}",
                              round(entry["wer"] * 100), "", entry["period"],
                              f"{entry['outlet']} · {period_shown(start, period)}"))
    return chart


def _period_start(label: str, period: str) -> date:
    if period == "week":
        year, week = label.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    year, month = label.split("-")
    return date(int(year), int(month), 1)


def broadcasts_seen() -> int:
    return Broadcast.objects.count()


def charts(user: Any, period: str = "month") -> dict[str, Chart]:
    """Every chart the user may see, by name (incident charts for reviewers and up)."""
    out: dict[str, Chart] = {"alerts_over_time": alerts_over_time(period),
                             "alerts_by_outlet": alerts_by_outlet(),
                             "machine_error": machine_error(period)}
    if has_role(user, "reviewer"):
        out.update({
            "incidents_over_time": incidents_over_time(user, period),
            "incidents_by_outlet": incidents_by_outlet(user),
            "incidents_by_sign": incidents_by_sign(user),
            "heat_map": heat_map(user)["chart"],
            "review_waits": review_waits(user),
            "repeated_persons": repeated_persons(user),
            "delay_distribution": delay_distribution(delays(user)),
        })
        reairings = reairings_per_incident(user)
        if reairings is not None:
            out["reairings"] = reairings
    return out


CHARTS: tuple[str, ...] = (
    "incidents_over_time", "incidents_by_outlet", "incidents_by_sign", "heat_map",
    "alerts_over_time", "alerts_by_outlet", "review_waits", "repeated_persons",
    "delay_distribution", "reairings", "machine_error")
