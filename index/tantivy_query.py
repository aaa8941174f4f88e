"""Query translation for the Tantivy backend: ``index.query`` AST → a Tantivy query.

- a word is a term query on ``terms`` (already analysed by ``index.query``);
- a phrase is a phrase query with explicit positions, so a stop word's gap matches any
  position, as Elasticsearch's ``match_phrase`` does over Lucene's position gaps;
- a prefix is expanded against the index's terms (``terms_with_prefix``) into a constant-
  score term set, as Elasticsearch's prefix query scores; expansion is bounded: a query may
  expand to at most ``MAX_PREFIX_TERMS`` different terms in all, otherwise it is refused
  with a message (this keeps 2,000 ``x*`` words from costing seconds, and the answer is
  never silently partial);
- a fuzzy word (``index.query.Fuzzy``) is Tantivy's fuzzy term query on ``terms`` (a
  Levenshtein automaton over the term dictionary, a swap of neighbours costing 1), constant-
  scored like a prefix; it matches every term within the distance (the parser bounds the
  distance, the term's length and the number of fuzzy words, which bounds the expansion);
- a phrase may also match across a segment boundary: found in the segment's ``bridge`` and
  not in ``nhead`` (the next segment's head alone), scored 0 so such hits rank after
  direct ones; each AND clause holds on the segment or through such a crossing phrase among
  its options; exclusions apply to the segment's own terms;
- filters (outlet, language, tags: ASCII case-insensitive as before; dates; transcript) are
  constant-score clauses that never change the ranking;
- the words are matched against the machine's text (``terms``, with the crossing phrases),
  the corrected text (``cterms``) and the verified text (``vterms``) of a corrected range,
  each text on its own (all the words in one of them); ``verified:yes`` matches ``vterms``
  only.

``index.watch_match`` evaluates the same semantics in Python for watchlists. To add a
construct: produce it in ``index.query``, translate it in ``Translator._leaf`` and
evaluate it in ``index.watch_match``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import tantivy

from index.base import QueryError, SearchRequest
from index.query import AnyOf, Fuzzy, Leaf, Phrase, Prefix, Query, Term
from index.watch_match import nocase

MAX_PREFIX_TERMS = 4_096  # different terms all the prefixes of one query may expand to

Occur = tantivy.Occur
Q = tantivy.Query


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def request_filters(schema: tantivy.Schema, parsed: Query,
                    request: SearchRequest) -> list[tantivy.Query] | None:
    """The filter clauses of a request and its query; None when they contradict."""
    if request.outlet and parsed.outlet and request.outlet.casefold() != parsed.outlet.casefold():
        return None
    if request.language and parsed.lang and request.language != parsed.lang:
        return None
    outlet = request.outlet or parsed.outlet
    lang = request.language or parsed.lang
    out: list[tantivy.Query] = []
    if outlet:
        out.append(Q.term_query(schema, "okey", nocase(outlet), index_option="basic"))
    if lang:
        out.append(Q.term_query(schema, "lang", lang, index_option="basic"))
    for tag in dict.fromkeys((*parsed.tags, *request.tags)):
        out.append(Q.term_query(schema, "tkey", nocase(tag), index_option="basic"))
    if request.transcript_id is not None:
        out.append(Q.term_query(schema, "tid", int(request.transcript_id)))
    if request.aired_from or request.aired_to:
        lower = _epoch(request.aired_from) if request.aired_from else -(1 << 62)
        upper = (_epoch(request.aired_to + timedelta(days=1)) - 1) if request.aired_to \
            else (1 << 62)
        out.append(Q.range_query(schema, "aired", tantivy.FieldType.Integer, lower, upper))
    return out


class Translator:
    """Translates one parsed query against one searcher (prefixes expand against it)."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.schema = schema
        self.searcher = searcher
        self.budget = MAX_PREFIX_TERMS
        self._expanded: dict[tuple[str, str], list[str]] = {}
        self.field = "terms"

    def _expand(self, leaf: Prefix) -> list[str]:
        key = (self.field, leaf.prefix)
        if key not in self._expanded:
            found = self.searcher.terms_with_prefix(self.field, leaf.prefix,
                                                    limit=self.budget + 1)
            if len(found) > self.budget:
                raise QueryError(
                    f"'{leaf.raw}*' (with the other prefixes of the query) matches more than "
                    f"{MAX_PREFIX_TERMS:,} different words: type more letters before the '*'")
            self.budget -= len(found)
            self._expanded[key] = [term for term, _ in found]
        return self._expanded[key]

    def _phrase(self, field: str, phrase: Phrase) -> tantivy.Query:
        words = [(i, term) for i, term in enumerate(phrase.terms) if term is not None]
        if len(words) == 1:
            return Q.term_query(self.schema, field, words[0][1])
        return Q.phrase_query(self.schema, field, words)

    def _leaf(self, leaf: Leaf) -> tantivy.Query:
        field = self.field
        if isinstance(leaf, Term):
            return Q.term_query(self.schema, field, leaf.term)
        if isinstance(leaf, Prefix):
            terms = self._expand(leaf)
            if not terms:
                return Q.empty_query()
            return Q.const_score_query(Q.term_set_query(self.schema, field, terms), 1.0)
        if isinstance(leaf, Fuzzy):
            return Q.const_score_query(Q.fuzzy_term_query(
                self.schema, field, leaf.term, distance=leaf.distance,
                transposition_cost_one=True), 1.0)
        return self._phrase(field, leaf)

    def _crossing(self, phrase: Phrase) -> tantivy.Query:
        """The phrase crosses into the next segment: in the bridge, not in the next head."""
        return Q.const_score_query(Q.boolean_query([
            (Occur.Must, self._phrase("bridge", phrase)),
            (Occur.MustNot, self._phrase("nhead", phrase))]), 0.0)

    def _words(self, parsed: Query, field: str) -> tantivy.Query:
        """The query's words against one text field (crossing phrases on ``terms``)."""
        self.field = field
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for clause in parsed.must:
            options = clause.options if isinstance(clause, AnyOf) else (clause,)
            should = [(Occur.Should, self._leaf(o)) for o in options]
            if field == "terms":
                should += [(Occur.Should, self._crossing(o)) for o in options
                           if isinstance(o, Phrase)]
            clauses.append((Occur.Must, should[0][1] if len(should) == 1
                            else Q.boolean_query(should)))
        clauses += [(Occur.MustNot, self._leaf(leaf)) for leaf in parsed.must_not]
        self.field = "terms"
        return Q.boolean_query(clauses)

    def query(self, parsed: Query, filters: list[tantivy.Query]) -> tantivy.Query:
        if parsed.verified:
            words = self._words(parsed, "vterms")
        else:
            words = Q.boolean_query([(Occur.Should, self._words(parsed, field))
                                     for field in ("terms", "cterms", "vterms")])
        clauses = [(Occur.Must, words)]
        clauses += [(Occur.Must, Q.const_score_query(f, 0.0)) for f in filters]
        return Q.boolean_query(clauses)
