"""The dashboard, the landing page after login: charts of incidents and alerts over time,
by outlet and by sign, the outlet × month heat map of confirmed incidents, second-review
waits, people who appeared more than once, the public-act → appearance delay, re-airings
and, for admins, the pipeline's health (``raqib.health``).

Every chart is server-side SVG (``review_ui.charts``) whose bars link to the filtered list
behind them, with a table view beside it and a CSV download (``dashboard_csv``; cells that
a spreadsheet would run as a formula are prefixed with ``'``). The figures come from
``review_ui.dashboard`` and respect the role. GET only. ``?period=week|month`` (default
month) sets the time step; ``?delay=N|before`` filters the delay table.
"""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from accounts.roles import has_role
from review_ui import dashboard as figures
from review_ui.access import role_required
from review_ui.charts import bar_chart
from review_ui.views.common import choice_param

PERIODS = ("month", "week")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """The value as CSV text a spreadsheet shows and never runs (formula-injection guard)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@require_GET
@role_required("viewer")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every chart the role allows, each with its SVG, table and CSV link."""
    period = choice_param(request.GET, "period", PERIODS, default="month") or "month"
    direction = "rtl" if translation.get_language_bidi() else "ltr"
    charts = figures.charts(request.user, period)
    sections = [{"chart": chart, "svg": bar_chart(chart, direction)}
                for name in figures.CHARTS if (chart := charts.get(name)) is not None
                and name != "heat_map"]
    context = {"sections": sections, "period": period, "periods": PERIODS,
               "reviewer": has_role(request.user, "reviewer"),
               "reairings_installed": "reairings" in charts}
    if context["reviewer"]:
        context["heat"] = figures.heat_map(request.user)
        items = figures.delays(request.user)
        chosen = request.GET.get("delay", "")
        if chosen == "before":
            items = [i for i in items if figures.delay_bucket(i["days"]) is None]
        elif chosen.isdigit() and int(chosen) < len(figures.DELAY_BUCKETS):
            items = [i for i in items if figures.delay_bucket(i["days"]) == int(chosen)]
        else:
            chosen = ""
        context.update({"delays": items, "delay_filter": chosen})
    if has_role(request.user, "admin"):
        from raqib.health import snapshot  # loads the task queues: only for admins

        health = snapshot()
        context["health"] = {"stages": list(health["stages"].items()),
                             "failed": list(health["failed"].items()),
                             "queue_error": health["queue_error"],
                             "scheduler": health["scheduler"]}
    return render(request, "review_ui/dashboard.html", context)


@require_GET
@role_required("viewer")
def dashboard_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """One chart's table as CSV (label, count, link); 404 for a chart the role lacks."""
    period = choice_param(request.GET, "period", PERIODS, default="month") or "month"
    found = figures.charts(request.user, period).get(chart)
    if found is None:
        raise Http404("no such chart")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(found.label_title), csv_cell(found.value_title), "link"])
    base = request.build_absolute_uri("/")[:-1]
    for row in found.rows:
        writer.writerow([csv_cell(row.label), row.value, base + row.href if row.href else ""])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="raqib-{chart}.csv"'
    return response
