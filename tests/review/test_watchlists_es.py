"""Watchlists on Elasticsearch: the percolator index and requests (JSON checked here, no
cluster needed), and, when ELASTICSEARCH_URL points at a server, a live run proving the
percolator matches exactly the segments an Elasticsearch search returns, and alerts once."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest

from index.elasticsearch_backend import index_definition
from index.es_percolator import (
    percolate_body,
    percolator_alias,
    percolator_definition,
    query_sha,
    slots_by_watchlist,
    watchlist_document,
)
from index.es_query import query_dsl
from index.query import parse

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")


def test_percolator_mapping_copies_the_segment_fields() -> None:
    segment = index_definition()
    definition = percolator_definition()
    properties = definition["mappings"]["properties"]
    assert properties["query"] == {"type": "percolator"}
    assert properties["watchlist_id"] == {"type": "long"}
    for name, mapping in segment["mappings"]["properties"].items():
        assert properties[name] == mapping  # same analyzer, same fields a query can name
    assert properties["text"]["analyzer"] == "arabic"
    assert definition["settings"] == segment["settings"]
    assert definition["version"] == segment["version"]
    assert percolator_alias("raqib-segments") == "raqib-segments-watchlists"


def test_watchlist_document_is_the_search_query_dsl() -> None:
    from catalog.models import Watchlist

    text = '"أتبرأ من" OR تبرأ -رياضة outlet:Sama'
    doc = watchlist_document(Watchlist(pk=7, name="w", query=text))
    parsed = parse(text)
    assert doc == {"watchlist_id": 7, "query_sha": query_sha(text),
                   "query": query_dsl(parsed, "Sama")}
    # exclusions travel with the query: in each text's branch (the machine's, the corrected,
    # the verified: review.corrections), where that text is matched
    branches = doc["query"]["bool"]["should"]
    assert len(branches) == 3 and all(b["bool"]["must_not"] for b in branches)


def test_percolate_body_and_response_slots() -> None:
    docs = [{"text": "أتبرأ من ابني", "outlet": "Sama"}, {"text": "نشرة", "outlet": "Sama"}]
    body = percolate_body(docs, size=25)
    assert body == {"query": {"percolate": {"field": "query", "documents": docs}},
                    "size": 25, "_source": ["watchlist_id"]}
    response = {"hits": {"hits": [
        {"_id": "3", "_source": {"watchlist_id": 3},
         "fields": {"_percolator_document_slot": [0, 1]}},
        {"_id": "5", "_source": {"watchlist_id": 5},
         "fields": {"_percolator_document_slot": [1]}}]}}
    assert slots_by_watchlist(response) == [(3, [0, 1]), (5, [1])]


@pytest.mark.django_db
def test_segment_documents_are_the_search_documents_with_tags_and_bridges() -> None:
    from catalog.models import Broadcast, Outlet, Segment, Source, Tag, Tagging, Transcript
    from index.es_percolator import segment_documents

    outlet = Outlet.objects.create(name="Sama")
    source = Source.objects.create(name="sama", outlet=outlet, kind="html")
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="e",
                                         url="https://example.org/e", title="t")
    Tagging.objects.create(tag=Tag.objects.create(name="confession"), broadcast=broadcast)
    transcript = Transcript.objects.create(broadcast=broadcast, engine="t", model_id="m")
    Segment.objects.bulk_create(Segment(transcript=transcript, number=i, start=i, end=i + 1,
                                        text=t) for i, t in enumerate(["أتبرأ من", "ابني"]))
    first, last = segment_documents(list(transcript.segments.order_by("number")))
    assert (first["text"], first["outlet"], first["tags"]) == ("أتبرأ من", "Sama",
                                                               ["confession"])
    assert first["bridge"] == "أتبرأ من ابني" and first["next_head"] == "ابني"
    assert last["bridge"] is None


# --- live: only with a real cluster ----------------------------------------------------------

SEGMENTS = ["أَمَانِي السورية تتحدث عن الشهادة", "أتبرأ من ابني أمام الجميع",
            "انا اتبرا من ابني", "نشرة الأخبار الرياضية", "عميل خائن للوطن",
            "الشهادة أمام المحكمة"]
QUERIES = ["أتبرأ", '"اتبرا من ابني"', "الشهادة -المحكمة", "خائن OR عميل", "تبر*",
           "نشرة outlet:al-ikhbariya", "نشرة outlet:Sama", "الشهادة lang:en",
           '"الجميع انا"']  # the last crosses from one segment into the next


@pytest.fixture
def es_config():
    if not ES_URL:
        pytest.skip("ELASTICSEARCH_URL not set: Elasticsearch cannot run on this machine, "
                    "so the live percolator test is skipped (the JSON tests above still ran)")
    from django.conf import settings

    from index.elasticsearch_backend import ElasticsearchBackend
    from raqib.config import Config

    alias = f"raqib-test-{uuid.uuid4().hex[:8]}"
    config = Config({**settings.CONFIG.values, "search.backend": "elasticsearch",
                     "search.elasticsearch_url": ES_URL, "search.elasticsearch_index": alias})
    backend = ElasticsearchBackend(ES_URL, alias, refresh=True)
    yield config, backend
    backend.client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


@pytest.mark.django_db
def test_live_percolator_matches_what_search_finds_and_alerts_once(es_config, settings) -> None:
    from catalog.models import Alert, Broadcast, Outlet, Segment, Source, Transcript
    from review.watchlists import create_watchlist, run_watchlists

    config, backend = es_config
    settings.CONFIG = config
    outlet = Outlet.objects.create(name="Al-Ikhbariya")
    source = Source.objects.create(name="ikh", outlet=outlet, kind="html")
    watchlists = [create_watchlist(f"w{i}", q) for i, q in enumerate(QUERIES)]
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="e1",
                                         url="https://example.org/1", title="t",
                                         aired_at=datetime(2024, 3, 1, tzinfo=UTC))
    transcript = Transcript.objects.create(broadcast=broadcast, engine="t", model_id="m")
    Segment.objects.bulk_create(Segment(transcript=transcript, number=i, start=i, end=i + 1,
                                        text=t) for i, t in enumerate(SEGMENTS))
    backend.index_transcript(transcript.pk)

    run = run_watchlists(broadcast, config)
    found = {(a.watchlist_id, a.segment_id) for a in Alert.objects.all()}
    expected = {(w.pk, hit.segment_id) for w in watchlists
                for hit in backend.search(w.query, limit=100)}
    assert found == expected and expected
    assert len(run.created) == len(expected)
    assert run_watchlists(broadcast, config).created == []  # never repeated
