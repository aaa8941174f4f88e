"""Query translation for the Elasticsearch backend: ``index.query`` AST → query DSL.

A term is a ``match`` on ``text`` (so Elasticsearch analyses it itself), a phrase a
``match_phrase`` on ``text`` OR (on ``bridge`` and NOT on ``next_head``: the phrase crosses
into the next segment, see ``index.highlight``), a prefix a ``prefix`` query with the
normalised text, a fuzzy word a ``match`` with ``fuzziness`` (Elasticsearch analyses the
word and allows the edits on the analysed term, as ``index.query`` does; transpositions
count 1; ``max_expansions`` bounds the terms it expands to), OR a ``bool.should``,
exclusions ``bool.must_not``; the words match the machine's ``text`` (with the crossing
phrases), a corrected range's ``text_corrected`` or its ``text_verified``, each text on
its own (``bool.should`` of the three), or ``text_verified`` alone for ``verified:yes``;
outlet, language, tags, dates and transcript are
``filter``s; facets are aggregations over all matches (``search_body``) read back by
``facets_from``. The percolator (``index.es_percolator``)
uses the same ``query_dsl``, so a watchlist matches what a search finds. To translate a new
AST node: add it to ``_leaf``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from index.base import SearchRequest
from index.query import AnyOf, Clause, Fuzzy, Leaf, Phrase, Prefix, Query, Term, parse

FACET_SIZE = 100  # most values per facet
MAX_FUZZY_EXPANSIONS = 1_000  # indexed terms one fuzzy word may expand to


CORRECTED_FIELDS = ("text_corrected", "text_verified")


def _phrase(leaf: Phrase) -> dict[str, Any]:
    return {"bool": {"should": [
        {"match_phrase": {"text": leaf.raw}},
        {"bool": {"must": [{"match_phrase": {"bridge": leaf.raw}}],
                  "must_not": [{"match_phrase": {"next_head": leaf.raw}}]}},
    ], "minimum_should_match": 1}}


def _leaf(leaf: Leaf, *, bridged: bool = True, field: str = "text") -> dict[str, Any]:
    if isinstance(leaf, Term):
        return {"match": {field: {"query": leaf.raw, "operator": "and"}}}
    if isinstance(leaf, Phrase):
        return _phrase(leaf) if bridged and field == "text" else {
            "match_phrase": {field: leaf.raw}}
    if isinstance(leaf, Prefix):
        return {"prefix": {field: {"value": leaf.prefix}}}
    if isinstance(leaf, Fuzzy):
        return {"match": {field: {"query": leaf.raw, "operator": "and",
                                   "fuzziness": leaf.distance, "prefix_length": 0,
                                   "fuzzy_transpositions": True,
                                   "max_expansions": MAX_FUZZY_EXPANSIONS}}}
    raise TypeError(f"unknown query node {leaf!r}")


def _clause(clause: Clause, field: str = "text") -> dict[str, Any]:
    if isinstance(clause, AnyOf):
        return {"bool": {"should": [_leaf(o, field=field) for o in clause.options],
                         "minimum_should_match": 1}}
    return _leaf(clause, field=field)


def filter_dsl(query: Query, request: SearchRequest) -> list[dict[str, Any]] | None:
    """The filter clauses of a request (None when its filters contradict each other)."""
    if request.outlet and query.outlet and request.outlet.casefold() != query.outlet.casefold():
        return None
    if request.language and query.lang and request.language != query.lang:
        return None
    filters: list[dict[str, Any]] = []
    outlet = request.outlet or query.outlet
    if outlet:
        filters.append({"term": {"outlet": {"value": outlet, "case_insensitive": True}}})
    lang = request.language or query.lang
    if lang:
        filters.append({"term": {"lang": lang}})
    for tag in dict.fromkeys((*query.tags, *request.tags)):
        filters.append({"term": {"tags": {"value": tag, "case_insensitive": True}}})
    if request.aired_from or request.aired_to:
        bounds: dict[str, str] = {}
        if request.aired_from:
            bounds["gte"] = request.aired_from.isoformat() + "T00:00:00Z"
        if request.aired_to:
            bounds["lt"] = (request.aired_to + timedelta(days=1)).isoformat() + "T00:00:00Z"
        filters.append({"range": {"aired_at": bounds}})
    if request.transcript_id is not None:
        filters.append({"term": {"transcript_id": int(request.transcript_id)}})
    return filters


def query_dsl(query: Query, outlet: str | None = None,
              request: SearchRequest | None = None) -> dict[str, Any]:
    """Translate a parsed query (and the request's filters) into the query DSL."""
    request = request or SearchRequest("-", outlet=outlet)
    filters = filter_dsl(query, request) or []
    if query.verified:
        return {"bool": {**_words(query, "text_verified"), "filter": filters}}
    machine = {"bool": {"must": [_clause(c) for c in query.must],
                        "must_not": [_leaf(leaf, bridged=False) for leaf in query.must_not]}}
    corrected = [{"bool": _words(query, field)} for field in CORRECTED_FIELDS]
    return {"bool": {"should": [machine, *corrected], "minimum_should_match": 1,
                     "filter": filters}}


def _words(query: Query, field: str) -> dict[str, Any]:
    """The query's words and exclusions against one corrected text field."""
    return {"must": [_clause(c, field) for c in query.must],
            "must_not": [_leaf(leaf, field=field) for leaf in query.must_not]}


SORT_DSL: dict[str, list[dict[str, Any]]] = {
    "relevance": [{"_score": {"order": "desc"}},
                  {"aired_at": {"order": "desc", "missing": "_last"}},
                  {"segment_id": {"order": "asc"}}],
    "aired_at": [{"aired_at": {"order": "asc", "missing": "_last"}},
                 {"segment_id": {"order": "asc"}}],
    "-aired_at": [{"aired_at": {"order": "desc", "missing": "_last"}},
                  {"segment_id": {"order": "asc"}}],
}

AGGREGATIONS: dict[str, Any] = {
    "outlet": {"terms": {"field": "outlet", "size": FACET_SIZE}},
    "language": {"terms": {"field": "lang", "size": FACET_SIZE}},
    "month": {"date_histogram": {"field": "aired_at", "calendar_interval": "month",
                                 "format": "yyyy-MM", "min_doc_count": 1, "time_zone": "UTC"}},
    "tag": {"terms": {"field": "tags", "size": FACET_SIZE}},
}


def search_body(request: SearchRequest) -> dict[str, Any] | None:
    """The keyword arguments of ``client.search`` for a request (None: no hits possible)."""
    parsed = parse(request.query)
    if filter_dsl(parsed, request) is None:
        return None
    body: dict[str, Any] = {"query": query_dsl(parsed, request=request),
                            "sort": SORT_DSL[request.sort], "from_": request.offset,
                            "size": request.page_size, "track_total_hits": True}
    if request.facets:
        body["aggregations"] = AGGREGATIONS
    return body


def facets_from(aggregations: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    from index.hits import sort_facets

    raw = {name: [(b.get("key_as_string", b["key"]), b["doc_count"])
                  for b in aggregations.get(name, {}).get("buckets", [])]
           for name in AGGREGATIONS}
    return sort_facets(raw)
