"""The reviewer's daily path made short (issue 25, part 5): "propose and send for review"
as one action from a hit (the history still records both steps, through the rules module
``review.workflow.propose_for_review``), and search hits grouped by broadcast (the
broadcast once, its hits under it, a count and a link into it; still paged and faceted by
hits)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from ui_helpers import login_client, make_broadcast, make_user

from review import incidents as inc
from review import workflow
from review.models import Incident, IncidentEvent

PROPOSAL = {"start": "0:08", "end": "0:13.5", "title": "أماني تتبرأ", "confidence": "high",
            "signs": ["reads-script"], "person": "والد أماني بلور", "person_kind": "relative",
            "role": "disowns", "relation": "father of", "targeted": "د. أماني بلور",
            "create_missing": "on"}


def _history(incident: Incident) -> list[tuple[str, str, str]]:
    return [(e.action, e.from_status, e.to_status)
            for e in IncidentEvent.objects.filter(incident=incident).order_by("at", "id")]


@pytest.mark.django_db
def test_propose_and_send_for_review_is_one_action_with_both_steps_recorded() -> None:
    broadcast = make_broadcast()
    rev = login_client(Client(), make_user("rev", "reviewer"))
    form = rev.get(f"/incidents/new/?broadcast={broadcast.pk}&t=9").content.decode()
    assert 'name="then" value="review" id="propose-and-send"' in form
    assert "اقترح وأرسل للمراجعة" in form
    response = rev.post("/incidents/new/", {"broadcast": broadcast.pk, **PROPOSAL,
                                            "then": "review"})
    assert response.status_code == 302, response.content.decode()[:1000]
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.UNDER_REVIEW
    assert _history(incident) == [("proposed", "", "suspected"),
                                  ("status-changed", "suspected", "under_review")]
    page = rev.get(f"/incidents/{incident.pk}/").content.decode()
    assert "اقترح <bdi>rev</bdi> الحادثة" in page
    assert "أرسل <bdi>rev</bdi> الحادثة للمراجعة" in page
    # the other button still proposes only
    rev.post("/incidents/new/", {"broadcast": broadcast.pk, **PROPOSAL, "title": "ثانية"})
    second = Incident.objects.get(title="ثانية")
    assert second.status == Incident.Status.SUSPECTED
    assert _history(second) == [("proposed", "", "suspected")]


@pytest.mark.django_db
def test_propose_for_review_is_refused_whole_for_a_viewer() -> None:
    broadcast = make_broadcast()
    viewer = make_user("watcher", "viewer")
    with pytest.raises(inc.ReviewRuleError):
        workflow.propose_for_review(viewer, broadcast_id=broadcast.pk, start="0:08",
                                    end="0:13", title="x")
    assert not Incident.objects.exists() and not IncidentEvent.objects.exists()


@pytest.mark.django_db
def test_a_refused_second_step_keeps_nothing(monkeypatch) -> None:
    """Both steps in one transaction: when sending for review fails, no suspected incident
    is left behind."""
    broadcast = make_broadcast()
    rev = make_user("rev", "reviewer")

    def refuse(*args: object, **kwargs: object) -> None:
        raise inc.ReviewRuleError("refused")

    monkeypatch.setattr(workflow, "_check_transition", refuse)
    with pytest.raises(inc.ReviewRuleError):
        workflow.propose_for_review(rev, broadcast_id=broadcast.pk, start="0:08",
                                    end="0:13", title="x")
    assert not Incident.objects.exists() and not IncidentEvent.objects.exists()


SPEECH = [(float(i * 5), float(i * 5 + 5), f"قال المعتقل اعترافه رقم {i}") for i in range(4)]


@pytest.mark.django_db(transaction=True)
def test_search_hits_are_grouped_by_broadcast_and_still_paged_by_hits() -> None:
    from index.registry import get_backend

    first = make_broadcast(title="البث الأول", segments=SPEECH)
    second = make_broadcast(title="البث الثاني", segments=SPEECH[:2], outlet_name="قناة سما",
                            source_name="sama")
    for b in (first, second):
        get_backend().index_transcript(b.transcripts.get().pk)
    viewer = login_client(Client(), make_user("v", "viewer"))
    html = viewer.get("/", {"q": "اعترافه", "page_size": 5}).content.decode()
    groups = re.findall(r'<li class="hit-group" data-broadcast="(\d+)">(.*?)</ol>\s*'
                        r'<a class="more-in-broadcast" href="([^"]+)"', html, re.S)
    assert groups, html[-3000:]
    shown = [int(b) for b, _, _ in groups]
    assert len(shown) == len(set(shown))  # each broadcast once
    hits = {int(b): body.count('<li class="hit">') for b, body, _ in groups}
    assert sum(hits.values()) == 5 == html.count('<li class="hit">')  # paged by hits
    for b, body, more in groups:
        assert body.count('class="title"') == 1  # the broadcast's details once
        n = hits[int(b)]
        assert f"{n} " in re.search(r'class="group-count">([^<]*)<', body).group(1)
        assert more.startswith(f"/broadcasts/{b}/?t=")
    assert "6 نتائج" in html or "6 نتيجة" in html  # the count is of hits, over all pages
    facet = re.search(r'<section class="facet facet-outlet">(.*?)</section>', html, re.S)
    assert facet and "(4)" in facet.group(1) and "(2)" in facet.group(1)
    page_two = viewer.get("/", {"q": "اعترافه", "page_size": 5, "page": 2})
    assert page_two.content.decode().count('<li class="hit">') == 1
