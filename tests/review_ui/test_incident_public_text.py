"""The incident page's "public text" controls: only a lead sees and uses them (POST with
CSRF), each decision is audited, and the public package then carries exactly the text
marked (the attacker's cases first: a reviewer, a GET, a forged POST)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from ui_helpers import login_client, make_broadcast, make_user

from catalog.models import CustodyEvent
from review import workflow
from review.models import Incident, PublicText

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident() -> Incident:
    broadcast = make_broadcast()
    reviewer = make_user("rami", "reviewer")
    make_user("lina", "lead")
    incident = Incident.objects.create(title="ظهور قسري", notes="مصدر سري",
                                       proposed_by=reviewer, last_edited_by=reviewer)
    incident.clips.create(broadcast=broadcast, start=0.5, end=2.0, added_by=reviewer)
    return incident


def test_only_a_lead_marks_a_text_public(incident: Incident) -> None:
    url = reverse("review_ui:incident_public_text", args=[incident.pk])
    page = reverse("review_ui:incident_detail", args=[incident.pk])

    reviewer = login_client(Client(), "rami")
    assert url not in reviewer.get(page).content.decode()
    assert reviewer.post(url, {"field": "title"}).status_code == 403
    forged = login_client(Client(enforce_csrf_checks=True), "lina")
    assert forged.post(url, {"field": "title"}).status_code == 403
    lead = login_client(Client(), "lina")
    assert lead.get(url).status_code == 405
    assert not PublicText.objects.exists()

    shown = lead.get(page).content.decode()
    assert url in shown and ("Mark public" in shown or "إعلانه" in shown)
    done = lead.post(url, {"field": "title", "public": "1"})
    assert done.status_code == 302 and done["Location"].endswith("#public-text")
    mark = PublicText.objects.get()
    assert (mark.field, mark.text, mark.public, mark.by.username) == (
        "title", "ظهور قسري", True, "lina")
    event = CustodyEvent.objects.get(action="incident-text-public")
    assert event.actor == "lina" and event.details["field"] == "title"
    # It is not an edit: the lead who marked it may still decide the incident.
    assert not workflow.is_own(Incident.objects.get(pk=incident.pk),
                               mark.by)

    bad = lead.post(url, {"field": "reason", "event": "999999"}, follow=True)
    assert bad.status_code == 200 and PublicText.objects.count() == 1
    withdrawn = lead.post(url, {"field": "title", "public": "0"})
    assert withdrawn.status_code == 302
    assert PublicText.objects.latest("id").public is False
    assert CustodyEvent.objects.filter(action="incident-text-withdrawn").count() == 1
