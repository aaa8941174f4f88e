"""The incident page's airing timeline (first airing first) and its POST actions: adding
the linked airings as clips in one click (CSRF, audited, no duplicates) and a reviewer's
accept/reject; a viewer and a forged request are refused."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).parent.parent / "review_ui"))

from ui_helpers import login_client, make_broadcast, make_user  # noqa: E402

from reairings.models import Reairing  # noqa: E402
from review.models import Clip, Incident  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict:
    lines = [(0.0, 200.0, "أنا نادم على ما فعلت")]
    first = make_broadcast(title="الأولى", segments=lines,
                           aired_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    again = make_broadcast(title="الإعادة", segments=lines, outlet_name="قناة أخرى",
                           source_name="other", aired_at=dt.datetime(2024, 3, 9, tzinfo=dt.UTC))
    reviewer = make_user("rev", "reviewer")
    incident = Incident.objects.create(title="اعتراف", proposed_by=reviewer,
                                       last_edited_by=reviewer)
    Clip.objects.create(incident=incident, broadcast=again, start=10, end=30, added_by=reviewer)
    link = Reairing.objects.create(broadcast=first, other=again, start=100, end=125,
                                   other_start=12, other_end=37, score=0.91,
                                   status=Reairing.Status.LINKED)
    return {"first": first, "again": again, "incident": incident, "link": link,
            "reviewer": reviewer}


def test_timeline_lists_first_airing_first_and_adds_it_as_a_clip(world: dict) -> None:
    client = login_client(Client(), world["reviewer"])
    url = reverse("review_ui:incident_detail", args=[world["incident"].pk])
    page = client.get(url).content.decode()
    assert 'id="airings"' in page and 'id="add-airings"' in page
    timeline = page[page.index('id="airings"'):]
    assert timeline.index("الأولى") < timeline.index("الإعادة")  # first airing first
    add = reverse("review_ui:incident_add_airings", args=[world["incident"].pk])
    forged = Client(enforce_csrf_checks=True)
    login_client(forged, world["reviewer"])
    assert forged.post(add).status_code == 403
    assert client.post(add).status_code == 302
    clip = Clip.objects.get(incident=world["incident"], broadcast=world["first"])
    # the clip's 10-30 s in the re-airing lie at 100 + (10 - 12) .. in the first airing
    assert (clip.start, clip.end) == (100.0, 118.0)
    assert world["incident"].events.filter(action="clip-added").exists()
    client.post(add)
    assert Clip.objects.filter(incident=world["incident"]).count() == 2  # no duplicate


def test_review_of_a_link_needs_a_reviewer(world: dict) -> None:
    url = reverse("review_ui:reairing_review", args=[world["link"].pk])
    viewer = login_client(Client(), make_user("viewer", "viewer"))
    assert viewer.post(url, {"decision": "reject"}).status_code == 403
    client = login_client(Client(), world["reviewer"])
    assert client.get(url).status_code == 405
    assert client.post(url, {"decision": "nonsense"}).status_code == 400
    response = client.post(url, {"decision": "reject", "incident": world["incident"].pk})
    assert response.status_code == 302
    world["link"].refresh_from_db()
    assert world["link"].status == "rejected" and world["link"].reviewed_by == world["reviewer"]
