"""The scaled search backend: Elasticsearch (8/9) through the official ``elasticsearch`` client.

Segments live in a versioned index ``<alias>-v<N>`` behind the alias ``search.
elasticsearch_index``; settings and mapping are in ``index/es_index.json`` (the ``text``
field uses Elasticsearch's built-in ``arabic`` analyzer, which ``index.arabic``
reproduces for the embedded backend). When the mapping changes, bump ``version`` in that
file: the next start creates the new index, moves the alias to it, and ``raqib reindex``
fills it from the catalog (the database is the source of truth).

Query translation (``index.query`` AST → query DSL): a term is a ``match`` on ``text`` (so
Elasticsearch analyses it itself), a phrase a ``match_phrase``, a prefix a ``prefix`` query
with the normalised text, OR a ``bool.should``, exclusions ``bool.must_not``, the outlet a
case-insensitive ``term`` filter. To extend: translate the new AST node in ``_leaf``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.base import BackendError, Hit
from index.query import AnyOf, Clause, Leaf, Phrase, Prefix, Query, Term, parse

log = logging.getLogger("raqib.index.elasticsearch")
INDEX_FILE = Path(__file__).with_name("es_index.json")


def index_definition() -> dict[str, Any]:
    return json.loads(INDEX_FILE.read_text(encoding="utf-8"))


def _leaf(leaf: Leaf) -> dict[str, Any]:
    if isinstance(leaf, Term):
        return {"match": {"text": {"query": leaf.raw, "operator": "and"}}}
    if isinstance(leaf, Phrase):
        return {"match_phrase": {"text": leaf.raw}}
    if isinstance(leaf, Prefix):
        return {"prefix": {"text": {"value": leaf.prefix}}}
    raise TypeError(f"unknown query node {leaf!r}")


def _clause(clause: Clause) -> dict[str, Any]:
    if isinstance(clause, AnyOf):
        return {"bool": {"should": [_leaf(o) for o in clause.options],
                         "minimum_should_match": 1}}
    return _leaf(clause)


def query_dsl(query: Query, outlet: str | None = None) -> dict[str, Any]:
    """Translate a parsed query (and an outlet filter) into the query DSL."""
    filters = []
    if outlet:
        filters.append({"term": {"outlet": {"value": outlet, "case_insensitive": True}}})
    if query.lang:
        filters.append({"term": {"lang": query.lang}})
    return {"bool": {"must": [_clause(c) for c in query.must],
                     "must_not": [_leaf(leaf) for leaf in query.must_not],
                     "filter": filters}}


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


class ElasticsearchBackend:
    """SearchBackend over Elasticsearch (see the module docstring)."""

    name = "elasticsearch"

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
        return f"{self.alias}-v{index_definition()['version']}"

    def ensure_index(self) -> None:
        """Create the current versioned index if missing and point the alias at it."""
        if self._ready:
            return
        definition = index_definition()
        indices = self.client.indices
        if not indices.exists(index=self.index_name):
            indices.create(index=self.index_name, settings=definition["settings"],
                           mappings=definition["mappings"])
        current = (list(indices.get_alias(name=self.alias).body)
                   if indices.exists_alias(name=self.alias) else [])
        if current != [self.index_name]:
            actions: list[dict[str, Any]] = [
                {"remove": {"index": old, "alias": self.alias}} for old in current]
            actions.append({"add": {"index": self.index_name, "alias": self.alias}})
            indices.update_aliases(actions=actions)
            if current:
                log.warning("search index %s is new (mapping version changed): run "
                            "`raqib reindex` to fill it", self.index_name)
        self._ready = True

    def _delete_where(self, query: dict[str, Any]) -> None:
        self.ensure_index()
        # delete_by_query only sees refreshed documents: make recent bulk writes visible first
        self.client.indices.refresh(index=self.alias)
        self.client.delete_by_query(index=self.alias, query=query, conflicts="proceed",
                                    refresh=True)

    @_client_errors
    def index_transcript(self, transcript_id: int) -> int:
        from raqib.models import Segment

        self._delete_where({"term": {"transcript_id": transcript_id}})
        segments = (Segment.objects.filter(transcript_id=transcript_id)
                    .select_related("transcript__broadcast__outlet"))
        operations: list[dict[str, Any]] = []
        for seg in segments:
            operations.append({"index": {"_index": self.alias, "_id": str(seg.id)}})
            operations.append(_document(seg))
        if not operations:
            return 0
        response = self.client.bulk(operations=operations, refresh=self.refresh)
        failed = [item for item in response["items"]
                  if next(iter(item.values())).get("error")]
        if response.get("errors") or failed:
            reasons = "; ".join(str(next(iter(i.values()))["error"]) for i in failed[:3])
            raise BackendError(f"Elasticsearch refused {len(failed)} of {len(operations) // 2} "
                               f"segments of transcript {transcript_id}: {reasons}")
        return len(operations) // 2

    @_client_errors
    def remove_transcript(self, transcript_id: int) -> None:
        self._delete_where({"term": {"transcript_id": transcript_id}})

    @_client_errors
    def clear(self) -> None:
        self._delete_where({"match_all": {}})

    @_client_errors
    def count_indexed(self, transcript_id: int) -> int:
        self.ensure_index()
        response = self.client.count(index=self.alias,
                                     query={"term": {"transcript_id": transcript_id}})
        return int(response["count"])

    @_client_errors
    def search(self, query: str, *, outlet: str | None = None, limit: int = 20,
               offset: int = 0) -> list[Hit]:
        parsed = parse(query)
        if outlet and parsed.outlet and outlet.casefold() != parsed.outlet.casefold():
            return []
        self.ensure_index()
        response = self.client.search(
            index=self.alias, query=query_dsl(parsed, outlet or parsed.outlet),
            sort=[{"_score": {"order": "desc"}},
                  {"aired_at": {"order": "desc", "missing": "_last"}},
                  {"segment_id": {"order": "asc"}}],
            from_=max(0, offset), size=max(0, limit), track_total_hits=False)
        return [_hit(h) for h in response["hits"]["hits"]]


def _document(seg: Any) -> dict[str, Any]:
    broadcast = seg.transcript.broadcast
    return {"segment_id": seg.id, "transcript_id": seg.transcript_id,
            "broadcast_id": broadcast.id, "url": broadcast.url,
            "outlet": broadcast.outlet.name, "lang": broadcast.language,
            "title": broadcast.title,
            "aired_at": broadcast.aired_at.isoformat() if broadcast.aired_at else None,
            "start": seg.start, "end": seg.end, "text": seg.text}


def _hit(raw: dict[str, Any]) -> Hit:
    from datetime import datetime

    src = raw["_source"]
    aired = datetime.fromisoformat(src["aired_at"]) if src.get("aired_at") else None
    return Hit(segment_id=src["segment_id"], transcript_id=src["transcript_id"],
               broadcast_id=src["broadcast_id"], url=src["url"], outlet=src["outlet"],
               title=src["title"], aired_at=aired, start=src["start"], end=src["end"],
               text=src["text"], score=float(raw.get("_score") or 0.0))
