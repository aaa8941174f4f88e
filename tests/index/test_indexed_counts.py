"""``raqib index check`` and ``raqib reindex`` count what Tantivy holds per transcript.

With more than 65,000 transcripts one terms aggregation over all of them is refused by
Tantivy ("bucket limit was exceeded"), which broke ``reindex`` on the 10M-segment
benchmark (250,000 transcripts). ``_indexed_transcripts`` counts in ranges of ids.
"""

from __future__ import annotations

import tantivy

from index.tantivy_backend import _indexed_transcripts, build_schema, register_analyzer


def test_counts_past_tantivys_bucket_limit_with_sparse_ids() -> None:
    schema = build_schema()
    index = tantivy.Index(schema)  # in memory
    register_analyzer(index)
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    expected = {}
    for tid in [*range(1, 70_001), 10**12, 10**12 + 5]:  # past 65,000, and far apart
        expected[tid] = 1 + tid % 3
        for k in range(expected[tid]):
            writer.add_document(tantivy.Document.from_dict(
                {"sid": tid * 4 + k, "tid": tid, "terms": "شهد"}, schema))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    assert _indexed_transcripts(index.searcher()) == expected


def test_an_empty_index_counts_nothing() -> None:
    schema = build_schema()
    assert _indexed_transcripts(tantivy.Index(schema).searcher()) == {}
