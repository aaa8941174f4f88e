"""Words the machine was unsure of are marked on the broadcast page, and the
needs-listening page lists the unsure ranges, most unsure first (issue 27)."""

from __future__ import annotations

from types import SimpleNamespace

from django.test import Client
from ui_helpers import make_broadcast

from catalog.models import Segment
from review.listening import needs_listening, segment_words


def _w(word: str, p: float, at: float = 0.0) -> dict:
    return {"start": at, "end": at + 0.4, "word": word, "p": p}


def _seg(number: int, words: list[dict] | None, text: str = "", avg_logprob: float | None = None,
         start: float | None = None) -> SimpleNamespace:
    start = float(number * 5) if start is None else start
    return SimpleNamespace(number=number, start=start, end=start + 4.0, words=words,
                           text=text or " ".join(w["word"] for w in words or []),
                           avg_logprob=avg_logprob)


def test_words_below_the_threshold_are_unsure() -> None:
    words = segment_words([_w("أماني", 0.31), _w("بلوز", 0.92)], "أماني بلوز", 0.5)
    assert [(w.text, w.unsure) for w in words] == [("أماني", True), ("بلوز", False)]
    assert [w.unsure for w in segment_words([_w("أماني", 0.31)], "", 0.3)] == [False]
    # no word timings: the text as one unmarked word
    assert [(w.text, w.unsure) for w in segment_words(None, "نص كامل", 0.5)] == [
        ("نص كامل", False)]


def test_ranges_join_neighbours_and_come_most_unsure_first() -> None:
    segments = [
        _seg(0, [_w("سليم", 0.95), _w("واضح", 0.9)]),
        _seg(1, [_w("مازن", 0.45), _w("حمادة", 0.9)]),  # joins with 2
        _seg(2, [_w("دمشق", 0.6), _w("اليوم", 0.4)]),
        _seg(3, [_w("كلام", 0.99)]),
        _seg(4, [_w("بلوز", 0.1), _w("الطبيبة", 0.3)]),  # the least sure: first
        _seg(5, None, "بلا كلمات", avg_logprob=-1.5),  # exp(-1.5) = 0.22 < 0.5
    ]
    ranges = needs_listening(segments, 0.5)
    assert [(r.first_segment, r.last_segment) for r in ranges] == [(4, 5), (1, 2)]
    first, second = ranges
    assert first.unsure == ["بلوز", "الطبيبة"] and first.unsure_words == 3
    assert first.sureness < second.sureness
    assert (second.start, second.end) == (5.0, 14.0)
    assert second.sureness == (0.45 + 0.9 + 0.6 + 0.4) / 4
    assert second.unsure == ["مازن", "اليوم"]
    assert needs_listening(segments, 0.05) == []
    assert len(needs_listening(segments, 0.5, limit=1)) == 1


def _broadcast_with_words():
    broadcast = make_broadcast(segments=[(0.0, 4.0, "ابنتي أماني"), (5.0, 9.0, "هذا واضح")])
    transcript = broadcast.transcripts.get()
    Segment.objects.filter(transcript=transcript, number=0).update(
        words=[_w("ابنتي", 0.97), _w("<b>أماني\u202e</b>", 0.21)])
    Segment.objects.filter(transcript=transcript, number=1).update(
        words=[_w("هذا", 0.99), _w("واضح", 0.88)])
    return broadcast


def test_broadcast_page_marks_unsure_words_escaped(viewer_client: Client, db) -> None:
    broadcast = _broadcast_with_words()
    html = viewer_client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert html.count('class="low-confidence"') == 1
    assert ('<span class="low-confidence" title="لم تكن الآلة متأكدة من هذه الكلمة '
            '(21% تأكد)" data-p="0.21">&lt;b&gt;أماني\ufffd&lt;/b&gt;</span>') in html
    assert "<b>أماني" not in html and "\u202e" not in html
    assert f'/broadcasts/{broadcast.pk}/listen/?transcript=' in html
    viewer_client.post("/language/", {"language": "en", "next": "/dashboard/"})
    english = viewer_client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert 'title="The machine was unsure of this word (21% sure)"' in english


def test_the_threshold_is_the_setting(viewer_client: Client, db, settings,
                                      monkeypatch) -> None:
    broadcast = _broadcast_with_words()
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.low_confidence", 0.9)
    html = viewer_client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert html.count('class="low-confidence"') == 2  # أماني (0.21) and واضح (0.88)
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.low_confidence", 0.1)
    html = viewer_client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert 'class="low-confidence"' not in html


def test_needs_listening_page_lists_unsure_ranges(viewer_client: Client, db) -> None:
    broadcast = _broadcast_with_words()
    response = viewer_client.get(f"/broadcasts/{broadcast.pk}/listen/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="listening-range"') == 1
    assert 'data-start="0"' in html and "&lt;b&gt;أماني" in html
    assert f'href="/broadcasts/{broadcast.pk}/?t=0&amp;transcript=' in html
    assert viewer_client.get("/broadcasts/99999/listen/").status_code == 404
    sure = make_broadcast(segments=[(0.0, 2.0, "نص")])
    html = viewer_client.get(f"/broadcasts/{sure.pk}/listen/").content.decode()
    assert "listening-range" not in html and "كانت الآلة متأكدة من كل كلمة" in html
