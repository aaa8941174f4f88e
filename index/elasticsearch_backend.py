"""The scaled search backend: Elasticsearch (8/9) through the official ``elasticsearch`` client.

Segments live in a versioned index ``<alias>-v<version>-<hash>`` behind the alias
``search.elasticsearch_index``; settings and mapping are in ``index/es_index.json`` (text
fields use Elasticsearch's built-in ``arabic`` analyzer, which ``index.arabic`` reproduces for
the embedded backend). The index stores the hash of that definition in its mapping
``_meta``. On first use (``ensure_index``) the live index behind the alias is compared with
the file: when they differ, a new index is created, filled from the catalog (the database is
the source of truth), the alias is switched atomically (one ``update_aliases`` call:
remove + add) and the old index deleted, so searches never see an empty index.

Query translation (``index.query`` AST → query DSL) lives in ``index.es_query``; facets are
aggregations over all matches. Highlights are computed from the
stored original text by ``index.highlight`` (identical to the embedded backend). Tags are a
keyword field: ``update_tags`` re-indexes the broadcast's transcripts. Bulk writes check
every item, retry 429s with back-off and raise BackendError naming the items that failed for
good. Corrected text (``review.corrections``): the document of a corrected range's first
segment holds the range's current corrected text (``text_corrected``) and its verified text
(``text_verified``; ``catalog.corrections``); ``index.es_query`` matches all three texts, or
``text_verified`` alone for ``verified:yes``; ``index.hits.mark_corrections`` says which
text a hit matched. To extend: translate a new AST node in ``index.es_query``; change the
mapping in the JSON file (the next start rebuilds the index).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from index.base import BackendError, Hit, SearchBackend, SearchPage, SearchRequest
from index.es_query import facets_from, search_body
from index.highlight import bridge_texts, highlight
from index.hits import attach_sightings, mark_corrections, with_air_dates
from index.query import Query, parse

log = logging.getLogger("raqib.index.elasticsearch")
INDEX_FILE = Path(__file__).with_name("es_index.json")
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # back-off between bulk attempts on HTTP 429


def index_definition() -> dict[str, Any]:
    return json.loads(INDEX_FILE.read_text(encoding="utf-8"))


def definition_hash(definition: dict[str, Any] | None = None) -> str:
    """A stable hash of the settings + mappings of es_index.json."""
    definition = definition or index_definition()
    payload = json.dumps({"settings": definition["settings"],
                          "mappings": definition["mappings"]}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def _describe(exc: Exception) -> str:
    text = str(exc)
    for needle, words in (("refused", "connection refused"), ("timed out", "timeout"),
                          ("Name or service not known", "unknown host"),
                          ("CERTIFICATE", "TLS certificate rejected")):
        if needle.lower() in text.lower():
            return words
    return f"{type(exc).__name__}: {text[:200]}"


def _client_errors(method: Callable) -> Callable:
    """Turn the client's exceptions into BackendError with a readable reason."""

    @functools.wraps(method)
    def wrapper(self: ElasticsearchBackend, *args: Any, **kwargs: Any) -> Any:
        from elasticsearch import ApiError, TransportError

        try:
            return method(self, *args, **kwargs)
        except TransportError as exc:
            raise BackendError(f"Elasticsearch at {self.safe_url} is unreachable: "
                               f"{_describe(exc)}") from exc
        except ApiError as exc:
            raise BackendError(f"Elasticsearch answered HTTP {exc.meta.status}: "
                               f"{exc.message}") from exc

    return wrapper


def bulk_with_retries(send: Callable[[list[dict[str, Any]]], dict[str, Any]],
                      operations: list[dict[str, Any]],
                      delays: Iterable[float] = RETRY_DELAYS,
                      sleep: Callable[[float], None] = time.sleep) -> list[dict[str, Any]]:
    """Send (action, source) pairs with ``send``; retry items answered 429 after each delay.
    Return the per-item errors of the items that failed for good (empty: all indexed)."""
    pending = [(operations[i], operations[i + 1]) for i in range(0, len(operations), 2)]
    delays = list(delays)
    failed: list[dict[str, Any]] = []
    for attempt in range(len(delays) + 1):
        response = send([part for pair in pending for part in pair])
        retry = []
        for pair, item in zip(pending, response["items"], strict=True):
            result = next(iter(item.values()))
            if result.get("status") == 429:
                retry.append((pair, result))
            elif result.get("error"):
                failed.append(result)
        if not retry:
            break
        if attempt == len(delays):
            failed += [result for _, result in retry]
            break
        log.warning("Elasticsearch throttled %d items (429); retrying in %.1fs", len(retry),
                    delays[attempt])
        sleep(delays[attempt])
        pending = [pair for pair, _ in retry]
    return failed


class ElasticsearchBackend(SearchBackend):
    """SearchBackend over Elasticsearch (see the module docstring)."""

    name = "elasticsearch"
    in_catalog = False  # a separate cluster: indexed by the pipeline's index stage
    has_percolator = True  # watchlists are percolated (index.es_percolator)

    def __init__(self, url: str, alias: str = "raqib-segments", *,
                 refresh: bool | str = False, client: Any = None) -> None:
        from elasticsearch import Elasticsearch

        self.client = client or Elasticsearch(url, request_timeout=30)
        from urllib.parse import urlsplit

        parts = urlsplit(url or "")
        self.safe_url = f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.hostname else url
        self.alias = alias
        self.refresh = "wait_for" if refresh is True else refresh
        self._ready = False

    @classmethod
    def from_config(cls, config: Any) -> ElasticsearchBackend:
        return cls(config.get("search.elasticsearch_url"),
                   config.get("search.elasticsearch_index"))

    @property
    def index_name(self) -> str:
        """The versioned index the current es_index.json describes."""
        return f"{self.alias}-v{index_definition()['version']}-{definition_hash()}"

    def _live_indices(self) -> list[str]:
        indices = self.client.indices
        return list(indices.get_alias(name=self.alias).body) if indices.exists_alias(
            name=self.alias) else []

    def _live_hash(self, index: str) -> str | None:
        mapping = self.client.indices.get_mapping(index=index).body
        return mapping.get(index, {}).get("mappings", {}).get("_meta", {}).get("raqib_hash")

    def ensure_index(self) -> None:
        """Make the alias point at an index built from the current es_index.json,
        rebuilding it from the catalog (then switching atomically) when it changed."""
        if self._ready:
            return
        current = self._live_indices()
        wanted = definition_hash()
        if current == [self.index_name] and self._live_hash(current[0]) == wanted:
            self._ready = True
            return
        definition = index_definition()
        mappings = {**definition["mappings"], "_meta": {"raqib_hash": wanted,
                                                       "version": definition["version"]}}
        if self.client.indices.exists(index=self.index_name):
            self.client.indices.delete(index=self.index_name)  # a half-built earlier try
        self.client.indices.create(index=self.index_name, settings=definition["settings"],
                                   mappings=mappings)
        if current:
            log.warning("search index mapping changed: rebuilding %s from the catalog",
                        self.index_name)
            self._fill(self.index_name)
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.alias}} for old in current]
        actions.append({"add": {"index": self.index_name, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for old in current:
            self.client.indices.delete(index=old, ignore_unavailable=True)
        self._ready = True

    def _fill(self, index: str) -> int:
        from catalog.models import Transcript

        total = 0
        for transcript_id in Transcript.objects.order_by("id").values_list("id", flat=True):
            total += self._bulk_index(transcript_id, index)
        self.client.indices.refresh(index=index)
        return total

    def _delete_where(self, query: dict[str, Any], index: str | None = None) -> None:
        index = index or self.alias
        # delete_by_query only sees refreshed documents: make recent bulk writes visible first
        self.client.indices.refresh(index=index)
        self.client.delete_by_query(index=index, query=query, conflicts="proceed",
                                    refresh=True)

    def _bulk_index(self, transcript_id: int, index: str) -> int:
        from catalog.corrections import range_texts
        from catalog.models import Segment, Tagging

        segments = list(Segment.objects.filter(transcript_id=transcript_id)
                        .select_related("transcript__broadcast__outlet").order_by("number"))
        if not segments:
            return 0
        broadcast_id = segments[0].transcript.broadcast_id
        tags = sorted(set(Tagging.objects.filter(broadcast_id=broadcast_id)
                          .values_list("tag__name", flat=True)))
        ranges = range_texts([transcript_id]).get(transcript_id, {})
        operations: list[dict[str, Any]] = []
        for n, seg in enumerate(segments):
            following = segments[n + 1].text if n + 1 < len(segments) else None
            operations.append({"index": {"_index": index, "_id": str(seg.id)}})
            doc = document(seg, tags, bridge_texts(seg.text, following))
            corrected = ranges.get(seg.number)
            if corrected is not None:
                doc["text_corrected"] = corrected.corrected
                doc["text_verified"] = corrected.verified or None
            operations.append(doc)
        failed = bulk_with_retries(
            lambda ops: self.client.bulk(operations=ops, refresh=self.refresh), operations)
        if failed:
            reasons = "; ".join(str(f.get("error")) for f in failed[:3])
            log.error("Elasticsearch refused %d segments of transcript %s: %s", len(failed),
                      transcript_id, reasons)
            raise BackendError(f"Elasticsearch refused {len(failed)} of {len(segments)} "
                               f"segments of transcript {transcript_id}: {reasons}")
        return len(segments)

    @_client_errors
    def index_transcript(self, transcript_id: int) -> int:
        self.ensure_index()
        self._delete_where({"term": {"transcript_id": transcript_id}})
        return self._bulk_index(transcript_id, self.alias)

    @_client_errors
    def remove_transcript(self, transcript_id: int) -> None:
        self.ensure_index()
        self._delete_where({"term": {"transcript_id": transcript_id}})

    @_client_errors
    def update_tags(self, broadcast_id: int) -> None:
        from catalog.models import Transcript

        for transcript_id in Transcript.objects.filter(broadcast_id=broadcast_id).values_list(
                "id", flat=True):
            self.index_transcript(transcript_id)

    @_client_errors
    def clear(self) -> None:
        self.ensure_index()
        self._delete_where({"match_all": {}})

    @_client_errors
    def count_indexed(self, transcript_id: int) -> int:
        self.ensure_index()
        response = self.client.count(index=self.alias,
                                     query={"term": {"transcript_id": transcript_id}})
        return int(response["count"])

    @_client_errors
    def indexed_transcripts(self) -> dict[int, int]:
        self.ensure_index()
        self.client.indices.refresh(index=self.alias)
        counts: dict[int, int] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": 1000, "sources": [{"t": {"terms": {"field": "transcript_id"}}}]}
            if after:
                composite["after"] = after
            response = self.client.search(index=self.alias, size=0,
                                          aggregations={"t": {"composite": composite}})
            agg = response["aggregations"]["t"]
            for bucket in agg["buckets"]:
                counts[int(bucket["key"]["t"])] = int(bucket["doc_count"])
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                return counts

    @_client_errors
    def search_page(self, request: SearchRequest) -> SearchPage:
        body = search_body(request)
        if body is None:
            return SearchPage([], 0, request.page, request.page_size,
                              facets_from({}) if request.facets else {})
        self.ensure_index()
        response = self.client.search(index=self.alias, **body)
        parsed = parse(request.query)
        facets = facets_from(response["aggregations"]) if request.facets else {}
        hits = mark_corrections(with_air_dates(attach_sightings(
            [_hit(h, parsed) for h in response["hits"]["hits"]])), parsed)
        return SearchPage(hits,
                          int(response["hits"]["total"]["value"]), request.page,
                          request.page_size, facets)


def document(seg: Any, tags: list[str], bridge: tuple[str, str] | None) -> dict[str, Any]:
    """The Elasticsearch document of one segment."""
    broadcast = seg.transcript.broadcast
    return {"segment_id": seg.id, "transcript_id": seg.transcript_id,
            "broadcast_id": broadcast.id, "url": broadcast.url,
            "outlet": broadcast.outlet.name, "lang": broadcast.language, "tags": tags,
            "title": broadcast.title,
            "aired_at": broadcast.aired_at.isoformat() if broadcast.aired_at else None,
            "start": seg.start, "end": seg.end, "text": seg.text,
            "bridge": bridge[0] if bridge else None,
            "next_head": bridge[1] if bridge else None}


def _hit(raw: dict[str, Any], parsed: Query) -> Hit:
    src = raw["_source"]
    aired = datetime.fromisoformat(src["aired_at"]) if src.get("aired_at") else None
    return Hit(segment_id=src["segment_id"], transcript_id=src["transcript_id"],
               broadcast_id=src["broadcast_id"], url=src["url"], outlet=src["outlet"],
               title=src["title"], aired_at=aired, start=src["start"], end=src["end"],
               text=src["text"], score=float(raw.get("_score") or 0.0),
               language=src.get("lang") or "", tags=list(src.get("tags") or []),
               play_from=src["start"],
               highlight=highlight(src["text"], parsed, src.get("next_head")))
