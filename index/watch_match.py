"""The embedded watchlist matcher: does a segment match a query, with exactly the
semantics of the embedded search (``index.tantivy_backend``, ``index.tantivy_query``)?

It evaluates a parsed ``index.query.Query`` against a segment's analysed terms by position
(``index.arabic.analysis``, what Tantivy indexes; a stop word leaves its position empty):
words ANDed, OR groups, exclusions, prefixes against the stemmed terms, fuzzy words
(``word~``) within their edit distance of a stemmed term (``index.query.fuzzy_matches``,
the distance Tantivy's fuzzy term query counts), phrases as terms at
their relative positions (a stop word's gap in the phrase accepts any position, as Lucene's
phrase query does), the ``outlet:``/``tag:`` (ASCII case-insensitive) and ``lang:`` filters
against the broadcast, and a phrase spoken across two consecutive segments through the same
bridge terms (``index.highlight.bridge_terms``). ``review.watchlists`` runs it over new
transcripts; ``tests/review/test_watchlists.py`` proves it agrees with the search backend.
One deliberate difference: search refuses a query whose prefixes expand to more than
``index.tantivy_query.MAX_PREFIX_TERMS`` terms, which this matcher still evaluates.

To extend the query language: add the node in ``index.query``, its translation in
``index.tantivy_query`` and its evaluation in ``_leaf_matches`` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.query import AnyOf, Clause, Fuzzy, Leaf, Phrase, Prefix, Query, Term, fuzzy_matches


@dataclass(frozen=True)
class SegmentDoc:
    """One segment as the embedded index sees it: its term at each position (None where a
    stop word stood) and the set of its terms."""

    slots: tuple[str | None, ...]
    terms: frozenset[str]

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[int, str]]) -> SegmentDoc:
        """From (position, term) pairs, as Tantivy receives them."""
        slots: list[str | None] = [None] * (pairs[-1][0] + 1 if pairs else 0)
        for position, term in pairs:
            slots[position] = term
        return cls(tuple(slots), frozenset(term for _, term in pairs))

    @classmethod
    def from_text(cls, text: str) -> SegmentDoc:
        from index.arabic import analysis

        return cls.from_pairs([(t.position, t.text) for t in analysis(text)[0]])


@dataclass(frozen=True)
class BroadcastFacts:
    """What the query's field filters are checked against."""

    outlet: str
    language: str
    tags: frozenset[str] = frozenset()


def nocase(text: str) -> str:
    """ASCII case folding (only A-Z; the filters' rule since the SQLite NOCASE days)."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})


def _phrase_matches(phrase: Phrase, slots: Sequence[str | None]) -> bool:
    wanted = [(k, term) for k, term in enumerate(phrase.terms) if term is not None]
    n = len(phrase.terms)
    first = wanted[0][1]
    for i in range(len(slots) - n + 1):
        if slots[i] == first and all(slots[i + k] == term for k, term in wanted):
            return True
    return False


def _leaf_matches(leaf: Leaf, doc: SegmentDoc) -> bool:
    if isinstance(leaf, Term):
        return leaf.term in doc.terms
    if isinstance(leaf, Prefix):
        return any(term.startswith(leaf.prefix) for term in doc.terms)
    if isinstance(leaf, Fuzzy):
        return any(fuzzy_matches(leaf, term) for term in doc.terms)
    if isinstance(leaf, Phrase):
        return _phrase_matches(leaf, doc.slots)
    raise TypeError(f"unknown query node {leaf!r}")


def _clause_matches(clause: Clause, doc: SegmentDoc) -> bool:
    if isinstance(clause, AnyOf):
        return any(_leaf_matches(option, doc) for option in clause.options)
    return _leaf_matches(clause, doc)


def filters_match(query: Query, facts: BroadcastFacts) -> bool:
    """Do the query's field filters (outlet:, lang:, tag:) accept this broadcast?"""
    if query.outlet is not None and nocase(query.outlet) != nocase(facts.outlet):
        return False
    if query.lang is not None and query.lang != facts.language:
        return False
    return all(nocase(tag) in facts.tags for tag in getattr(query, "tags", ()))


def matches(query: Query, doc: SegmentDoc, facts: BroadcastFacts | None = None) -> bool:
    """Does one segment, on its own, match the query with the embedded search's semantics?"""
    if facts is not None and not filters_match(query, facts):
        return False
    if not all(_clause_matches(clause, doc) for clause in query.must):
        return False
    return not any(_leaf_matches(leaf, doc) for leaf in query.must_not)


@dataclass(frozen=True)
class Bridge:
    """A segment's end joined to the next segment's start, and that start alone
    (``index.highlight.bridge_terms``): how a phrase spoken across the boundary is found."""

    joined: SegmentDoc
    next_head: SegmentDoc


def bridges(texts: Sequence[str]) -> list[Bridge | None]:
    """The bridge of each segment to the next one (None for the last, or no words)."""
    from index.arabic import analysis
    from index.highlight import bridge_terms

    analysed = [analysis(text) for text in texts]
    out: list[Bridge | None] = []
    for i, (tokens, positions) in enumerate(analysed):
        pairs = bridge_terms(tokens, positions, analysed[i + 1][0]) if i + 1 < len(texts) \
            else None
        out.append(Bridge(SegmentDoc.from_pairs(pairs[0]), SegmentDoc.from_pairs(pairs[1]))
                   if pairs else None)
    return out


def matches_across(query: Query, doc: SegmentDoc, bridge: Bridge | None) -> bool:
    """Does the segment match because a phrase crosses into the next segment? As the
    embedded search does it: a phrase found in the bridge but not in the next segment's
    head alone "crosses"; every AND clause must then hold on the segment itself or through
    a crossing phrase among its options; exclusions are checked on the segment itself."""
    if bridge is None:
        return False
    crossing = {leaf for leaf in query.leaves() if isinstance(leaf, Phrase)
                and _phrase_matches(leaf, bridge.joined.slots)
                and not _phrase_matches(leaf, bridge.next_head.slots)}
    if not crossing:
        return False
    for clause in query.must:
        options = clause.options if isinstance(clause, AnyOf) else (clause,)
        if not (any(o in crossing for o in options) or _clause_matches(clause, doc)):
            return False
    return not any(_leaf_matches(leaf, doc) for leaf in query.must_not)
