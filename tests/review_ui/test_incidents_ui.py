"""The incident screens through the Django test client: open from a hit, an alert or
selected lines; the page; the two-person rule and the blind second review on the server;
restricted incidents invisible; stale edits refused with the input kept; forged and
malformed POSTs refused. The same flow in a real browser is ``test_incidents_browser.py``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from ui_helpers import login_client, make_user

from catalog.models import Alert, Watchlist
from review import incidents as inc
from review.models import Incident, Person
from review.persons import add_person


@pytest.fixture
def clients(db) -> dict[str, Client]:
    made = {}
    for name, role in (("rev", "reviewer"), ("rev2", "reviewer"), ("lead1", "lead"),
                       ("lead2", "lead"), ("watcher", "viewer")):
        make_user(name, role)
        made[name] = login_client(Client(), name)
    return made


def propose_form(item, **extra) -> dict:
    return {"broadcast": item.pk, "start": "0:08", "end": "0:13.5",
            "title": "أماني تتبرأ", "confidence": "high", "signs": ["reads-script"],
            "person": "والد أماني بلور", "person_kind": "relative", "role": "disowns",
            "relation": "father of", "targeted": "د. أماني بلور", "create_missing": "on",
            **extra}


def test_open_incident_prefilled_from_hit_alert_and_lines(clients, broadcast) -> None:
    rev = clients["rev"]
    html = rev.get(f"/incidents/new/?broadcast={broadcast.pk}&t=9").content.decode()
    assert 'name="start" maxlength="14" dir="ltr" required value="9"' in html
    assert 'value="13.5"' in html  # the end of the hit's segment
    html = rev.get(f"/incidents/new/?broadcast={broadcast.pk}&seg=1&seg=2").content.decode()
    assert 'value="4"' in html and 'value="13.5"' in html
    watchlist = Watchlist.objects.create(name="w", query="أماني")
    alert = Alert.objects.create(watchlist=watchlist, broadcast=broadcast, track="asr",
                                 model_id="base", segment_number=2, start=8, end=13.5,
                                 text="أنا أماني")
    assert f"/incidents/new/?alert={alert.pk}" in rev.get("/alerts/").content.decode()
    html = rev.get(f"/incidents/new/?alert={alert.pk}").content.decode()
    assert f'value="{broadcast.pk}"' in html and 'value="8"' in html
    for junk in ("?broadcast=99999999999999999999999", "?broadcast=1&t=1e400",
                 "?alert=-1", "?broadcast=1&seg=" + "9" * 50, "?start=abc"):
        assert rev.get("/incidents/new/" + junk).status_code in (200, 400), junk
    # the entry points link here
    page = rev.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert "/incidents/new/" in page and 'name="seg"' in page


def test_propose_then_confirm_as_second_lead(clients, broadcast) -> None:
    response = clients["rev"].post("/incidents/new/", propose_form(broadcast))
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get()
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert Person.objects.filter(name="د. أماني بلور", kind="activist").exists()
    page = clients["rev"].get(response["Location"]).content.decode()
    assert "والد أماني بلور" in page and "د. أماني بلور" in page and "أنا أماني" in page
    assert f"/media/{broadcast.pk}/#t=8,13.5" in page
    review = f"/incidents/{incident.pk}/review/"
    assert clients["rev"].post(review, {"status": "under_review", "version": 1}
                               ).status_code == 302
    # lead1 edits it, so lead1 may not decide it any more
    lead1_edit = clients["lead1"].post(f"/incidents/{incident.pk}/edit/", {
        "version": 2, "title": "والد د. أماني بلور يتبرأ منها", "confidence": "high",
        "signs": ["reads-script"], "notes": "الجملة مكتوبة"})
    assert lead1_edit.status_code == 302
    refused = clients["lead1"].post(review, {"status": "dismissed", "version": 3,
                                             "reason": "x"})
    assert refused.status_code == 403 and "قاعدة الشخصين" in refused.content.decode()
    # lead2: the proposer's assessment is hidden until lead2 records their own
    page = clients["lead2"].get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="blind-notice"' in page and 'id="proposer-confidence"' not in page
    assert 'id="confirm"' not in page and 'id="assess"' in page
    assert clients["lead2"].post(f"/incidents/{incident.pk}/assess/", {
        "version": 3, "confidence": "medium", "signs": ["detention-setting"]}
    ).status_code == 302
    page = clients["lead2"].get(f"/incidents/{incident.pk}/").content.decode()
    assert 'id="proposer-confidence" data-confidence="high">عالية<' in page \
        and 'id="confirm"' in page
    assert clients["lead2"].post(review, {"status": "confirmed", "version": 4}
                                 ).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "confirmed" and incident.decided_by.username == "lead2"


def test_lead_who_rewrote_it_may_not_decide_after_a_reviewer_touched_it(clients,
                                                                       broadcast) -> None:
    """Finding 4 of issue 23 through the screens: lead1 rewrites the incident, a reviewer
    fixes a typo after, and lead1 still gets no assess/confirm/dismiss, on the page or by
    a forged POST."""
    assert clients["rev"].post("/incidents/new/", propose_form(broadcast)).status_code == 302
    incident = Incident.objects.get()
    base = f"/incidents/{incident.pk}/"
    form = {"title": "رواية القائد", "confidence": "high", "signs": ["reads-script"],
            "notes": "كتبها القائد"}
    assert clients["lead1"].post(base + "edit/", {**form, "version": 1}).status_code == 302
    assert clients["rev2"].post(base + "edit/", {**form, "notes": "كتبها القائد.",
                                                 "version": 2}).status_code == 302
    assert clients["rev2"].post(base + "review/", {"status": "under_review", "version": 3}
                                ).status_code == 302
    incident.refresh_from_db()
    assert incident.last_edited_by.username == "rev2"
    page = clients["lead1"].get(base).content.decode()
    assert 'id="two-person-notice"' in page
    assert 'id="assess"' not in page and 'id="confirm"' not in page and 'id="dismiss"' not in page
    assert 'id="blind-notice"' not in page  # one who shaped it is not a blind reviewer
    assessed = clients["lead1"].post(base + "assess/", {"version": 4, "confidence": "high"})
    assert assessed.status_code == 403 and "لمشرف آخر" in assessed.content.decode()
    for status in ("confirmed", "dismissed"):
        refused = clients["lead1"].post(base + "review/", {
            "status": status, "version": 4, "confidence": "high", "reason": "x"})
        assert refused.status_code == 403 and "قاعدة الشخصين" in refused.content.decode()
    incident.refresh_from_db()
    assert incident.status == "under_review" and incident.decided_by is None
    # lead2 never touched it: the blind review and the decision are theirs
    page = clients["lead2"].get(base).content.decode()
    assert 'id="blind-notice"' in page and 'id="assess"' in page


def test_roles_and_restricted_incidents(clients, broadcast) -> None:
    assert clients["watcher"].get("/incidents/new/").status_code == 403
    assert clients["watcher"].post("/incidents/new/", propose_form(broadcast)
                                   ).status_code == 403
    secret = add_person("معتقل مجهول", restricted=True)
    lead = make_user("lead3", "lead")
    restricted = inc.propose(lead, broadcast_id=broadcast.pk, start=0, end=4,
                             title="ظهور سري", people=[inc.OnAir(f"#{secret.pk}")])
    assert clients["rev"].get(f"/incidents/{restricted.pk}/").status_code == 404
    assert clients["rev"].post(f"/incidents/{restricted.pk}/edit/", {
        "version": 1, "title": "x", "confidence": "low"}).status_code == 404
    assert clients["lead1"].get(f"/incidents/{restricted.pk}/").status_code == 200
    assert clients["rev"].post(f"/incidents/{restricted.pk}/assess/", {
        "version": 1, "confidence": "low"}).status_code == 403  # lead-only URL
    inc.assign(restricted.pk, lead, get_user_model().objects.get(username="rev"))
    assert clients["rev"].get(f"/incidents/{restricted.pk}/").status_code == 200
    assert clients["rev2"].get(f"/incidents/{restricted.pk}/").status_code == 404
    assert Client().get(f"/incidents/{restricted.pk}/").status_code == 302  # to login


def test_stale_edit_is_refused_with_input_kept(clients, broadcast) -> None:
    clients["rev"].post("/incidents/new/", propose_form(broadcast))
    incident = Incident.objects.get()
    first = clients["rev"].post(f"/incidents/{incident.pk}/edit/", {
        "version": 1, "title": "عنوان الأول", "confidence": "high"})
    assert first.status_code == 302
    second = clients["rev2"].post(f"/incidents/{incident.pk}/edit/", {
        "version": 1, "title": "عنوان الثاني المفقود؟", "confidence": "low"})
    html = second.content.decode()
    assert second.status_code == 409 and "غيّر <bdi>rev</bdi> الحادثة <bdi>" in html  # in Arabic
    assert "عنوان الثاني المفقود؟" in html  # the second reviewer's text is still there
    incident.refresh_from_db()
    assert incident.title == "عنوان الأول" and incident.version == 2


@pytest.mark.parametrize("form, message", [
    ({"end": "0:30"}, "بعد نهاية البثّ"),  # the rules' refusals, in Arabic
    ({"start": "0:10", "end": "0:05"}, "قبل أن يبدأ"),
    ({"broadcast": "99999"}, "لا بثّ بالمعرّف"),
    ({"broadcast": "9" * 40}, "لم يُحفظ شيء"),
    ({"person": "لا أحد", "create_missing": ""}, "لا شخص باسم"),
    ({"signs": ["nope"]}, "لم يُحفظ شيء"),
    ({"title": "x" * 301}, "300"),
])
def test_bad_proposals_answer_400_and_write_nothing(clients, broadcast, form, message) -> None:
    response = clients["rev"].post("/incidents/new/", propose_form(broadcast, **form))
    assert response.status_code == 400 and message in response.content.decode()
    assert Incident.objects.count() == 0 and Person.objects.count() == 0


def test_forged_post_and_get_on_actions_refused(db, broadcast) -> None:
    make_user("rev", "reviewer")
    client = login_client(Client(enforce_csrf_checks=True), "rev")
    assert client.post("/incidents/new/", propose_form(broadcast)).status_code == 403
    assert Incident.objects.count() == 0
    owner = make_user("rev9", "reviewer")
    incident = inc.propose(owner, broadcast_id=broadcast.pk, start=0, end=4, title="t")
    assert client.get(f"/incidents/{incident.pk}/review/").status_code == 405
    assert client.post(f"/incidents/{incident.pk}/review/", {
        "status": "under_review", "version": 1}).status_code == 403
    assert Incident.objects.get().status == "suspected"


def test_markup_and_bidi_in_text_are_neutralised(clients, broadcast) -> None:
    evil = '<script>alert(1)</script>\u202eأماني'
    clients["rev"].post("/incidents/new/", propose_form(
        broadcast, title=evil, person=evil, targeted="", relation=""))
    incident = Incident.objects.get()
    html = clients["rev"].get(f"/incidents/{incident.pk}/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "\u202e" not in html
    assert Incident.objects.get().title == evil.strip()  # stored as typed

