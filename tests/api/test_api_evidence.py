"""The evidence package through the API (``POST incidents/{id}/evidence/``): leads only,
with the review scope, strict bodies, a zip that the bag verifier accepts, a public profile
that names no monitor, and an export that cannot be made answered as a problem (422), never
a 500. The attacker's cases first: a reviewer's token, a lead's read-only token, a bad body.

Restricted incidents: a lead sees every incident (``review.incidents.visible_incidents``),
so the 404 a lead can meet is a missing id; a reviewer, who may not see a restricted one,
is refused by role (403) before any incident is looked up: the same answer for a
restricted, an open and a missing incident, so nothing is learnt about which ids exist.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from api_helpers import ApiClient, token_for
from django.conf import settings
from django.contrib.auth import get_user_model

from catalog.models import CustodyEvent
from review import incidents as inc
from review.evidence import verify_bag
from review.models import Incident
from tests.review_ui.ui_helpers import make_broadcast, make_user, tone_media

pytestmark = pytest.mark.django_db
STAFF = ("rami.khoury", "lina.haddad")


@pytest.fixture
def incident(tmp_path: Path) -> Incident:
    broadcast = make_broadcast(tone_media(tmp_path))
    reviewer = make_user("rami.khoury", "reviewer")
    make_user("lina.haddad", "lead")
    return inc.propose(reviewer, broadcast_id=broadcast.pk, start=0.5, end=2.0,
                       title="حادثة", notes="ملاحظة rami.khoury الداخلية", restricted=True)


def _exports() -> int:
    return CustodyEvent.objects.filter(action="evidence-exported").count()


def _bag_text(zipped: Path) -> bytes:
    with zipfile.ZipFile(zipped) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def test_a_lead_downloads_a_verifiable_package_and_nobody_else_does(
        incident: Incident, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"  # the export's temporary folder, to see it removed
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    url = f"incidents/{incident.pk}/evidence/"
    rami, lina = (get_user_model().objects.get(username=n) for n in STAFF)
    reviewer = ApiClient(token_for(rami, ["read", "review"]))
    for path in (url, "incidents/999999/evidence/"):  # restricted or missing: the same 403
        refused = reviewer.post(path, {"profile": "full"})
        assert refused.status_code == 403, refused.content
    assert ApiClient(token_for(lina, ["read"])).post(url, {"profile": "full"}).status_code \
        == 403
    lead = ApiClient(token_for(lina, ["read", "review"]))
    assert lead.get(url).status_code == 405
    for body in ({}, {"profile": "everything"}, {"profile": "public", "format": "tar"},
                 {"profile": ["public"]}):
        assert lead.post(url, body).status_code == 400, body
    assert lead.post("incidents/999999/evidence/", {"profile": "full"}).status_code == 404
    assert _exports() == 0

    bags = {}
    for profile in ("public", "full"):
        response = lead.post(url, {"profile": profile})
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"] == "application/zip"
        assert f'filename="incident-{incident.pk}-{profile}.zip"' in \
            response["Content-Disposition"]
        zipped = tmp_path / f"{profile}.zip"
        zipped.write_bytes(b"".join(response.streaming_content))
        result = verify_bag.verify(zipped)
        assert result["ok"], json.dumps(result["failures"], ensure_ascii=False)
        bags[profile] = _bag_text(zipped)
    for name in STAFF:  # every file, binary ones too
        assert name.encode() not in bags["public"], name
    assert b"rami.khoury" in bags["full"]  # the search would have found it
    events = CustodyEvent.objects.filter(action="evidence-exported").order_by("seq")
    assert [(e.actor, e.details["profile"], e.details["incident"]) for e in events] == [
        ("lina.haddad", "public", incident.pk), ("lina.haddad", "full", incident.pk)]
    assert list(scratch.iterdir()) == []


def test_an_export_that_cannot_be_made_is_a_problem_not_a_500(
        incident: Incident, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    stored = Path(settings.DATA_DIR) / "media" / "ab" / "tone.m4a"
    stored.write_bytes(stored.read_bytes()[:-1] + b"\0")  # no longer its recorded SHA-256
    lead = ApiClient(token_for(get_user_model().objects.get(username="lina.haddad"),
                               ["review"]))
    response = lead.post(f"incidents/{incident.pk}/evidence/", {"profile": "full"})
    assert response.status_code == 422, response.content[:500]
    problem = json.loads(response.content)
    assert response["Content-Type"].startswith("application/problem+json")
    assert problem["status"] == 422 and "could not be made" in problem["detail"]
    assert "DATA_DIR/media/ab/tone.m4a" in problem["detail"]
    assert str(settings.DATA_DIR) not in problem["detail"]
    assert _exports() == 0 and list(scratch.iterdir()) == []
