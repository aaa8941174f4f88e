"""On-screen name suggestions on the broadcast page: a reviewer accepts or rejects the
suggested appearance (POST + CSRF, audited); the attacker's requests first: a viewer, a
forged form, a GET, a bad decision and a missing suggestion are refused without a 500, and
outlet-controlled text (the OCR line, a person's name) is escaped and bidi-neutralised."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

sys.path.insert(0, str(Path(__file__).parent.parent / "review_ui"))

from ui_helpers import login_client, make_broadcast, make_user  # noqa: E402

from catalog.models import CustodyEvent  # noqa: E402
from reairings.models import ScreenName  # noqa: E402
from review.models import Person  # noqa: E402

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>\u202eأماني بلور"


@pytest.fixture
def world() -> dict:
    broadcast = make_broadcast(title="نشرة")
    person = Person.objects.create(name="أماني بلور\u2066")
    name = ScreenName.objects.create(broadcast=broadcast, person=person, start=61.5, end=64,
                                     text=HOSTILE)
    return {"broadcast": broadcast, "person": person, "name": name,
            "url": reverse("review_ui:screen_name_review", args=[name.pk]),
            "page": reverse("review_ui:broadcast_detail", args=[broadcast.pk])}


def test_attacker_requests_are_refused(world: dict) -> None:
    url = world["url"]
    assert Client().post(url, {"decision": "accept"}).status_code == 302  # to the login
    viewer = login_client(Client(), make_user("viewer", "viewer"))
    assert viewer.post(url, {"decision": "accept"}).status_code == 403
    reviewer = make_user("rev", "reviewer")
    forged = Client(enforce_csrf_checks=True)
    login_client(forged, reviewer)
    assert forged.post(url, {"decision": "accept"}).status_code == 403
    client = login_client(Client(), reviewer)
    assert client.get(url).status_code == 405
    for bad in ({"decision": "approve"}, {}, {"decision": "accept\x00"}):
        response = client.post(url, bad)
        assert response.status_code == 400 and b"accept" in response.content
    missing = reverse("review_ui:screen_name_review", args=[987654])
    assert client.post(missing, {"decision": "accept"}).status_code == 404
    world["name"].refresh_from_db()
    assert world["name"].status == "suggested" and world["name"].reviewed_by is None
    assert not CustodyEvent.objects.filter(action__startswith="screen-name").exists()


def test_page_escapes_and_neutralises_outlet_text(world: dict) -> None:
    page = login_client(Client(), make_user("viewer", "viewer")).get(world["page"])
    html = page.content.decode()
    assert 'id="screen-names"' in html
    section = html[html.index('id="screen-names"'):]
    section = section[:section.index("</section>")]
    assert "<script>" not in section and "&lt;script&gt;" in section
    assert "\u202e" not in section and "\u2066" not in section
    assert "?t=61.5" in section
    assert "<form" not in section  # a viewer sees the suggestion, not the buttons


def test_reviewer_accepts_and_rejects_audited(world: dict) -> None:
    reviewer = make_user("rev", "reviewer")
    client = login_client(Client(), reviewer)
    page = client.get(world["page"]).content.decode()
    assert world["url"] in page and 'name="csrfmiddlewaretoken"' in page
    response = client.post(world["url"], {"decision": "accept"})
    assert response.status_code == 302 and response["Location"].endswith("#screen-names")
    world["name"].refresh_from_db()
    assert world["name"].status == "accepted" and world["name"].reviewed_by == reviewer
    event = CustodyEvent.objects.get(action="screen-name-accepted")
    assert event.broadcast_id == world["broadcast"].pk
    assert event.details["person"] == world["person"].pk and event.actor == "rev"
    assert client.post(world["url"], {"decision": "reject"}).status_code == 302
    world["name"].refresh_from_db()
    assert world["name"].status == "rejected"
    assert CustodyEvent.objects.filter(action="screen-name-rejected").count() == 1
