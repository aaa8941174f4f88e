"""The correction screens (issue 27), attacker's cases first: a corrector verifying their
own correction is refused (403, nothing changes), a viewer cannot correct or verify, a
forged POST without the CSRF token is refused, hostile text (bidi controls, script) is
escaped and neutralised on every page that shows it, and a restricted incident's clip
texts stay out of reach. Then the reviewer's path: correct a range (a new version each
time, the machine's text kept), a second reviewer verifies it, the broadcast page, the
versions page, the search hit and the incident clip all say it is verified.

Django's test client over the real views, real SQLite and a real Tantivy index."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from ui_helpers import login_client, make_user

from catalog.models import Correction, CustodyEvent, Segment
from index.registry import get_backend
from review import corrections as cor
from review.models import Clip, Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> dict[str, object]:
    return {"rev": make_user("rev-a", "reviewer"), "rev2": make_user("rev-b", "reviewer"),
            "viewer": make_user("view-a", "viewer"), "lead": make_user("lead-a", "lead")}


def _client(user: object, *, csrf: bool = False) -> Client:
    return login_client(Client(enforce_csrf_checks=csrf), user)


def _correct(client: Client, broadcast, first: int, last: int, text: str, **extra):
    transcript = broadcast.transcripts.get()
    return client.post(reverse("review_ui:correct_range", args=[broadcast.pk]), {
        "transcript": transcript.pk, "first": first, "last": last, "text": text, **extra})


def test_the_corrector_cannot_verify_their_own_correction(staff, broadcast) -> None:
    rev = _client(staff["rev"])
    assert _correct(rev, broadcast, 2, 3, "أنا أماني وأتبرأ من أخي في النفق").status_code == 302
    correction = Correction.objects.get()
    page = rev.get(reverse("review_ui:broadcast_detail", args=[broadcast.pk])).content.decode()
    assert "verify-correction" not in page  # no button for the author ...
    response = rev.post(reverse("review_ui:verify_correction", args=[correction.pk]))
    assert response.status_code == 403  # ... and the rule holds when the POST is forged
    assert "قاعدة الشخصين" in response.content.decode()  # in the page's language
    correction.refresh_from_db()
    assert correction.verified_at is None
    assert not CustodyEvent.objects.filter(action="correction-verified").exists()


def test_a_viewer_cannot_correct_or_verify(staff, broadcast) -> None:
    viewer = _client(staff["viewer"])
    assert _correct(viewer, broadcast, 0, 0, "نص").status_code == 403
    assert not Correction.objects.exists()
    correction = cor.correct(broadcast, 0, 0, "بسم الله", by=staff["rev"])
    assert viewer.post(reverse("review_ui:verify_correction",
                               args=[correction.pk])).status_code == 403
    assert viewer.post(reverse("review_ui:translate_correction", args=[correction.pk]),
                       {"language": "en", "text": "x"}).status_code == 403
    page = viewer.get(reverse("review_ui:broadcast_detail", args=[broadcast.pk]))
    assert page.status_code == 200
    assert 'id="correction-form"' not in page.content.decode()
    assert "بسم الله" in page.content.decode()  # viewers read corrections
    correction.refresh_from_db()
    assert correction.verified_at is None


def test_a_forged_post_without_the_csrf_token_is_refused(staff, broadcast) -> None:
    forged = _client(staff["rev"], csrf=True)
    assert _correct(forged, broadcast, 0, 0, "نص مزور").status_code == 403
    correction = cor.correct(broadcast, 0, 0, "بسم الله", by=staff["rev"])
    other = _client(staff["rev2"], csrf=True)
    assert other.post(reverse("review_ui:verify_correction",
                              args=[correction.pk])).status_code == 403
    assert Correction.objects.get().verified_at is None


def test_hostile_text_is_escaped_and_bidi_neutralised(staff, broadcast) -> None:
    hostile = "\u202e<script>alert('x')</script><img src=x onerror=alert(1)> أماني"
    rev = _client(staff["rev"])
    assert _correct(rev, broadcast, 2, 2, hostile).status_code == 302
    correction = Correction.objects.get()
    assert correction.text == hostile.strip()
    for url in (reverse("review_ui:broadcast_detail", args=[broadcast.pk]),
                reverse("review_ui:correction_history", args=[correction.pk])):
        page = rev.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;" in page and "\u202e" not in page, url
    rev2 = _client(staff["rev2"])
    rev2.post(reverse("review_ui:verify_correction", args=[correction.pk]))
    page = rev2.get(reverse("review_ui:search"), {"q": "أماني"}).content.decode()
    assert "<script>alert" not in page and "\u202e" not in page


def test_a_restricted_incident_clip_text_is_not_reachable(staff, broadcast) -> None:
    correction = cor.correct(broadcast, 2, 2, "أنا أماني الطبيبة", by=staff["rev"])
    incident = Incident.objects.create(title="سري", proposed_by=staff["lead"],
                                       last_edited_by=staff["lead"], restricted=True)
    Clip.objects.create(incident=incident, broadcast=broadcast, start=8.0, end=13.5,
                        added_by=staff["lead"])
    url = reverse("review_ui:incident_detail", args=[incident.pk])
    assert _client(staff["rev2"]).get(url).status_code == 404  # not assigned
    page = _client(staff["lead"]).get(url).content.decode()
    assert correction.text in page and "correction-unverified" in page


def test_a_reviewer_corrects_another_verifies_and_every_page_says_so(staff,
                                                                     broadcast) -> None:
    rev, rev2 = _client(staff["rev"]), _client(staff["rev2"])
    get_backend().index_transcript(broadcast.transcripts.get().pk)
    assert _correct(rev, broadcast, 2, 3, "أنا أماني وأتبرأ من أخي الطبيب").status_code == 302
    first = Correction.objects.get()
    # a second version replaces the first; a stale form (replaces the old one) is refused
    assert _correct(rev2, broadcast, 2, 3, "أنا أماني ولا أتبرأ من أخي الطبيب",
                    replaces=first.pk).status_code == 302
    second = Correction.objects.latest("id")
    assert second.supersedes_id == first.pk
    _correct(rev, broadcast, 2, 3, "نص ثالث", replaces=first.pk)
    assert Correction.objects.count() == 2
    assert list(Segment.objects.order_by("number").values_list("text", flat=True))[2] == \
        "أنا أماني وأتبرأ من أخي"  # the machine's text is never overwritten
    assert rev.post(reverse("review_ui:verify_correction", args=[second.pk])).status_code == 302
    second.refresh_from_db()
    assert second.verified_by == staff["rev"]

    page = rev2.get(reverse("review_ui:broadcast_detail", args=[broadcast.pk])).content.decode()
    assert "correction-verified" in page and "in-verified" in page
    assert "<ins>ولا أتبرأ</ins>" in page or "<ins>ولا" in page
    history = rev2.get(reverse("review_ui:correction_history", args=[second.pk])).content
    history = history.decode()
    assert history.count('<li class="version') == 2 and "rev-a" in history and "rev-b" in history

    hits = rev2.get(reverse("review_ui:search"), {"q": "الطبيب"}).content.decode()
    assert 'data-matched="verified"' in hits
    only = rev2.get(reverse("review_ui:search"), {"q": "الطبيب", "verified": "on"})
    assert 'data-matched="verified"' in only.content.decode()
    machine = rev2.get(reverse("review_ui:search"), {"q": "دمشق", "verified": "on"})
    assert "data-matched=" not in machine.content.decode()

    incident = Incident.objects.create(title="ظهور", proposed_by=staff["rev"],
                                       last_edited_by=staff["rev"])
    Clip.objects.create(incident=incident, broadcast=broadcast, start=8.0, end=20.0,
                        added_by=staff["rev"])
    page = rev2.get(reverse("review_ui:incident_detail", args=[incident.pk])).content.decode()
    assert "correction-verified" in page and "أنا أماني ولا أتبرأ من أخي الطبيب" in page


def test_translations_are_added_and_verified_by_another(staff, broadcast) -> None:
    correction = cor.correct(broadcast, 2, 2, "أنا أماني", by=staff["rev"])
    rev, rev2 = _client(staff["rev"]), _client(staff["rev2"])
    assert rev.post(reverse("review_ui:translate_correction", args=[correction.pk]),
                    {"language": "en", "text": "I am Amani"}).status_code == 302
    translation = correction.translations.get()
    detail = reverse("review_ui:broadcast_detail", args=[broadcast.pk])
    assert "verify-translation" not in rev.get(detail).content.decode()  # its author
    assert "verify-translation" in rev2.get(detail).content.decode()
    assert rev.post(reverse("review_ui:verify_translation",
                            args=[translation.pk])).status_code == 403
    assert rev2.post(reverse("review_ui:verify_translation",
                             args=[translation.pk])).status_code == 302
    translation.refresh_from_db()
    assert translation.verified_by == staff["rev2"]
    page = rev.get(reverse("review_ui:broadcast_detail", args=[broadcast.pk])).content.decode()
    assert "I am Amani" in page and "translation-verified" in page


def test_a_correction_is_kept_when_search_is_down_and_the_page_says_so(
        staff, broadcast, settings, monkeypatch) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on: a real refused connection
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setitem(settings.CONFIG.values, "search.backend", "elasticsearch")
    monkeypatch.setitem(settings.CONFIG.values, "search.elasticsearch_url",
                        f"http://127.0.0.1:{port}")
    rev = _client(staff["rev"])
    response = _correct(rev, broadcast, 2, 2, "أنا أماني بلور")
    assert response.status_code == 302
    assert Correction.objects.get().text == "أنا أماني بلور"
    page = rev.get(response["Location"]).content.decode()
    assert "raqib reindex" in page
