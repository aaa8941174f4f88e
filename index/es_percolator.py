"""Watchlists on Elasticsearch: a percolator index holding each active watchlist's query.

The index ``<alias>-watchlists-v<N>`` (behind the alias ``<alias>-watchlists``; ``<alias>`` is
``search.elasticsearch_index``, ``N`` the ``version`` of ``index/es_index.json``) maps the
SAME document fields as the segment index (copied from ``es_index.json``, so the ``arabic``
analyzer and every field a query can name are identical) plus ``query`` (type
``percolator``), ``watchlist_id`` and ``query_sha``. Each watchlist's stored query is the
search backend's own query DSL (``index.es_query.query_dsl``), so a watchlist
matches exactly what a search would find.

``percolate_segments`` sends the new transcript's segment documents (the backend's own
``document``, with tags and the cross-segment bridge) in batches of ``BATCH`` as one
``percolate`` query with ``documents``; each hit is a watchlist, its
``_percolator_document_slot`` field the matching documents.

The database is the source of truth: before percolating, ``sync_from_database`` compares
the percolator's (watchlist_id, query_sha) pairs with the active watchlists and fixes any
difference, so a missed update on save is repaired on the next run. To extend: add fields
to ``es_index.json`` (they are copied here) and bump its ``version``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from index.base import BackendError

if TYPE_CHECKING:
    from catalog.components import Settings
    from catalog.models import Segment, Watchlist

log = logging.getLogger("raqib.index.es_percolator")
BATCH = 100  # segment documents per percolate request
MAX_WATCHLISTS = 10_000  # one search page of the percolator index


def percolator_alias(alias: str) -> str:
    return f"{alias}-watchlists"


def percolator_definition() -> dict[str, Any]:
    """Settings and mappings of the percolator index (built from ``es_index.json``)."""
    from index.elasticsearch_backend import index_definition

    definition = index_definition()
    mappings = dict(definition["mappings"])
    properties = dict(mappings.get("properties", {}))
    for name in ("query", "watchlist_id", "query_sha"):
        if name in properties:
            raise ValueError(f"es_index.json maps a field named {name!r}, which the "
                             "percolator index needs for itself")
    properties.update({"query": {"type": "percolator"}, "watchlist_id": {"type": "long"},
                       "query_sha": {"type": "keyword"}})
    mappings["properties"] = properties
    return {"version": definition["version"], "settings": definition["settings"],
            "mappings": mappings}


def query_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def watchlist_query_dsl(text: str) -> dict[str, Any]:
    """The query DSL a search for ``text`` would run (outlet:/lang: filters included)."""
    from index.es_query import query_dsl
    from index.query import parse

    parsed = parse(text)
    return query_dsl(parsed, parsed.outlet)


def watchlist_document(watchlist: Watchlist) -> dict[str, Any]:
    """The percolator document of one watchlist."""
    return {"watchlist_id": watchlist.pk, "query_sha": query_sha(watchlist.query),
            "query": watchlist_query_dsl(watchlist.query)}


def percolate_body(documents: Sequence[dict[str, Any]], size: int) -> dict[str, Any]:
    """The search body that percolates ``documents`` (keyword arguments of ``search``)."""
    return {"query": {"percolate": {"field": "query", "documents": list(documents)}},
            "size": max(1, min(size, MAX_WATCHLISTS)), "_source": ["watchlist_id"]}


def slots_by_watchlist(response: dict[str, Any]) -> list[tuple[int, list[int]]]:
    """(watchlist_id, matching document slots) from a percolate response."""
    found = []
    for hit in response["hits"]["hits"]:
        slots = hit.get("fields", {}).get("_percolator_document_slot", [0])
        found.append((int(hit["_source"]["watchlist_id"]), [int(s) for s in slots]))
    return found


class Percolator:
    """The percolator index of one Elasticsearch cluster (see the module docstring)."""

    def __init__(self, client: Any, alias: str, *, refresh: bool | str = "wait_for") -> None:
        self.client = client
        self.alias = percolator_alias(alias)
        self.refresh = refresh
        self._ready = False

    @classmethod
    def from_config(cls, config: Settings | None = None) -> Percolator:
        from index.elasticsearch_backend import ElasticsearchBackend

        if config is None:
            from django.conf import settings

            config = settings.CONFIG
        backend = ElasticsearchBackend.from_config(config)
        return cls(backend.client, backend.alias)

    @property
    def index_name(self) -> str:
        return f"{self.alias}-v{percolator_definition()['version']}"

    def ensure_index(self) -> None:
        """Create the versioned percolator index if missing; point the alias at it."""
        if self._ready:
            return
        definition = percolator_definition()
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
            for old in current:
                indices.delete(index=old, ignore_unavailable=True)
        self._ready = True

    def write(self, upserts: Iterable[Watchlist], deletes: Iterable[int]) -> None:
        """Index the given watchlists' queries and delete the given ids, checking each item."""
        self.ensure_index()
        operations: list[dict[str, Any]] = []
        for watchlist in upserts:
            operations.append({"index": {"_index": self.alias, "_id": str(watchlist.pk)}})
            operations.append(watchlist_document(watchlist))
        operations.extend({"delete": {"_index": self.alias, "_id": str(wid)}} for wid in deletes)
        if not operations:
            return
        response = self.client.bulk(operations=operations, refresh=self.refresh)
        failed = [item for item in response["items"]
                  for action, result in item.items()
                  if result.get("error") and not (action == "delete"
                                                  and result.get("status") == 404)]
        if failed:
            raise BackendError(f"Elasticsearch refused {len(failed)} watchlist updates: "
                               f"{failed[:3]}")

    def stored(self) -> dict[int, str]:
        """watchlist_id → query_sha of every query in the percolator index."""
        self.ensure_index()
        response = self.client.search(index=self.alias, query={"match_all": {}},
                                      size=MAX_WATCHLISTS,
                                      _source=["watchlist_id", "query_sha"])
        return {int(h["_source"]["watchlist_id"]): h["_source"]["query_sha"]
                for h in response["hits"]["hits"]}

    def sync_from_database(self) -> None:
        """Make the percolator hold exactly the active watchlists' current queries."""
        from catalog.models import Watchlist

        stored = self.stored()
        active = {w.pk: w for w in Watchlist.objects.filter(active=True)}
        upserts = [w for wid, w in active.items() if stored.get(wid) != query_sha(w.query)]
        deletes = [wid for wid in stored if wid not in active]
        self.write(upserts, deletes)

    def percolate(self, documents: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
        """(watchlist_id, document index) for every match, in batches of BATCH."""
        self.ensure_index()
        found = []
        for first in range(0, len(documents), BATCH):
            batch = documents[first:first + BATCH]
            response = self.client.search(index=self.alias,
                                          **percolate_body(batch, MAX_WATCHLISTS))
            found.extend((wid, first + slot) for wid, slots in slots_by_watchlist(response)
                         for slot in slots)
        return found


def _client_errors() -> tuple[type[Exception], ...]:
    from elasticsearch import ApiError, TransportError

    return (ApiError, TransportError)


def sync_watchlists(watchlists: Sequence[Watchlist], removed: Sequence[int] = (),
                    config: Settings | None = None) -> None:
    """Update the percolator after watchlists were saved, deactivated or deleted."""
    percolator = Percolator.from_config(config)
    errors = _client_errors()
    try:
        percolator.write([w for w in watchlists if w.active],
                         [*removed, *(w.pk for w in watchlists if not w.active)])
    except errors as exc:
        raise BackendError(f"could not update the watchlist percolator: {exc}") from exc


def segment_documents(segments: Sequence[Segment]) -> list[dict[str, Any]]:
    """The search index's documents of one transcript's segments (in order), built by the
    backend's own ``document`` (tags and the cross-segment bridge included)."""
    from catalog.models import Tagging
    from index.elasticsearch_backend import document
    from index.highlight import bridge_texts

    if not segments:
        return []
    broadcast_id = segments[0].transcript.broadcast_id
    tags = sorted(set(Tagging.objects.filter(broadcast_id=broadcast_id)
                      .values_list("tag__name", flat=True)))
    docs = []
    for n, seg in enumerate(segments):
        following = segments[n + 1].text if n + 1 < len(segments) else None
        docs.append(document(seg, tags, bridge_texts(seg.text, following)))
    return docs


def percolate_segments(segments: Sequence[Segment], config: Settings | None = None
                       ) -> list[tuple[int, Segment]]:
    """(watchlist_id, segment) for every active watchlist that matches a segment of one
    transcript (``segments`` in order)."""
    from catalog.models import Segment as SegmentModel

    if not segments:
        return []
    rows = list(SegmentModel.objects.filter(pk__in=[s.pk for s in segments])
                .select_related("transcript__broadcast__outlet").order_by("number", "id"))
    percolator = Percolator.from_config(config)
    errors = _client_errors()
    try:
        percolator.sync_from_database()
        found = percolator.percolate(segment_documents(rows))
    except errors as exc:
        raise BackendError(f"watchlist percolation failed: {exc}") from exc
    return [(wid, rows[slot]) for wid, slot in found]
