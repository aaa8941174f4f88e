"""The JSON Raqib sends to Elasticsearch, checked without a cluster (the live behaviour is in
test_contract.py, which runs when ELASTICSEARCH_URL is set)."""

from __future__ import annotations

from datetime import date

import pytest

from index.base import QueryError, SearchRequest
from index.elasticsearch_backend import bulk_with_retries, definition_hash, index_definition
from index.es_query import AGGREGATIONS, facets_from, search_body


def test_filters_sort_paging_and_facets_are_translated() -> None:
    body = search_body(SearchRequest(
        "شهادة tag:confession", outlet="Sama", language="ar", aired_from=date(2024, 3, 1),
        aired_to=date(2024, 3, 31), tags=("relative",), transcript_id=7, sort="-aired_at",
        page=3, page_size=10))
    assert body["from_"] == 20 and body["size"] == 10 and body["track_total_hits"] is True
    assert body["sort"][0] == {"aired_at": {"order": "desc", "missing": "_last"}}
    assert body["aggregations"] == AGGREGATIONS
    assert body["query"]["bool"]["filter"] == [
        {"term": {"outlet": {"value": "Sama", "case_insensitive": True}}},
        {"term": {"lang": "ar"}},
        {"term": {"tags": {"value": "confession", "case_insensitive": True}}},
        {"term": {"tags": {"value": "relative", "case_insensitive": True}}},
        {"range": {"aired_at": {"gte": "2024-03-01T00:00:00Z", "lt": "2024-04-01T00:00:00Z"}}},
        {"term": {"transcript_id": 7}},
    ]


def test_contradicting_filters_mean_no_request_and_no_facets_mean_no_aggregations() -> None:
    assert search_body(SearchRequest("x outlet:Sama", outlet="Other")) is None
    assert "aggregations" not in search_body(SearchRequest("x", facets=False))
    assert search_body(SearchRequest("x"))["sort"][0] == {"_score": {"order": "desc"}}


def test_bad_requests_raise_query_error() -> None:
    for kwargs in ({"sort": "title"}, {"page": 0}, {"page_size": 0},
                   {"aired_from": date(2024, 2, 1), "aired_to": date(2024, 1, 1)}):
        with pytest.raises(QueryError):
            SearchRequest("x", **kwargs)


def test_aggregation_buckets_become_sorted_facets() -> None:
    facets = facets_from({
        "outlet": {"buckets": [{"key": "B", "doc_count": 1}, {"key": "A", "doc_count": 3}]},
        "language": {"buckets": [{"key": "ar", "doc_count": 4}]},
        "month": {"buckets": [{"key": 1, "key_as_string": "2024-01", "doc_count": 1},
                              {"key": 2, "key_as_string": "2024-03", "doc_count": 3}]},
        "tag": {"buckets": []},
    })
    assert facets == {"outlet": [("A", 3), ("B", 1)], "language": [("ar", 4)],
                      "month": [("2024-03", 3), ("2024-01", 1)], "tag": []}


def test_mapping_has_the_bridge_fields_and_a_stable_hash() -> None:
    props = index_definition()["mappings"]["properties"]
    assert props["bridge"] == props["next_head"] == {"type": "text", "analyzer": "arabic"}
    assert props["tags"] == {"type": "keyword"}
    assert definition_hash() == definition_hash(index_definition())
    changed = index_definition()
    changed["mappings"]["properties"]["extra"] = {"type": "keyword"}
    assert definition_hash(changed) != definition_hash()


def _ops(n: int) -> list[dict]:
    return [part for i in range(n) for part in ({"index": {"_id": str(i)}}, {"n": i})]


def test_bulk_retries_throttled_items_and_reports_failures_for_good() -> None:
    sent: list[list[str]] = []
    slept: list[float] = []

    def send(ops: list[dict]) -> dict:
        ids = [op["index"]["_id"] for op in ops[::2]]
        sent.append(ids)
        items = []
        for doc_id in ids:
            if doc_id == "1" and len(sent) < 3:
                items.append({"index": {"status": 429, "error": {"type": "es_rejected"}}})
            elif doc_id == "2":
                items.append({"index": {"status": 400, "error": {"type": "mapper_parsing"}}})
            else:
                items.append({"index": {"status": 201}})
        return {"errors": True, "items": items}

    failed = bulk_with_retries(send, _ops(4), delays=(0.1, 0.2, 0.4), sleep=slept.append)
    assert sent == [["0", "1", "2", "3"], ["1"], ["1"]]
    assert slept == [0.1, 0.2]
    assert [f["error"]["type"] for f in failed] == ["mapper_parsing"]


def test_bulk_gives_up_on_items_still_throttled_after_the_last_delay() -> None:
    def send(ops: list[dict]) -> dict:
        return {"errors": True, "items": [{"index": {"status": 429, "error": {"type": "t"}}}
                                          for _ in ops[::2]]}

    assert len(bulk_with_retries(send, _ops(2), delays=(0.0,), sleep=lambda s: None)) == 2
