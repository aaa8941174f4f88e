"""The incident page's evidence-package download: leads only, POST with CSRF, audited,
and what comes back is a zip that ``raqib evidence verify`` accepts (the attacker's cases
first: a reviewer, a GET, a forged POST without the CSRF token)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from ui_helpers import login_client, make_broadcast, make_user, tone_media

from catalog.models import CustodyEvent
from review.evidence import verify_bag
from review.models import Clip, Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(tmp_path: Path) -> Incident:
    media = tone_media(tmp_path)
    broadcast = make_broadcast(media)
    reviewer = make_user("rami", "reviewer")
    make_user("lina", "lead")
    incident = Incident.objects.create(title="حادثة", proposed_by=reviewer,
                                       last_edited_by=reviewer)
    Clip.objects.create(incident=incident, broadcast=broadcast, start=0.5, end=2.0,
                        added_by=reviewer)
    return incident


def test_only_a_lead_downloads_a_verifiable_package(incident: Incident, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The export's temporary folder in this test's own temp dir: another test process
    # exporting at the same time never shows in the check that it was removed.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    url = reverse("review_ui:incident_evidence", args=[incident.pk])
    page = reverse("review_ui:incident_detail", args=[incident.pk])

    reviewer = login_client(Client(), "rami")
    assert url not in reviewer.get(page).content.decode()
    assert reviewer.post(url, {"profile": "full"}).status_code == 403

    forged = login_client(Client(enforce_csrf_checks=True), "lina")
    assert forged.post(url, {"profile": "full"}).status_code == 403  # no CSRF token
    lead = login_client(Client(), "lina")
    assert url in lead.get(page).content.decode()
    assert lead.get(url).status_code == 405
    assert not CustodyEvent.objects.filter(action="evidence-exported").exists()

    response = lead.post(url, {"profile": "public"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'incident-{incident.pk}-public.zip' in response["Content-Disposition"]
    zipped = tmp_path / "download.zip"
    zipped.write_bytes(b"".join(response.streaming_content))
    assert zipfile.is_zipfile(io.BytesIO(zipped.read_bytes()))
    result = verify_bag.verify(zipped)
    assert result["ok"], json.dumps(result["failures"], ensure_ascii=False)
    event = CustodyEvent.objects.get(action="evidence-exported")
    assert event.actor == "lina" and event.details["incident"] == incident.pk
    assert event.details["profile"] == "public"
    assert list(scratch.iterdir()) == []  # the export's temporary folder is gone

    bad = lead.post(url, {"profile": "everything"})
    assert bad.status_code == 302 and CustodyEvent.objects.filter(
        action="evidence-exported").count() == 1
