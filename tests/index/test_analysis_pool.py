"""A rebuild with its analysis in worker processes (``index.analysis_pool``) indexes exactly
what the one-process rebuild and transcripts indexed one by one (``Document.from_dict``)
do: the same hits, scores, order, counts and facets for words, phrases (across a stop
word, across two segments), prefixes, filters and sorts; and the workers' JSON documents
hold the same field values as the in-process documents."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
import tantivy

import index.tantivy_backend as tantivy_backend
from index.analysis_pool import WorkerPool, segment_docs_json, segment_fields
from index.base import SearchRequest
from index.tantivy_backend import _SCHEMA, TantivyBackend

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = ("أتبرأ", "من", "ابني", "الشهادة", "المحكمة", "أمام", "في", "نشرة", "الأخبار", "©",
         "مدرسة", "القرية", "ومدرسته", "بالمحكمة", "١٢٣", "U.S.A", "ـ", "👍🏽", "عن", "دمشق")


def _catalog(n_broadcasts: int = 30, per: int = 12) -> None:
    from catalog.models import Broadcast, Outlet, Segment, Source, Tag, Tagging, Transcript

    rng = random.Random(26)
    outlets = [Outlet.objects.create(name=name) for name in ("سما", "Al-Ikhbariya")]
    sources = [Source.objects.create(name=f"s{o.pk}", outlet=o, kind="html") for o in outlets]
    tag = Tag.objects.create(name="شهادة")
    for b in range(n_broadcasts):
        k = b % 2
        aired = None if b == 3 else datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=9 * b)
        broadcast = Broadcast.objects.create(
            source=sources[k], outlet=outlets[k], external_id=f"b{b}",
            url=f"https://example.org/{b}", title=f"t{b}", aired_at=aired,
            language="ar" if b % 5 else "en")
        if b % 4 == 0:
            Tagging.objects.create(broadcast=broadcast, tag=tag)
        transcript = Transcript.objects.create(broadcast=broadcast, engine="t", model_id="m")
        Segment.objects.bulk_create(
            Segment(transcript=transcript, number=i, start=i * 5.0, end=i * 5.0 + 5,
                    text=" ".join(rng.choices(WORDS, k=rng.randint(1, 9))))
            for i in range(per))


QUERIES = ["الشهادة", "شهاده", "ابني", '"أتبرأ من ابني"', '"المحكمة أمام"', "مدرس*", "©",
           "123", "u.s.a", "دمشق OR نشرة", "الشهادة -المحكمة", "outlet:سما ابني",
           "lang:en الأخبار", "tag:شهادة مدرسة", '"دمشق الشهادة"', "👍🏽"]


def _pages(backend: TantivyBackend) -> list[tuple]:
    out = []
    for query in QUERIES:
        for sort in ("relevance", "aired_at", "-aired_at"):
            page = backend.search_page(SearchRequest(query, sort=sort, page_size=50))
            out.append((query, sort, page.total, page.facets,
                        [(h.segment_id, round(h.score, 5)) for h in page.hits]))
    return out


def _pool_small_chunks(monkeypatch) -> None:  # noqa: ANN001
    """The pool even for a small catalog, in many chunks and many batches."""
    monkeypatch.setattr(tantivy_backend, "POOL_MIN_SEGMENTS", 0)
    monkeypatch.setattr(tantivy_backend, "CHUNK_SEGMENTS", 25)
    monkeypatch.setattr(tantivy_backend, "BATCH_SEGMENTS", 100)


def test_pooled_rebuild_indexes_what_one_process_does(tmp_path, monkeypatch) -> None:
    _catalog()
    alone = TantivyBackend(tmp_path / "one", index_workers=1)
    assert alone.rebuild() == 360
    _pool_small_chunks(monkeypatch)
    pooled = TantivyBackend(tmp_path / "two", index_workers=2)
    assert pooled.rebuild() == 360
    assert pooled.indexed_transcripts() == alone.indexed_transcripts()
    expected = _pages(alone)
    assert sum(total for _, _, total, _, _ in expected) > 100  # the queries find things
    assert _pages(pooled) == expected
    # a rebuild gives Tantivy JSON in one process too; a transcript indexed on its own
    # (index_transcript) goes through Document.from_dict: the same index either way
    from catalog.models import Transcript

    single = TantivyBackend(tmp_path / "three", index_workers=1)
    single.clear()
    for tid in Transcript.objects.order_by("id").values_list("id", flat=True):
        single.index_transcript(tid)
    assert single.indexed_transcripts() == alone.indexed_transcripts()
    assert _pages(single) == expected


def test_worker_json_documents_hold_the_in_process_fields() -> None:
    shared = {"tid": 7, "bid": 3, "outlet": "سما", "okey": "سما", "lang": "ar",
              "month": "2023-05", "aired": 1683000000, "tag": ["شهادة"], "tkey": ["شهادة"]}
    segments = [(100 + i, " ".join(WORDS[i:i + 6])) for i in range(12)]
    # a corrected range on segment 101 (verified) and one on 105 (not yet verified)
    corrected = {101: (" ".join(WORDS[3:9]), " ".join(WORDS[3:9])), 105: (WORDS[0], "")}
    chunk = [(shared, 1683040000, segments, corrected),
             ({"tid": 8, "bid": 4, "outlet": "x", "okey": "x", "lang": ""}, None,
              segments[:2], {})]
    with WorkerPool(2) as pool:
        (docs,) = list(pool.map(segment_docs_json, [chunk]))
    expected = [fields for shared_, seconds, segs, corr in chunk
                for fields in segment_fields(shared_, seconds, segs, corr)]
    assert sum("cterms" in f for f in expected) == 2 and sum("vterms" in f for f in expected) == 1
    assert [json.loads(doc) for doc in docs] == expected
    # and Tantivy takes the JSON as it takes the in-process document: same terms, positions
    # (a stop word's gap) and fast fields
    found = []
    for add in ("json", "dict"):
        index = tantivy.Index(_SCHEMA)
        tantivy_backend.register_analyzer(index)
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        for doc, fields in zip(docs, expected, strict=True):
            if add == "json":
                writer.add_json(doc)
            else:
                writer.add_document(tantivy.Document.from_dict(fields, _SCHEMA))
        writer.commit()
        index.reload()
        searcher = index.searcher()
        hits = searcher.search(tantivy.Query.phrase_query(_SCHEMA, "terms", ["ابن", "شهاد"]),
                               50).hits
        addresses = [a for _, a in searcher.search(tantivy.Query.all_query(), 50).hits]
        found.append((len(hits), [round(s, 5) for s, _ in hits],
                      searcher.fast_field_values("kasc", addresses),
                      searcher.fast_field_values("aired", addresses)))
    assert found[0] == found[1] and found[0][0] > 0


def test_worker_json_documents_are_the_same_with_the_json_escaper() -> None:
    # the terms go into the JSON between quotes as they are (no term holds a character JSON
    # escapes); should one ever, every term is written through the escaper: the same
    # documents either way, here with quotes, backslashes and control characters in the text
    from index import arabic

    texts = ['قال "الحق" في المحكمة', "\\ الشهادة\\ \x01نشرة\x1f", "الأخبار \"أمام\" \\"]
    segments = [(200 + i, f"{texts[i % 3]} {' '.join(WORDS[i:i + 5])}") for i in range(9)]
    chunk = [({"tid": 9, "bid": 5, "outlet": 'قناة "س"', "okey": 'قناة "س"', "lang": "ar"},
              1683040000, segments, {203: ('نص "مصحح"', "\\")})]
    assert not arabic.terms_need_json_escapes()
    plain = segment_docs_json(chunk)
    expected = list(segment_fields(*chunk[0]))
    assert [json.loads(doc) for doc in plain] == expected
    assert any("bridge" in f for f in expected) and any("cterms" in f for f in expected)
    arabic._json_escaped.add("\"")  # noqa: SLF001 - as if a term had held a quote
    try:
        assert segment_docs_json(chunk) == plain
    finally:
        arabic._json_escaped.clear()  # noqa: SLF001


def _corrections() -> None:
    """Corrected ranges on a few segments (one verified), as ``review.corrections`` leaves
    them: their documents carry ``cterms``/``vterms``."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.models import Correction, Segment

    user = get_user_model().objects.create(username="corrector")
    for k, seg in enumerate(Segment.objects.select_related("transcript").order_by("id")[5:200:37]):
        verified = k % 2 == 0
        Correction.objects.create(
            broadcast_id=seg.transcript.broadcast_id, transcript=seg.transcript,
            first_number=seg.number, last_number=seg.number, start=seg.start, end=seg.end,
            machine_text=seg.text, text=f"مدرسة القرية {k} المعلم", author=user,
            verified_by=user if verified else None,
            verified_at=timezone.now() if verified else None)


def _corrected_hits(backend: TantivyBackend) -> list[list[tuple[int, str]]]:
    return [sorted((h.segment_id, h.matched) for h in backend.search(q))
            for q in ("المعلم", "المعلم verified:yes", "القرية")]


def test_workers_reading_the_catalog_file_index_what_the_writer_reads(tmp_path,
                                                                     monkeypatch) -> None:
    # on a SQLite file the workers read the segments themselves (catalog_docs_json); the
    # tests' database is in memory, so the workers read a file copy of it (VACUUM INTO)
    from django.db import connection

    _catalog()
    _corrections()
    alone = TantivyBackend(tmp_path / "one", index_workers=1)
    assert alone.rebuild() == 360
    expected = _pages(alone) + _corrected_hits(alone)
    assert all(expected[-3:]) and len(expected[-2]) < len(expected[-3])  # some verified
    copy = tmp_path / "catalog.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    assert tantivy_backend.worker_catalog() is None  # in memory: the writer reads
    monkeypatch.setattr(tantivy_backend, "worker_catalog", lambda: str(copy))
    _pool_small_chunks(monkeypatch)
    pooled = TantivyBackend(tmp_path / "two", index_workers=2)
    assert pooled.rebuild() == 360
    assert pooled.indexed_transcripts() == alone.indexed_transcripts()
    assert _pages(pooled) + _corrected_hits(pooled) == expected


def test_worker_catalog_is_a_sqlite_file_outside_a_transaction(tmp_path) -> None:
    from django.db import connection, transaction

    assert connection.vendor != "sqlite" or connection.creation.is_in_memory_db(
        connection.settings_dict["NAME"])
    assert tantivy_backend.worker_catalog() is None  # the tests' database is in memory
    name = connection.settings_dict["NAME"]
    try:
        connection.settings_dict["NAME"] = str(tmp_path / "raqib.sqlite3")
        assert tantivy_backend.worker_catalog() == str(tmp_path / "raqib.sqlite3")
        with transaction.atomic():  # another connection would not see this one's rows
            assert tantivy_backend.worker_catalog() is None
    finally:
        connection.settings_dict["NAME"] = name
