"""Equal BM25 scores in Tantivy: the page is the newest of *all* tied hits, however many.

``index.tantivy_backend._by_relevance`` fetches a window of hits and widens it while the
page's last hit ties with the window's last. These cases tie 500 hits (identical texts), so
the first window (four pages) is too small and the widening is what makes the page right.
"""

from __future__ import annotations

import random

import tantivy

from index.tantivy_backend import _by_relevance, build_schema, register_analyzer, sort_keys


def _tied_index(n: int) -> tuple[tantivy.Searcher, tantivy.Schema, dict[int, int]]:
    schema = build_schema()
    index = tantivy.Index(schema)  # in memory
    register_analyzer(index)
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    rng = random.Random(16)
    keys = {}
    for sid in rng.sample(range(1, 10 * n), n):  # stored in random order
        _, kdesc = sort_keys(None, sid)
        keys[sid] = kdesc
        writer.add_document(tantivy.Document.from_dict(
            {"sid": sid, "terms": "شهد نشر", "kdesc": kdesc, "kasc": 0}, schema))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher(), schema, keys


def test_page_holds_the_newest_of_every_tied_hit() -> None:
    searcher, schema, keys = _tied_index(500)
    query = tantivy.Query.term_query(schema, "terms", "شهد")
    total, ranked = _by_relevance(searcher, query, 0, 20)
    assert total == 500
    sids = [int(s) for s in searcher.fast_field_values("sid", [a for a, _ in ranked])]
    assert sids == sorted(keys, key=keys.get, reverse=True)[:20]
    assert len({score for _, score in ranked}) == 1  # they really tie


def test_a_later_page_continues_the_same_order() -> None:
    searcher, schema, keys = _tied_index(500)
    query = tantivy.Query.term_query(schema, "terms", "نشر")
    _, ranked = _by_relevance(searcher, query, 100, 20)
    sids = [int(s) for s in searcher.fast_field_values("sid", [a for a, _ in ranked])]
    assert sids == sorted(keys, key=keys.get, reverse=True)[100:120]
