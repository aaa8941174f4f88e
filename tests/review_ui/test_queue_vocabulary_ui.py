"""The review queue's incidents waiting for a lead (visible ones only, oldest first, with the
keyboard legend and the static shortcut script) and the signs vocabulary page (reviewers
read, leads add and (de)activate with CSRF, audited; bad input on the page)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from incident_seed import seed
from ui_helpers import login_client

from catalog.models import CustodyEvent
from review import workflow
from review.models import CoercionSign

pytestmark = pytest.mark.django_db

WAITING = re.compile(r'<li class="hit queue-incident" data-queue-item="incident" '
                     r'data-incident="(\d+)" data-open="/incidents/\1/" '
                     r'data-review="/incidents/\1/#review"')


@pytest.fixture
def world() -> dict:
    return seed()


def client_for(world: dict, name: str, **kwargs: object) -> Client:
    return login_client(Client(**kwargs), world["users"][name])


def waiting(client: Client) -> list[int]:
    response = client.get("/alerts/")
    assert response.status_code == 200
    return [int(i) for i in WAITING.findall(response.content.decode())]


def test_incidents_waiting_for_a_lead_oldest_first_visible_only(world) -> None:
    disown, hidden = world["disown"].pk, world["hidden"].pk
    assert waiting(client_for(world, "lead2")) == [disown, hidden]  # by status change
    assert waiting(client_for(world, "rev2")) == [disown]  # "hidden" is restricted
    # a suspected incident is not waiting for a lead; once sent for review it is, last
    workflow.set_status(world["denial"].pk, world["users"]["rev"], "under_review")
    assert waiting(client_for(world, "lead")) == [disown, hidden, world["denial"].pk]
    # decided: no longer waiting
    workflow.set_status(disown, world["users"]["lead2"], "dismissed", reason="مكرر")
    assert disown not in waiting(client_for(world, "lead"))
    html = client_for(world, "rev2").get("/alerts/").content.decode()
    assert "اعتراف معتقل سري" not in html
    assert f'href="/incidents/{world["denial"].pk}/#review"' in html


def test_queue_page_has_the_key_legend_and_the_static_script_only(world) -> None:
    html = client_for(world, "rev").get("/alerts/").content.decode()
    for key in ("j", "k", "o", "Enter", "c", "d"):
        assert f"<kbd>{key}</kbd>" in html
    assert '<script src="/static/review_ui/queue_keys.js" defer></script>' in html
    assert "<script>" not in html and " onclick=" not in html and ' style="' not in html
    viewer = client_for(world, "viewer").get("/alerts/").content.decode()
    assert "queue-incident" not in viewer and "Incidents waiting for a lead" not in viewer


def test_vocabulary_page_read_by_reviewers_changed_by_leads(world) -> None:
    rev = client_for(world, "rev")
    page = rev.get("/vocabulary/").content.decode()
    assert "reads-script" in page and "يقرأ نصاً مكتوباً" in page
    assert 'action="/vocabulary/new/"' not in page and "/active/" not in page
    assert client_for(world, "viewer").get("/vocabulary/").status_code == 403
    assert rev.post("/vocabulary/new/", {"code": "x", "label_ar": "س",
                                         "label_en": "x"}).status_code == 403
    sign = CoercionSign.objects.get(code="reads-script")
    assert rev.post(f"/vocabulary/{sign.pk}/active/", {"active": "0"}).status_code == 403
    assert CoercionSign.objects.get(pk=sign.pk).active

    lead = client_for(world, "lead", enforce_csrf_checks=True)
    form = lead.get("/vocabulary/")
    assert 'action="/vocabulary/new/"' in form.content.decode()
    data = {"code": "blindfolded", "label_ar": "معصوب العينين", "label_en": "blindfolded"}
    assert lead.post("/vocabulary/new/", data).status_code == 403  # forged, no token
    token = form.cookies["csrftoken"].value
    done = lead.post("/vocabulary/new/", {**data, "csrfmiddlewaretoken": token})
    assert done.status_code == 302 and done["Location"] == "/vocabulary/"
    assert CoercionSign.objects.get(code="blindfolded").label_ar == "معصوب العينين"
    assert CustodyEvent.objects.get(action="sign-added").actor == "lead"
    assert "أضيفت العلامة: blindfolded" in lead.get("/vocabulary/").content.decode()

    bad = lead.post("/vocabulary/new/", {**data, "code": "Not A Slug",
                                         "csrfmiddlewaretoken": token})
    assert bad.status_code == 400 and "حروف لاتينية صغيرة" in bad.content.decode()
    assert 'value="معصوب العينين"' in bad.content.decode()  # input kept
    again = lead.post("/vocabulary/new/", {**data, "csrfmiddlewaretoken": token})
    assert again.status_code == 400 and "توجد علامة بالرمز" in again.content.decode()

    off = lead.post(f"/vocabulary/{sign.pk}/active/", {"active": "0",
                                                     "csrfmiddlewaretoken": token})
    assert off.status_code == 302 and not CoercionSign.objects.get(pk=sign.pk).active
    assert CustodyEvent.objects.get(action="sign-changed").details == {
        "sign": sign.pk, "code": "reads-script", "active": False}
    assert lead.post(f"/vocabulary/{sign.pk}/active/",
                     {"active": "0"}).status_code == 403  # no token
    assert lead.post("/vocabulary/999999/active/", {"active": "1",
                                                   "csrfmiddlewaretoken": token}
                     ).status_code == 404
    assert lead.get("/vocabulary/new/").status_code == 405


def test_new_pages_have_no_inline_script_or_style(world) -> None:
    lead = client_for(world, "lead")
    for path in ("/alerts/", "/incidents/", "/persons/", "/persons/new/",
                 f"/persons/{world['amani'].pk}/", "/vocabulary/"):
        response = lead.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert "<script>" not in html and "<style" not in html, path
        assert " onclick=" not in html and ' style="' not in html, path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
