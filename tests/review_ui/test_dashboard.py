"""The dashboard (issue 12): counts respect the role, every bar's count equals the list it
opens, the CSV is guarded against formula injection, the delay figure is right, the
alert list's new filters are validated, and the language switch keeps the numbers.

Data: ``incident_seed.seed()`` (three incidents on two outlets, one restricted) plus, where
needed, a public act on the targeted person and an outlet whose name is a formula.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from django.test import Client
from incident_seed import seed
from ui_helpers import login_client, make_broadcast

from review import incidents as inc
from review import workflow
from review_ui import dashboard as figures
from review_ui.views.dashboard import csv_cell

pytestmark = pytest.mark.django_db
ROW = re.compile(r'<a href="([^"]+)" class="chart-link" data-value="(\d+)"')


@pytest.fixture
def world() -> dict:
    return seed()


def client_for(world: dict, name: str) -> Client:
    return login_client(Client(), world["users"][name])


def listed(client: Client, href: str) -> int:
    """How many incidents the incident list shows for ``href`` (the seed fits one page)."""
    html = client.get(unescape(href)).content.decode()
    return len(re.findall(r'<tr class="incident status-[a-z_]+" data-incident=', html))


def bars(html: str, chart: str) -> list[tuple[str, int]]:
    svg = re.search(rf'<svg [^>]*data-chart="{chart}">.*?</svg>', html, re.S)
    assert svg, f"no {chart} chart"
    return [(unescape(href), int(n)) for href, n in ROW.findall(svg.group(0))]


def test_counts_follow_the_role_and_equal_the_lists(world) -> None:
    rev, lead = client_for(world, "rev"), client_for(world, "lead")
    rev_html = rev.get("/dashboard/").content.decode()
    lead_html = lead.get("/dashboard/").content.decode()
    # the restricted incident (2023-03, outlet 2) is counted for the lead only
    assert sum(n for _, n in bars(rev_html, "incidents_over_time")) == 2
    assert sum(n for _, n in bars(lead_html, "incidents_over_time")) == 3
    assert dict((h.split("?")[1], n) for h, n in bars(rev_html, "incidents_by_outlet")) != \
        dict((h.split("?")[1], n) for h, n in bars(lead_html, "incidents_by_outlet"))
    for client, html in ((rev, rev_html), (lead, lead_html)):
        for chart in ("incidents_over_time", "incidents_by_outlet", "incidents_by_sign"):
            found = bars(html, chart)
            assert found, chart
            for href, n in found:
                assert href.startswith("/incidents/?")
                assert listed(client, href) == n, (chart, href)
    assert "معتقل سري" not in rev_html  # a restricted person's name never shows


def test_a_viewer_sees_alerts_but_no_incident_figure(world) -> None:
    viewer = client_for(world, "viewer")
    html = viewer.get("/dashboard/").content.decode()
    assert 'data-chart="alerts_over_time"' in html or 'id="alerts_over_time"' in html
    assert 'id="incidents_over_time"' not in html and 'id="delays"' not in html
    assert viewer.get("/dashboard/incidents_over_time.csv").status_code == 404
    assert viewer.get("/dashboard/alerts_by_outlet.csv").status_code == 200
    assert client_for(world, "rev").get("/dashboard/no_such_chart.csv").status_code == 404


def test_the_public_act_delay_per_incident_and_in_buckets(world) -> None:
    amani = world["amani"]
    amani.public_act_on = date(2021, 4, 1)
    amani.save()
    items = {i["incident"].pk: i["days"] for i in figures.delays(world["users"]["rev"])}
    assert items == {world["disown"].pk: 19, world["denial"].pk: 279}
    lead_items = figures.delays(world["users"]["lead"])
    assert {i["incident"].pk for i in lead_items} == {
        world["disown"].pk, world["denial"].pk, world["hidden"].pk}
    html = client_for(world, "rev").get("/dashboard/").content.decode()
    counts = dict(bars(html, "delay_distribution"))
    assert counts["/dashboard/?delay=1#delays"] == 1 and counts["/dashboard/?delay=3#delays"] == 1
    only = client_for(world, "rev").get("/dashboard/?delay=1").content.decode()
    assert re.findall(r'<tr data-incident="(\d+)"', only) == [str(world["disown"].pk)]
    assert '<td class="number delay-days">19</td>' in only
    bogus = client_for(world, "rev").get("/dashboard/?delay=../../x").content.decode()
    assert len(re.findall(r'<tr data-incident="', bogus)) == 2  # ignored, not an error


def test_csv_has_the_rows_and_never_a_live_formula(world) -> None:
    formula = "=HYPERLINK(\"http://evil.example\",\"x\")"
    b = make_broadcast(title="t", outlet_name=formula, source_name="evil")
    inc.propose(world["users"]["rev"], broadcast_id=b.pk, start="0:00", end="0:04",
                title="+cmd", first_aired="2022-02-02", people=[], signs=[])
    response = client_for(world, "rev").get("/dashboard/incidents_by_outlet.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    labels = [r[0] for r in rows[1:]]
    assert "'" + formula in labels and formula not in labels
    assert all(r[2].startswith("http://testserver/incidents/?outlet=") for r in rows[1:])
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@x", "\tx", "ok", 3)] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "ok", "3"]


def test_the_alert_list_filters_are_validated(world) -> None:
    viewer = client_for(world, "viewer")
    for query in ("outlet=abc", "date_from=2021-13-45", "date_to=yesterday", "outlet=-1"):
        assert viewer.get("/alerts/?status=all&" + query).status_code == 200


def test_the_language_switch_keeps_the_numbers(world) -> None:
    rev = client_for(world, "rev")
    arabic = rev.get("/dashboard/").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic and "لوحة المتابعة" in arabic
    assert rev.get("/language/").status_code == 405  # a GET changes nothing
    done = rev.post("/language/", {"language": "en", "next": "/dashboard/"})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    english = rev.get("/dashboard/").content.decode()
    assert '<html lang="en" dir="ltr">' in english and ">Dashboard<" in english
    for chart in ("incidents_over_time", "incidents_by_outlet", "incidents_by_sign"):
        assert sorted(n for _, n in bars(english, chart)) == sorted(
            n for _, n in bars(arabic, chart))
    away = rev.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/"  # Django's set_language refuses an off-site next
    rev.post("/language/", {"language": "xx", "next": "/dashboard/"})
    assert '<html lang="en"' in rev.get("/dashboard/").content.decode()  # unknown: kept


def test_each_review_wait_bar_lists_exactly_its_bucket(world) -> None:
    """Incidents under review for 0, 5, 12 and 40 days: each bar counts one (two for the
    lead, who also sees the restricted one) and its link lists exactly those rows."""
    from datetime import timedelta

    from django.utils import timezone

    from review.models import Incident

    now = timezone.now()
    ages = {world["disown"].pk: 0, world["hidden"].pk: 40}
    extra = inc.propose(world["users"]["rev"], broadcast_id=world["broadcasts"][0].pk,
                        start="0:00", end="0:04", title="wait five", first_aired="2021-05-01")
    older = inc.propose(world["users"]["rev"], broadcast_id=world["broadcasts"][0].pk,
                        start="0:04", end="0:08", title="wait twelve", first_aired="2021-05-02")
    for incident, days in ((extra, 5), (older, 12)):
        workflow.set_status(incident.pk, world["users"]["rev"], "under_review")
        ages[incident.pk] = days
    for pk, days in ages.items():
        Incident.objects.filter(pk=pk).update(
            status_changed_at=now - timedelta(days=days, hours=1))
    expected = {"rev": {"0-1": 1, "2-7": 1, "8-30": 1, "31-": 0},
                "lead": {"0-1": 1, "2-7": 1, "8-30": 1, "31-": 1}}
    for name, wanted in expected.items():
        client = client_for(world, name)
        found = bars(client.get("/dashboard/").content.decode(), "review_waits")
        got = {href.split("waited=")[1]: n for href, n in found}
        assert got == wanted, name
        for href, n in found:
            assert "status=under_review" in href
            assert listed(client, href) == n, (name, href)
    rows = client_for(world, "rev").get("/incidents/?waited=2-7").content.decode()
    assert re.findall(r'data-incident="(\d+)"', rows) == [str(extra.pk)]
    for bad in ("3", "0-1;drop", "31", "-1", "x" * 300):
        assert client_for(world, "rev").get("/incidents/", {"waited": bad}).status_code == 400
