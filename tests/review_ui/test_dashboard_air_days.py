"""Dashboard figures count a broadcast under the day the outlet printed (``catalog.aired``):
an item dated «١ أيار ٢٠٢١» on a Damascus outlet, stored at 30 April 21:00 UTC, is a May
alert (its bar links to a queue filter that lists it), and an incident on it first aired
on 1 May, so the days from the targeted person's public act count to 1 May."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from ui_helpers import login_client, make_user

from catalog.models import Alert, Broadcast, Outlet, Source, Watchlist
from review import incidents as inc
from review.models import IncidentPerson, Person
from review_ui.dashboard import alerts_over_time, delays

pytestmark = pytest.mark.django_db


@pytest.fixture
def may_first() -> Broadcast:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site",
                                   config={"timezone": "Asia/Damascus"})
    return Broadcast.objects.create(
        source=source, outlet=outlet, external_id="1", url="https://tv.example/1",
        aired_at=datetime(2021, 4, 30, 21, 0, tzinfo=UTC), aired_at_raw="١ أيار ٢٠٢١",
        aired_precision="day", aired_date=date(2021, 5, 1), aired_tz="Asia/Damascus")


def test_an_alert_counts_under_the_printed_month_and_its_queue_lists_it(may_first) -> None:  # noqa: ANN001
    lead = make_user("lina", "lead")
    watchlist = Watchlist.objects.create(name="تبرؤ", query="أتبرأ", owner=lead)
    Alert.objects.create(watchlist=watchlist, broadcast=may_first, track="asr",
                         model_id="base", segment_number=0, start=0, end=4, text="أتبرأ")
    rows = {row.label: row for row in alerts_over_time("month").rows}
    assert set(rows) == {"2021-05"} and rows["2021-05"].value == 1
    client = login_client(Client(), lead)
    html = client.get(rows["2021-05"].href).content.decode()
    assert 'datetime="2021-05-01"' in html
    april = client.get("/alerts/?date_from=2021-04-01&date_to=2021-04-30").content.decode()
    assert 'datetime="2021-05-01"' not in april


def test_retaliation_latency_counts_to_the_printed_day(may_first) -> None:  # noqa: ANN001
    reviewer = make_user("rami", "reviewer")
    incident = inc.propose(reviewer, broadcast_id=may_first.pk, start=0, end=4,
                           title="تبرؤ")
    assert incident.first_aired == date(2021, 5, 1)
    targeted = Person.objects.create(name="ناشط", public_act_on=date(2021, 4, 20))
    on_air = Person.objects.create(name="أب")
    IncidentPerson.objects.create(incident=incident, person=on_air, role="disowns",
                                  targeted=targeted)
    [row] = delays(reviewer)
    assert (row["aired"], row["days"]) == (date(2021, 5, 1), 11)
