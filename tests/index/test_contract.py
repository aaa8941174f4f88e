"""One contract for every search backend: the same catalog, the same queries, the same hits.

Tantivy (the embedded backend) always runs; Elasticsearch runs when ELASTICSEARCH_URL points
at a server (each run uses its own throw-away alias and index)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest

from index.base import QueryError, SearchBackend
from index.registry import BACKENDS

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")

SEGMENTS = {
    # key: (outlet, aired day, text)
    "amani": ("Al-Ikhbariya", 20, "أَمَانِي السورية تتحدث عن الشهادة"),
    "disown": ("Al-Ikhbariya", 20, "أتبرأ من ابني أمام الجميع"),
    "school": ("Al-Ikhbariya", 20, "مدرسة القرية مغلقة"),
    "hospital": ("Al-Ikhbariya", 21, "مستشفى المدينة U.S.A."),
    "news21": ("Al-Ikhbariya", 21, "نشرة الأخبار"),
    "notice": ("Sama", 22, "إعلان رسمي"),
    "court": ("Sama", 22, "الشهادة أمام المحكمة"),
    "news22": ("Sama", 22, "نشرة الأخبار"),
}


CONTRACT_BACKENDS = ["tantivy", "elasticsearch"]


def test_every_registered_backend_runs_the_contract() -> None:
    # A backend added to index.registry must be added to the fixture below (with how to
    # build it for a test), or this fails: no backend ships without the contract suite.
    assert BACKENDS.names() == CONTRACT_BACKENDS
    for _name, cls in BACKENDS.classes():
        assert issubclass(cls, SearchBackend)


@pytest.fixture(params=CONTRACT_BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path):
    if request.param == "tantivy":
        from index.tantivy_backend import TantivyBackend

        yield TantivyBackend(tmp_path / "search")
        return
    if not ES_URL:
        pytest.skip("ELASTICSEARCH_URL not set: Elasticsearch cannot run on this machine")
    from index.elasticsearch_backend import ElasticsearchBackend

    es = ElasticsearchBackend(ES_URL, f"raqib-test-{uuid.uuid4().hex[:8]}", refresh=True)
    yield es
    es.client.indices.delete(index=es.index_name, ignore_unavailable=True)


@pytest.fixture
def catalog(backend):
    """Two outlets, one broadcast per air day, one transcript each; all indexed."""
    from catalog.models import Broadcast, Outlet, Segment, Source, Transcript

    backend.clear()
    transcripts: dict[int, object] = {}
    ids: dict[str, int] = {}
    for number, (key, (outlet_name, day, text)) in enumerate(SEGMENTS.items()):
        outlet, _ = Outlet.objects.get_or_create(name=outlet_name)
        source, _ = Source.objects.get_or_create(name=f"src-{outlet.id}",
                                                 defaults={"outlet": outlet, "kind": "html"})
        if day not in transcripts:
            broadcast = Broadcast.objects.create(
                source=source, outlet=outlet, external_id=f"b{day}",
                url=f"https://example.org/{day}", title=f"day {day}",
                aired_at=datetime(2021, 4, day, 18, tzinfo=UTC))
            transcripts[day] = Transcript.objects.create(broadcast=broadcast, engine="test",
                                                         model_id="test")
        seg = Segment.objects.create(transcript=transcripts[day], number=number,
                                     start=10.0 * number, end=10.0 * number + 4.5, text=text)
        ids[key] = seg.id
    for transcript in transcripts.values():
        backend.index_transcript(transcript.id)
    return {"segments": ids, "transcripts": transcripts}


def found(backend, query: str, **kwargs) -> set[int]:
    return {hit.segment_id for hit in backend.search(query, **kwargs)}


def expect(catalog, *keys: str) -> set[int]:
    return {catalog["segments"][k] for k in keys}


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("query", "keys"), [
    ("أماني", ["amani"]),
    ("أَمَانِي", ["amani"]),  # diacritics in the query
    ("اماني", ["amani"]),  # bare alef
    ("امانى", ["amani"]),  # alef maksura for yeh
    ("اعلان", ["notice"]),  # hamza below dropped
    ("أعلان", ["notice"]),
    ("مدرسه", ["school"]),  # heh for teh marbuta
    ("مستشفي", ["hospital"]),  # yeh for alef maksura
    ("الشهادة", ["amani", "court"]),
    ("شهادة المحكمة", ["court"]),  # words are ANDed
    ('"أتبرأ من ابني"', ["disown"]),  # phrase across a stop word
    ('"ابني أتبرأ"', []),  # order matters in a phrase
    ("مدرسة OR مستشفى", ["school", "hospital"]),
    ("الشهادة -أماني", ["court"]),
    ('الشهادة -"أمام المحكمة"', ["amani"]),
    ("شها*", ["amani", "court"]),  # prefix on the stemmed terms
    ("outlet:Sama الشهادة", ["court"]),
    ('outlet:"al-ikhbariya" الشهادة', ["amani"]),  # outlet names are case-insensitive
    ("lang:ar مستشفى", ["hospital"]),
    ("lang:en مستشفى", []),
    ("غائب", []),
    ("u.s.a", ["hospital"]),  # a term with inner dots stays one term
    ("usa", []),
])
def test_queries(backend, catalog, query: str, keys: list[str]) -> None:
    assert found(backend, query) == expect(catalog, *keys)


def test_hit_carries_the_original_text_and_its_broadcast(backend, catalog) -> None:
    (hit,) = backend.search("أماني")
    assert hit.text == "أَمَانِي السورية تتحدث عن الشهادة"
    assert (hit.outlet, hit.title, hit.url) == ("Al-Ikhbariya", "day 20",
                                                "https://example.org/20")
    assert (hit.start, hit.end) == (0.0, 4.5)
    assert hit.aired_at == datetime(2021, 4, 20, 18, tzinfo=UTC)
    assert hit.transcript_id == catalog["transcripts"][20].id
    assert hit.broadcast_id == catalog["transcripts"][20].broadcast_id
    assert hit.to_json()["aired_at"].startswith("2021-04-20T18:00")


def test_equal_scores_put_the_newest_broadcast_first(backend, catalog) -> None:
    hits = backend.search("نشرة")
    assert [h.segment_id for h in hits] == [catalog["segments"]["news22"],
                                            catalog["segments"]["news21"]]
    assert hits[0].score == pytest.approx(hits[1].score)


def test_outlet_argument_filters(backend, catalog) -> None:
    assert found(backend, "الشهادة", outlet="Sama") == expect(catalog, "court")
    assert found(backend, "إعلان", outlet="Al-Ikhbariya") == set()
    assert found(backend, "outlet:Sama الشهادة", outlet="Al-Ikhbariya") == set()


def test_limit_and_offset_page_through_hits(backend, catalog) -> None:
    first = backend.search("الشهادة", limit=1)
    second = backend.search("الشهادة", limit=1, offset=1)
    assert len(first) == len(second) == 1
    assert {first[0].segment_id, second[0].segment_id} == expect(catalog, "amani", "court")


def test_reindexing_twice_leaves_one_copy(backend, catalog) -> None:
    transcript = catalog["transcripts"][20]
    assert backend.index_transcript(transcript.id) == 3
    assert backend.index_transcript(transcript.id) == 3
    assert backend.count_indexed(transcript.id) == 3
    assert [h.segment_id for h in backend.search("أماني")] == [catalog["segments"]["amani"]]


def test_edited_segment_is_found_by_its_new_text_after_reindex(backend, catalog) -> None:
    from catalog.models import Segment

    Segment.objects.filter(pk=catalog["segments"]["school"]).update(text="مدرسة جديدة")
    backend.index_transcript(catalog["transcripts"][20].id)
    assert found(backend, "مغلقة") == set()
    assert found(backend, "جديدة") == expect(catalog, "school")


def test_removed_transcript_is_no_longer_found(backend, catalog) -> None:
    transcript = catalog["transcripts"][22]
    backend.remove_transcript(transcript.id)
    assert backend.count_indexed(transcript.id) == 0
    assert found(backend, "الشهادة") == expect(catalog, "amani")
    assert found(backend, "إعلان") == set()


@pytest.mark.parametrize("query", ['"unbalanced', "OR", "- word", "من في", "-أماني"])
def test_malformed_query_raises_query_error(backend, catalog, query: str) -> None:
    with pytest.raises(QueryError):
        backend.search(query)


# -- search_page: filters, facets, sort, paging, highlights, tags, cross-segment phrases ----

def page_of(backend, query: str, **kwargs):
    from index.base import SearchRequest

    return backend.search_page(SearchRequest(query, **kwargs))


def test_phrase_across_two_segments_hits_the_first_one(backend, catalog) -> None:
    (hit,) = page_of(backend, '"عن الشهادة أتبرأ من ابني"').hits
    assert hit.segment_id == catalog["segments"]["amani"]
    assert hit.play_from == hit.start == 0.0
    assert [s.text for s in hit.highlight if s.match] == ["الشهادة"]
    assert found(backend, '"الجميع مدرسة"') == expect(catalog, "disown")
    # wholly inside the next segment: only that segment, not the one before it
    assert found(backend, '"أتبرأ من ابني"') == expect(catalog, "disown")
    assert found(backend, '"الشهادة أتبرأ" -تتحدث') == set()
    assert found(backend, '"الشهادة أتبرأ" مدرسة') == set()  # other words: same segment


def test_highlight_marks_variant_spellings_in_the_original_text(backend, catalog) -> None:
    (hit,) = page_of(backend, "امانى شهاده").hits
    assert "".join(s.text for s in hit.highlight) == hit.text
    assert [s.text for s in hit.highlight if s.match] == ["أَمَانِي", "الشهادة"]
    assert hit.to_json()["highlight"][0] == ["أَمَانِي", True]


def test_facets_count_all_matches_not_just_the_page(backend, catalog) -> None:
    page = page_of(backend, "الشهادة OR نشرة", page_size=1)
    assert page.total == 4 and len(page.hits) == 1 and page.pages == 4
    assert page.facets["outlet"] == [("Al-Ikhbariya", 2), ("Sama", 2)]
    assert page.facets["language"] == [("ar", 4)]
    assert page.facets["month"] == [("2021-04", 4)]
    assert page.facets["tag"] == []


def test_sort_by_air_date_and_pages_are_disjoint(backend, catalog) -> None:
    query = "الشهادة OR نشرة OR مدرسة"
    oldest = page_of(backend, query, sort="aired_at", page_size=2)
    newest = page_of(backend, query, sort="-aired_at", page_size=2)
    rest = page_of(backend, query, sort="aired_at", page_size=2, page=2)
    days = [h.aired_at.day for h in oldest.hits + rest.hits]
    assert days == sorted(days) and oldest.total == rest.total == 5
    assert [h.segment_id for h in oldest.hits] == sorted(expect(catalog, "amani", "school"))
    assert newest.hits[0].aired_at.day == 22
    assert not {h.segment_id for h in oldest.hits} & {h.segment_id for h in rest.hits}
    assert page_of(backend, query, page=9).hits == []


def test_date_language_and_outlet_filters(backend, catalog) -> None:
    from datetime import date

    assert {h.segment_id for h in page_of(backend, "الشهادة OR نشرة",
                                          aired_from=date(2021, 4, 21)).hits} == \
        expect(catalog, "news21", "court", "news22")
    assert {h.segment_id for h in page_of(backend, "الشهادة OR نشرة", aired_from=date(
        2021, 4, 21), aired_to=date(2021, 4, 21)).hits} == expect(catalog, "news21")
    assert page_of(backend, "الشهادة", language="en").total == 0
    assert page_of(backend, "الشهادة", outlet="sama").total == 1
    transcript = catalog["transcripts"][22]
    assert {h.segment_id for h in page_of(backend, "نشرة", transcript_id=transcript.id).hits} \
        == expect(catalog, "news22")


def test_tags_filter_facet_and_follow_changes(backend, catalog) -> None:
    from catalog.models import Tag, Tagging

    broadcast = catalog["transcripts"][22].broadcast
    tag = Tag.objects.create(name="confession")
    tagging = Tagging.objects.create(tag=tag, broadcast=broadcast)
    backend.update_tags(broadcast.id)
    assert found(backend, "الشهادة tag:confession") == expect(catalog, "court")
    assert found(backend, "الشهادة tag:Confession") == expect(catalog, "court")
    page = page_of(backend, "الشهادة", tags=("confession",))
    assert [h.tags for h in page.hits] == [["confession"]]
    assert page_of(backend, "الشهادة").facets["tag"] == [("confession", 1)]
    tagging.delete()
    backend.update_tags(broadcast.id)
    assert found(backend, "الشهادة tag:confession") == set()


def test_indexed_transcripts_lists_counts_and_orphans(backend, catalog) -> None:
    counts = backend.indexed_transcripts()
    assert counts == {t.id: backend.count_indexed(t.id) for t in catalog["transcripts"].values()}
    assert sorted(counts.values()) == [2, 3, 3]


def test_alias_switches_to_a_rebuilt_index_when_the_mapping_changes(backend, catalog,
                                                                    monkeypatch) -> None:
    if backend.name != "elasticsearch":
        pytest.skip("the versioned index behind an alias is Elasticsearch's")
    import index.elasticsearch_backend as es_module

    old_index = backend.index_name
    definition = es_module.index_definition()
    definition["mappings"]["properties"]["spare"] = {"type": "keyword"}
    monkeypatch.setattr(es_module, "index_definition", lambda: definition)
    rebuilt = es_module.ElasticsearchBackend(backend.safe_url, backend.alias, refresh=True)
    rebuilt.ensure_index()
    assert rebuilt.index_name != old_index
    assert list(rebuilt.client.indices.get_alias(name=backend.alias).body) == [rebuilt.index_name]
    assert not rebuilt.client.indices.exists(index=old_index)
    assert found(rebuilt, "الشهادة") == expect(catalog, "amani", "court")
    backend.client.indices.delete(index=rebuilt.index_name, ignore_unavailable=True)


# -- fuzzy words: a name Whisper misheard by a letter is still found (issue 27) ------------

@pytest.fixture
def named(backend, catalog):
    """A broadcast on day 23 that names «أماني بلور»; its segment id."""
    from catalog.models import Broadcast, Segment, Source, Transcript

    source = Source.objects.first()
    broadcast = Broadcast.objects.create(
        source=source, outlet=source.outlet, external_id="b23", url="https://example.org/23",
        title="day 23", aired_at=datetime(2021, 4, 23, 18, tzinfo=UTC))
    transcript = Transcript.objects.create(broadcast=broadcast, engine="test", model_id="test")
    segment = Segment.objects.create(transcript=transcript, number=0, start=0.0, end=4.0,
                                     text="قالت أماني بلور إنها بخير")
    backend.index_transcript(transcript.id)
    return segment.id


@pytest.mark.parametrize(("query", "hit"), [
    ("بلوز", False),  # one letter off: an exact word misses it
    ("بلوز~", True),
    ("بلوز~1", True),
    ("امانى~", True),
    ("امانى~ بلوز~", True),
    ("بولر~", True),  # two neighbours swapped: one edit
    ("بلززز~", False),  # two edits but only 1 allowed for a 5-letter word
    ("قالت -بلوز~", False),
])
def test_fuzzy_word_finds_a_misheard_name(backend, named, query: str, hit: bool) -> None:
    assert (named in found(backend, query)) is hit


def test_fuzzy_hit_highlights_the_word_it_matched_and_a_watchlist_agrees(backend,
                                                                          named) -> None:
    from index.query import parse
    from index.watch_match import SegmentDoc, matches

    (hit,) = page_of(backend, "بلوز~").hits
    assert [s.text for s in hit.highlight if s.match] == ["بلور"]
    doc = SegmentDoc.from_text(hit.text)
    for query in ("بلوز~", "امانى~ بلوز~", "بلوز", "بلززز~", "قالت -بلوز~"):
        assert matches(parse(query), doc) is (named in found(backend, query)), query


@pytest.mark.parametrize("query", ["اب~", "بلوز~3", '"أماني بلور"~'])
def test_bad_fuzzy_word_is_a_query_error(backend, catalog, query: str) -> None:
    with pytest.raises(QueryError):
        backend.search(query)


def _correct(catalog, key: str, text: str, *, verified: bool) -> object:
    """A correction of one segment, written as ``review.corrections`` leaves it."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.models import Correction, Segment

    user, _ = get_user_model().objects.get_or_create(username="corrector")
    seg = Segment.objects.select_related("transcript").get(pk=catalog["segments"][key])
    current = Correction.objects.filter(transcript=seg.transcript, first_number=seg.number,
                                        superseded_by__isnull=True).first()
    return Correction.objects.create(
        broadcast_id=seg.transcript.broadcast_id, transcript=seg.transcript,
        first_number=seg.number, last_number=seg.number, start=seg.start, end=seg.end,
        machine_text=seg.text, text=text, author=user, supersedes=current,
        verified_by=user if verified else None,
        verified_at=timezone.now() if verified else None)


def test_corrected_and_verified_text_is_found_and_each_hit_says_which(backend,
                                                                      catalog) -> None:
    school = catalog["segments"]["school"]
    _correct(catalog, "school", "مدرسة القرية مغلقة منذ اعتقال المعلم", verified=True)
    _correct(catalog, "school", "مدرسة القرية مغلقة منذ اعتقال المعلم خالد", verified=False)
    _correct(catalog, "news21", "موجز عن المعتقلين", verified=False)
    for transcript in catalog["transcripts"].values():
        backend.index_transcript(transcript.id)
    hits = {h.segment_id: h for h in page_of(backend, "المعلم").hits}
    assert set(hits) == {school} and hits[school].matched == "verified"
    assert [s.text for s in hits[school].highlight if s.match] == ["المعلم"]
    (latest,) = page_of(backend, "خالد").hits  # only in the newest, unverified version
    assert (latest.segment_id, latest.matched, latest.verified) == (school, "corrected", True)
    assert found(backend, "خالد verified:yes") == set()
    assert found(backend, "المعلم verified:yes") == {school}
    assert {h.matched for h in page_of(backend, "المعتقلين").hits} == {"corrected"}
    assert found(backend, "المعتقلين verified:yes") == set()
    # the machine's words still find the machine's segments; never as verified text
    assert {h.matched for h in page_of(backend, "مدرسة").hits} == {"verified"}
    assert found(backend, "مستشفى verified:yes") == set()
    assert [h.matched for h in page_of(backend, "مستشفى").hits] == ["machine"]
    # words split between the machine's and the corrected text do not match together
    assert found(backend, "نشرة المعتقلين") == set()
    assert found(backend, "نشرة") == {catalog["segments"]["news21"],
                                      catalog["segments"]["news22"]}
