"""One contract for every search backend: the same catalog, the same queries, the same hits.

SQLite FTS5 always runs; Elasticsearch runs when ELASTICSEARCH_URL points at a server (each
run uses its own throw-away alias and index)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest

from index.base import QueryError

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


@pytest.fixture(params=["sqlite", "elasticsearch"])
def backend(request: pytest.FixtureRequest):
    if request.param == "sqlite":
        from index.sqlite_fts import SqliteFtsBackend

        yield SqliteFtsBackend()
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
    from raqib.models import Broadcast, Outlet, Segment, Source, Transcript

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
    from raqib.models import Segment

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
