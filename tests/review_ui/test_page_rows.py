"""Issue 26: the broadcast viewer's transcript lines, now written in Python
(``views.broadcasts.segment_rows``), are the characters the template loop wrote.

The template fragment it replaced is kept here verbatim and rendered beside the new code
for lines reaching every branch: the current line, unsure words (a title with a number in
the page's language, Arabic-Indic digits on), hostile text (markup, quotes, bidi
controls), a line opening a corrected range and lines inside verified and unverified
ranges, with and without the reviewer's checkbox, with and without a transcript, in
Arabic and English. ``template_value`` is also checked against ``{{ }}`` directly.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from catalog.models import Segment
from review_ui.templatetags.raqib_ui import template_value
from review_ui.views.broadcasts import low_confidence, segment_rows

OLD_LOOP = Template(
    "{% load i18n raqib_ui %}"
    "{% for row in segment_rows %}{% with seg=row.segment %}\n"
    '      <li class="segment{% if seg.pk == current_segment %} current{% endif %}'
    "{% if row.inside %} in-corrected{% if row.inside.correction.verified or "
    'row.inside.verified %} in-verified{% endif %}{% endif %}" id="s{{ seg.number }}" '
    'data-number="{{ seg.number }}" data-start="{{ seg.start|seconds_param }}" '
    'data-end="{{ seg.end|seconds_param }}">\n'
    '        {% if can_tag %}<input type="checkbox" class="select-line" name="seg" '
    'value="{{ seg.number }}" form="incident-from-lines" aria-label="{% blocktranslate '
    'with number=seg.number %}select line {{ number }}{% endblocktranslate %}">'
    "{% endif %}\n"
    '        <a class="seek" href="?t={{ seg.start|seconds_param }}{% if transcript %}'
    '&amp;transcript={{ transcript.pk }}{% endif %}" data-start="{{ seg.start|seconds_param }}'
    '" data-end="{{ seg.end|seconds_param }}"{% if seg.pk == current_segment %} '
    'aria-current="true"{% endif %}>\n'
    '          <span class="timecode" dir="ltr">{{ seg.start|timecode }}</span>\n'
    '          <span class="text" dir="auto">{{ seg|marked_text:low_confidence }}</span>\n'
    "        </a>|{% endwith %}{% endfor %}")

HOSTILE = 'a<b>"c" & \'d\' \u202eevil\u202c قناة'


def _segments() -> list[Segment]:
    words = [{"word": "واضح", "p": 0.99}, {"word": "<غامض>", "p": 0.12},
             {"word": HOSTILE, "p": 0.5}, {"word": "x", "p": None}]
    return [Segment(pk=10 + n, number=n, start=n * 7.25 + 3590, end=n * 7.25 + 3597.5,
                    text=HOSTILE if n % 2 else f"سطر {n}",
                    words=words if n in (1, 4) else None) for n in range(7)]


def _ranges() -> tuple[dict[int, Any], dict[int, Any]]:
    unverified = {"correction": SimpleNamespace(verified=False, first_number=1),
                  "verified": None}
    verified_later = {"correction": SimpleNamespace(verified=False, first_number=4),
                      "verified": SimpleNamespace(pk=3)}
    verified = {"correction": SimpleNamespace(verified=True, first_number=6),
                "verified": None}
    inside = {1: unverified, 2: unverified, 4: verified_later, 5: verified_later, 6: verified}
    return {1: unverified, 4: verified_later, 6: verified}, inside


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("can_tag", [True, False])
@pytest.mark.parametrize("transcript", [SimpleNamespace(pk=12345), None])
def test_segment_rows_write_what_the_template_wrote(language: str, can_tag: bool,
                                                   transcript: Any, settings: Any) -> None:
    settings.RAQIB_ARABIC_DIGITS = True
    segments = _segments()
    starts, inside = _ranges()
    with translation.override(language):
        rows = segment_rows(segments, starts, inside, current=12, can_tag=can_tag,
                            transcript=transcript)
        expected = OLD_LOOP.render(Context({
            "segment_rows": [{"segment": s, "starts": starts.get(s.number),
                              "inside": inside.get(s.number)} for s in segments],
            "current_segment": 12, "can_tag": can_tag, "transcript": transcript,
            "low_confidence": low_confidence()}))
    got = "".join(f"\n      {row['html']}|" for row in rows)
    assert got == expected
    assert [r["starts"] for r in rows] == [starts.get(s.number) for s in segments]
    assert "low-confidence" in got and "\u202e" not in got and "<غامض>" not in got


@pytest.mark.parametrize("value", [12, 1234567, 3.5, "a<b>&\"'", None, True,
                                   SimpleNamespace(__str__=lambda self: "<x>")])
def test_template_value_is_what_a_variable_writes(value: Any, settings: Any) -> None:
    settings.RAQIB_ARABIC_DIGITS = True
    for language in ("ar", "en"):
        with translation.override(language):
            assert template_value(value) == Template("{{ v }}").render(Context({"v": value}))


OLD_HIT_LOOP = Template(
    "{% load i18n raqib_ui %}{% for row in rows %}\n"
    '      <li class="hit">\n'
    '        <a class="hit-link" href="{{ row.href }}">\n'
    '          <span class="timecode" dir="ltr">{{ row.hit.play_from|timecode }}</span>\n'
    '          <span class="text" dir="auto">{{ row.text_html }}</span>\n'
    "        </a>\n"
    '        <span data-matched="{{ row.hit.matched }}"{% if row.hit.verified %} '
    'data-in-verified="yes"{% endif %} class="hit-matched badge{% if row.hit.matched == '
    '"verified" %} badge-verified{% elif row.hit.matched == "corrected" %} badge-corrected'
    '{% endif %}">{% if row.hit.matched == "verified" %}{% translate "verified text" %}'
    '{% elif row.hit.matched == "corrected" %}{% translate "corrected text, not yet '
    'verified" %}{% else %}{% translate "machine text" %}{% if row.hit.verified %} · '
    '{% translate "in a verified range" %}{% endif %}{% endif %}</span>\n'
    '        {% if row.incident_href %}<a class="open-incident" href="{{ row.incident_href }}">'
    '{% translate "Open incident" %}</a>{% endif %}\n'
    "      </li>\n"
    "    {% endfor %}")


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("can_propose", [True, False])
def test_hit_rows_write_what_the_template_wrote(language: str, can_propose: bool,
                                                settings: Any) -> None:
    from index.base import Hit, Span
    from review_ui.views.search import hit_rows

    settings.RAQIB_ARABIC_DIGITS = True
    hits = []
    for n, (matched, verified) in enumerate([("machine", False), ("machine", True),
                                             ("corrected", False), ("corrected", True),
                                             ("verified", True), ("other", False)]):
        hits.append(Hit(segment_id=n, transcript_id=1, broadcast_id=7 + n % 2,
                        url="https://example.org/a?b=1&c=<2>" if n % 2 else "javascript:x",
                        outlet=HOSTILE, title=HOSTILE, aired_at=None, start=3599.5 + n,
                        end=3610.25 + n, text=HOSTILE, play_from=3599.5 + n,
                        highlight=[Span("قال ", False), Span(HOSTILE, True)] if n % 3 else [],
                        matched=matched, verified=verified))
    with translation.override(language):
        rows = hit_rows(hits, can_propose)
        expected = OLD_HIT_LOOP.render(Context({"rows": rows}))
    got = "".join(f"\n      {row['html']}\n    " for row in rows)
    assert got == expected
    assert "\u202e" not in got and "<b>" not in got and ("open-incident" in got) == can_propose


OLD_FACET_LOOP = Template(
    "{% load i18n raqib_ui %}{% for group in facets %}{% for item in group.items %}\n"
    '      <li><a class="facet-link" href="?{{ item.query }}"><bdi>{% if group.name == '
    '"language" %}{{ item.value|shown:"language" }}{% elif group.name == "month" %}'
    "{{ item.value|shown_month }}{% else %}{{ item.value|bidi_safe }}{% endif %}</bdi></a> "
    '<span class="facet-count" dir="ltr">({{ item.count }})</span></li>\n'
    "    {% endfor %}{% endfor %}")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_facet_items_write_what_the_template_wrote(language: str, settings: Any) -> None:
    from django.http import QueryDict

    from review_ui.views.search import facet_links

    settings.RAQIB_ARABIC_DIGITS = True
    page = SimpleNamespace(facets={
        "outlet": [(HOSTILE, 1234567), ("قناة", 3)], "language": [("ar", 12), ("xx<", 1)],
        "month": [("2026-01", 9), ("bad<", 2)], "tag": [("t&g", 0)]})
    with translation.override(language):
        facets = facet_links(page, QueryDict("q=%3Cx%3E&outlet=a%26b"))
        expected = OLD_FACET_LOOP.render(Context({"facets": facets}))
    got = "".join(f"\n      {item['html']}\n    " for g in facets for item in g["items"])
    assert got == expected and "\u202e" not in got


OLD_GROUP_HEAD = Template(
    "{% load i18n raqib_ui %}{% for group in groups %}{% with hit=group.hit %}\n"
    '  <li class="hit-group" data-broadcast="{{ hit.broadcast_id }}">\n'
    '    <div class="hit-meta">\n'
    '      <span class="outlet"><bdi>{{ hit.outlet|bidi_safe }}</bdi></span>\n'
    '      <span class="title"><bdi>{{ hit.title|bidi_safe }}</bdi></span>\n'
    "      {% if hit.aired_at or hit.aired_date %}{% include \"review_ui/_aired.html\" with "
    "air=hit %}{% endif %}\n"
    '      {% for tag in hit.tags %}<span class="tag"><bdi>{{ tag }}</bdi></span>{% endfor %}\n'
    '      <span class="group-count">{% blocktranslate count counter=group.count %}'
    "{{ counter }} hit on this page{% plural %}{{ counter }} hits on this page"
    "{% endblocktranslate %}</span>\n"
    '      {% if group.rows.0.original %}<a class="original" href="{{ group.rows.0.original }}"'
    ' rel="noopener noreferrer" dir="ltr">{% translate "Original page" %}</a>{% endif %}\n'
    "    </div>|{% endwith %}{% endfor %}")


@pytest.mark.parametrize("language", ["ar", "en"])
def test_group_heads_write_what_the_template_wrote(language: str, settings: Any) -> None:
    import datetime as dt

    from index.base import Hit
    from review_ui.views.search import hit_groups, hit_rows

    settings.RAQIB_ARABIC_DIGITS = True
    aired = [{"aired_at": dt.datetime(2026, 3, 4, 18, 30, 5, tzinfo=dt.UTC),
              "aired_precision": "second", "aired_tz": "Asia/Damascus"},
             {"aired_at": dt.datetime(2026, 3, 4, 18, 30, tzinfo=dt.UTC),
              "aired_precision": "minute", "aired_tz": ""},
             {"aired_at": None, "aired_date": dt.date(2025, 12, 31), "aired_precision": "day"},
             {"aired_at": None, "aired_at_raw": "أمس <مساءً> \u202e"},
             {"aired_at": None},
             {"aired_at": dt.datetime(2026, 3, 4, 18, 30, tzinfo=dt.UTC)}]
    hits = [Hit(segment_id=n, transcript_id=1, broadcast_id=100 if n < 2 else 100 + n,
                url="https://example.org/?a=1&b=<2>" if n % 3 else "", outlet=HOSTILE,
                title=HOSTILE, start=n, end=n + 1, text="x",
                tags=["t<1>", HOSTILE] if n % 2 else [], **aired[n % len(aired)])
            for n in range(9)]
    with translation.override(language):
        groups = hit_groups(hit_rows(hits, True))
        expected = OLD_GROUP_HEAD.render(Context({"groups": groups}))
    got = "".join(f"\n  {g['head_html']}|" for g in groups)
    assert got == expected
    assert got.count("<time") == 6  # seconds, minutes, days, an unknown precision


def test_transcript_segments_read_what_the_orm_reads(db) -> None:
    """Issue 26: ``catalog.reads.transcript_segments`` (plain SQL) gives the broadcast
    viewer and the incident clips what their ORM queries gave: the same rows in the same
    order, every field with the ORM's value (word probabilities decoded), each segment
    knowing its transcript without another query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from ui_helpers import make_broadcast

    from catalog.reads import transcript_segments

    broadcast = make_broadcast(segments=[(0.0, 4.5, "أنا"), (4.5, 9.0, "أتبرأ <b>"),
                                         (9.0, 12.25, "من"), (30.0, 31.0, "ابني")])
    transcript = broadcast.transcripts.get()
    Segment.objects.filter(transcript=transcript, number=1).update(
        words=[{"word": "أتبرأ", "start": 4.5, "end": 5.0, "probability": 0.31}],
        avg_logprob=-0.7, no_speech_prob=0.01)
    Segment.objects.create(transcript=make_broadcast().transcripts.get(), number=9,
                           start=5.0, end=6.0, text="another transcript's")

    def fields(rows: list[Segment]) -> list[list[Any]]:
        return [[getattr(s, f.attname) for f in Segment._meta.concrete_fields] for s in rows]

    everything = list(transcript.segments.order_by("number"))
    assert fields(transcript_segments(transcript)) == fields(everything)
    assert transcript_segments(transcript)[1].words[0]["probability"] == 0.31
    for start, end, limit in ((4.5, 9.0, 401), (0.0, 60.0, 2), (12.25, 30.0, 401),
                              (9.5, 9.6, 401), (40.0, 50.0, 401)):
        orm = list(transcript.segments.order_by("number")
                   .filter(end__gt=start, start__lt=end)[:limit])
        assert fields(transcript_segments(transcript, start, end, limit)) == fields(orm)
    rows = transcript_segments(transcript)
    with CaptureQueriesContext(connection) as captured:
        assert all(s.transcript is transcript for s in rows)
    assert not captured.captured_queries


def test_the_search_forms_choices_read_what_the_orm_reads(db) -> None:
    """Issue 26: the search form's outlet and tag choices (plain statements) are the ORM's
    rows, in the same order, hostile and Arabic names included."""
    from catalog.models import Outlet, Tag
    from catalog.reads import outlet_names, tag_labels

    assert outlet_names() == []  # the vocabulary's seeded tags are compared below
    for name in ("الإخبارية السورية", "<b>TV</b>", "Al Mayadeen", "ب", "a'b"):
        Outlet.objects.create(name=name)
    Tag.objects.create(name="issue-26-tag", label_ar="وسم", label_en="Forced")
    Tag.objects.create(name="a-tag")
    Tag.objects.create(name="ز", label_en="<i>z</i>")
    assert outlet_names() == list(Outlet.objects.order_by("name").values_list("name",
                                                                              flat=True))
    assert tag_labels() == list(Tag.objects.order_by("name").values_list(
        "name", "label_ar", "label_en"))


def _with_params_as_before(query: Any, **changes: str) -> str:
    """``common.with_params`` as it was written (a copy of the QueryDict per link)."""
    params = query.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@pytest.mark.parametrize("raw", [
    "", "q=%D9%82%D8%A7%D9%84", "q=a&page=3&outlet=x", "page=2", "tag=a&tag=b&q=x+y&page=9",
    "q=%22%D9%82+%D8%A7%22&outlet=%3Cb%3E%26%27&date_from=2024-01-01&lang=ar",
    "a=1&b=&c=%E2%80%AE&q=%25%2B"])
def test_with_params_writes_what_the_querydict_wrote(raw: str) -> None:
    """Issue 26: the links' query strings (facets, pager, incident list filters) are the
    characters the QueryDict copy wrote: order kept, ``page`` dropped unless changed,
    changed keys replaced in place, new ones last, repeated keys, Arabic, bidi controls."""
    from django.http import QueryDict

    from review_ui.views.common import with_params

    query = QueryDict(raw)
    for changes in ({}, {"page": "2"}, {"outlet": "قناة <b>"}, {"q": "new", "tag": "t"},
                    {"date_from": "2024-02", "date_to": "2024-02"}, {"zz": "1", "page": "4"}):
        assert with_params(query, **changes) == _with_params_as_before(query, **changes)
    assert "page=" not in with_params(QueryDict("page=3&q=x"))
