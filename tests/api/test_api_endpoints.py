"""The API's endpoints do what the screens do, under the same rules (issue 24).

Search with the query language, filters, sort and facets; a broadcast's metadata, custody
and transcript; incidents proposed, reviewed and confirmed under the two-person rule and
the blind second review, a stale version refused with 409; restricted incidents and
persons invisible to a reviewer not assigned to them in every list, count, facet and page;
persons, alerts, watchlists, tags; every write in the audit chain. Every answer is checked
against docs/openapi.json (``api_helpers.ApiClient``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_helpers import ApiClient, token_for
from incident_seed import seed

from catalog.models import Alert, CustodyEvent, Watchlist
from review.models import Incident
from tests.review_ui.ui_helpers import make_broadcast, make_user

pytestmark = pytest.mark.django_db

READ, WRITE = ["read"], ["read", "review"]


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def _actions() -> list[str]:
    return list(CustodyEvent.objects.order_by("seq").values_list("action", flat=True))


@pytest.fixture
def world() -> dict[str, Any]:
    data = seed()
    data["api"] = {name: ApiClient(token_for(user, WRITE if name != "viewer" else READ))
                   for name, user in data["users"].items()}
    return data


def test_search_speaks_the_query_language_with_filters_facets_and_cursor() -> None:
    from index.registry import get_backend

    for n in range(3):
        broadcast = make_broadcast(title=f"حلقة {n}")
        get_backend().index_transcript(broadcast.transcripts.get().pk)
    api = ApiClient(token_for(make_user("vera", "viewer")))
    page = _json(api.get("search/", q="أماني", page_size="2"))
    assert page["total"] == 3 and len(page["results"]) == 2
    hit = page["results"][0]
    assert hit["text"] == "أنا أماني وأتبرأ من أخي"
    assert ["أماني", True] in hit["highlight"]
    assert page["facets"]["outlet"] == [{"value": "الإخبارية السورية", "count": 3}]
    rest = _json(api.get(page["next"]))
    assert len(rest["results"]) == 1 and rest["next"] is None and rest["previous"]
    assert _json(api.get("search/", q='"نشرة الأخبار" دمشق'))["total"] == 3
    assert _json(api.get("search/", q="أماني", outlet="قناة أخرى"))["total"] == 0
    body = _json(api.get("search/", q='"غير مغلق'), 400)
    assert "query" in body["detail"].lower() or body["detail"]
    _json(api.get("search/", q="أماني", date_from="2024-02-31"), 400)


def test_a_broadcast_its_custody_segments_and_tags() -> None:
    broadcast = make_broadcast()
    from catalog import audit

    audit.record("captured", None, broadcast=broadcast, details={"note": "not shown"})
    viewer = ApiClient(token_for(make_user("vera", "viewer")))
    detail = _json(viewer.get(f"broadcasts/{broadcast.pk}/"))
    assert detail["title"] == broadcast.title and detail["media"] is None
    assert [e["action"] for e in detail["custody"]] == ["captured"]
    assert "details" not in detail["custody"][0]
    assert detail["transcripts"][0]["segments"] == 4
    segments = _json(viewer.get(f"broadcasts/{broadcast.pk}/segments/", page_size="3"))
    assert [s["number"] for s in segments["results"]] == [0, 1, 2]
    more = _json(viewer.get(segments["next"]))
    assert [s["number"] for s in more["results"]] == [3]
    listed = _json(viewer.get("broadcasts/"))
    assert [b["id"] for b in listed["results"]] == [broadcast.pk]
    reviewer = ApiClient(token_for(make_user("rami", "reviewer"), WRITE))
    tagged = _json(reviewer.post(f"broadcasts/{broadcast.pk}/tags/",
                                 {"tag": "confession", "segment": 2}))
    assert tagged["changed"] and tagged["tags"][0]["tag"] == "confession"
    assert "tag-added" in _actions()
    uses = {t["tag"]: t["uses"] for t in _json(viewer.get("tags/"))}
    assert uses["confession"] == 1
    removed = _json(reviewer.post(f"broadcasts/{broadcast.pk}/tags/",
                                  {"tag": "confession", "segment": 2, "action": "remove"}))
    assert removed["changed"] and removed["tags"] == []


def test_propose_send_assess_and_confirm_under_the_two_person_rule(world) -> None:
    b1 = world["broadcasts"][0]
    rev, lead, lead2 = world["api"]["rev"], world["api"]["lead"], world["api"]["lead2"]
    made = _json(rev.post("incidents/", {
        "broadcast_id": b1.pk, "start": 8, "end": 13.5, "title": "اعتراف على الهواء",
        "persons": [{"person": "د. أماني بلور", "role": "confesses"}],
        "signs": ["reads-script"], "confidence": "medium", "send_for_review": True}), 201)
    assert made["status"] == "under_review" and made["proposed_by"] == "rev"
    assert [h["action"] for h in made["history"]] == ["proposed", "status-changed"]
    number = made["id"]
    # the proposer may not confirm; nor may a reviewer
    _json(rev.post(f"incidents/{number}/status/", {"status": "confirmed",
                                                   "version": made["version"]}), 403)
    # a lead who shaped it (added a clip) may not confirm it either
    shaped = _json(lead.post(f"incidents/{number}/clips/", {
        "broadcast_id": b1.pk, "start": 0, "end": 4, "version": made["version"]}))
    refused = _json(lead.post(f"incidents/{number}/status/", {
        "status": "confirmed", "confidence": "high", "version": shaped["version"]}), 403)
    assert "two-person" in refused["detail"]
    # another lead: blind review first (the proposer's assessment is withheld)
    seen = _json(lead2.get(f"incidents/{number}/"))
    assert seen["proposer_assessment_hidden"] and seen["confidence"] is None
    # a stale version is a 409 and writes nothing
    stale = _json(lead2.post(f"incidents/{number}/assessments/", {
        "confidence": "high", "version": made["version"]}), 409)
    assert "nothing was saved" in stale["detail"]
    assessed = _json(lead2.post(f"incidents/{number}/assessments/", {
        "confidence": "high", "signs": ["reads-script"], "version": seen["version"]}))
    assert not assessed["proposer_assessment_hidden"]
    confirmed = _json(lead2.post(f"incidents/{number}/status/", {
        "status": "confirmed", "version": assessed["version"]}))
    assert confirmed["status"] == "confirmed" and confirmed["decided_by"] == "lead2"
    events = _actions()
    for action in ("incident-proposed", "incident-clip-added", "incident-assessed",
                   "incident-status-changed", "incident-viewed"):
        assert action in events, action


def test_edit_person_and_assign(world) -> None:
    rev, lead = world["api"]["rev"], world["api"]["lead"]
    denial = world["denial"]
    shown = _json(rev.get(f"incidents/{denial.pk}/"))
    edited = _json(rev.patch(f"incidents/{denial.pk}/", {
        "title": "عنوان جديد", "version": shown["version"]}))
    assert edited["title"] == "عنوان جديد" and edited["version"] == shown["version"] + 1
    _json(rev.patch(f"incidents/{denial.pk}/", {"title": "x", "version": shown["version"]}),
          409)
    added = _json(rev.post(f"incidents/{denial.pk}/persons/", {
        "person": "والد أماني بلور", "role": "other", "version": edited["version"]}))
    assert "والد أماني بلور" in [p["name"] for p in added["persons"]]
    _json(rev.post(f"incidents/{denial.pk}/assignees/", {"reviewer": "rev2"}), 403)
    assigned = _json(lead.post(f"incidents/{denial.pk}/assignees/", {"reviewer": "rev2"}))
    assert "rev2" in assigned["assigned"]
    _json(lead.post(f"incidents/{denial.pk}/assignees/", {"reviewer": "nobody"}), 400)


def test_restricted_incidents_and_persons_are_invisible_everywhere(world) -> None:
    rev2, lead = world["api"]["rev2"], world["api"]["lead"]
    hidden, secret = world["hidden"], world["secret"]
    listed = _json(rev2.get("incidents/"))
    assert hidden.pk not in [i["id"] for i in listed["results"]]
    assert listed["count"] == 2
    statuses = {f["value"]: f["count"] for f in listed["facets"]["status"]}
    assert statuses == {"suspected": 1, "under_review": 1}
    signs = {f["value"] for f in listed["facets"]["sign"]}
    assert "detention-setting" not in signs
    _json(rev2.get(f"incidents/{hidden.pk}/"), 404)
    _json(rev2.post(f"incidents/{hidden.pk}/clips/", {
        "broadcast_id": world["broadcasts"][0].pk, "start": 0, "end": 1, "version": 1}), 404)
    exported = _json(rev2.get("incidents/export/"))
    assert hidden.pk not in [i["id"] for i in exported]
    csv_text = rev2.get("incidents/export/", format="csv").content.decode()
    assert "معتقل سري" not in csv_text and "اعتراف معتقل سري" not in csv_text
    assert _json(rev2.get("incidents/", person="معتقل سري"))["count"] == 0
    people = _json(rev2.get("persons/"))
    assert secret.pk not in [p["id"] for p in people["results"]]
    assert _json(rev2.get("persons/", q="معتقل"))["results"] == []
    _json(rev2.get(f"persons/{secret.pk}/"), 404)
    amani = _json(rev2.get(f"persons/{world['amani'].pk}/"))
    assert hidden.pk not in amani["incidents"]
    # a lead sees it all
    assert _json(lead.get("incidents/"))["count"] == 3
    assert _json(lead.get(f"persons/{secret.pk}/"))["restricted"] is True
    # once assigned, the reviewer sees both
    _json(lead.post(f"incidents/{hidden.pk}/assignees/", {"reviewer": "rev2"}))
    assert _json(rev2.get(f"incidents/{hidden.pk}/"))["restricted"] is True
    assert _json(rev2.get(f"persons/{secret.pk}/"))["name"] == "معتقل سري"


def test_persons_alerts_and_watchlists(world) -> None:
    rev, rev2, lead = world["api"]["rev"], world["api"]["rev2"], world["api"]["lead"]
    viewer = world["api"]["viewer"]
    person = _json(rev.post("persons/", {"name": "سامر", "variants": ["سامر ع."],
                                         "kind": "detainee"}), 201)
    assert _json(rev.get("persons/", q="سامر"))["results"][0]["id"] == person["id"]
    hidden = _json(rev.post("persons/", {"name": "شخص محمي", "restricted": True}), 202)
    assert hidden == {"id": hidden["id"], "restricted": True}
    made = _json(rev.post("watchlists/", {"name": "دمشق", "query": "دمشق"}), 201)
    assert made["owner"] == "rev" and made["active"]
    _json(rev.post("watchlists/", {"name": "سيئة", "query": '"غير مغلق'}), 400)
    _json(rev2.post(f"watchlists/{made['id']}/active/", {"active": False}), 403)
    off = _json(lead.post(f"watchlists/{made['id']}/active/", {"active": False}))
    assert off["active"] is False
    assert _json(viewer.get("watchlists/"))["results"][0]["name"] == "دمشق"
    b1 = world["broadcasts"][0]
    segment = b1.transcripts.get().segments.get(number=1)
    alert = Alert.objects.create(watchlist=Watchlist.objects.get(pk=made["id"]), broadcast=b1,
                                 segment=segment, track="asr", model_id="base",
                                 segment_number=1, start=segment.start, end=segment.end,
                                 text=segment.text)
    queue = _json(viewer.get("alerts/", status="new"))
    assert [a["id"] for a in queue["results"]] == [alert.pk]
    _json(viewer.post(f"alerts/{alert.pk}/review/", {"status": "confirmed"}), 403)
    reviewed = _json(rev.post(f"alerts/{alert.pk}/review/",
                              {"status": "dismissed", "note": "نشرة عادية"}))
    assert reviewed["status"] == "dismissed" and reviewed["reviewed_by"] == "rev"
    assert _json(viewer.get(f"alerts/{alert.pk}/"))["reviews"][0]["note"] == "نشرة عادية"
    for action in ("person-added", "watchlist-created", "alert-dismissed"):
        assert any(a.startswith(action.split("-")[0]) for a in _actions()), action
    assert Incident.objects.count() == 3


def test_the_list_withholds_the_proposers_assessment_from_a_lead_yet_to_assess(world) -> None:
    disown = world["disown"]
    rows = {i["id"]: i for i in _json(world["api"]["lead2"].get("incidents/"))["results"]}
    assert rows[disown.pk]["proposer_assessment_hidden"] is True
    assert rows[disown.pk]["signs"] is None and rows[disown.pk]["confidence"] is None
    mine = {i["id"]: i for i in _json(world["api"]["rev"].get("incidents/"))["results"]}
    assert mine[disown.pk]["signs"] == ["reads-script"]
    assert mine[disown.pk]["persons"][0]["targeted_name"] == "د. أماني بلور"
    assert mine[disown.pk]["clips"] == 1
