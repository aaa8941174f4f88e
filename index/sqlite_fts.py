"""The embedded search backend: SQLite FTS5 in the catalog database.

Tables come from ``raqib/migrations/0002_segment_fts.py``. Each segment is stored as its
analysed terms (``index.arabic``, Elasticsearch's ``arabic`` analyzer) joined by spaces, one
token per position: a stop word's position holds ``GAP`` so phrases keep Lucene's position
gaps. FTS5 only ever sees analysed terms; the original text stays untouched in
``raqib_segment`` and is what a hit returns.

Query translation (``index.query`` AST → FTS5 MATCH): every term is quoted, so nothing a
person types is read as FTS5 syntax; a phrase's stop-word gap must be filled by a stop word
(Elasticsearch accepts any word there: a deliberate, narrower match); a prefix is the
normalised, unstemmed text matched against the stemmed terms, as Elasticsearch does. Hits are
ordered by bm25, then newest broadcast first.

To extend: change the schema with a new migration and ``index_terms`` together, then run
``raqib reindex``.
"""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from index.arabic import analyze
from index.base import Hit, QueryError
from index.query import AnyOf, Clause, Leaf, Prefix, Query, Term, parse

GAP = "\ue000"  # a private-use character: the tokenizer never emits it from real text


def index_terms(text: str) -> str:
    """The FTS document for ``text``: analysed terms by position, gaps filled with GAP."""
    tokens = analyze(text)
    if not tokens:
        return ""
    slots = [GAP] * (tokens[-1].position + 1)
    for token in tokens:
        slots[token.position] = token.text
    return " ".join(slots)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _leaf_expr(leaf: Leaf) -> str:
    if isinstance(leaf, Term):
        return _quote(leaf.term)
    if isinstance(leaf, Prefix):
        return _quote(leaf.prefix) + " *"
    return _quote(" ".join(GAP if t is None else t for t in leaf.terms))


def _clause_expr(clause: Clause) -> str:
    if isinstance(clause, AnyOf):
        return "(" + " OR ".join(_leaf_expr(o) for o in clause.options) + ")"
    return _leaf_expr(clause)


def match_expression(query: Query) -> str:
    """Translate a parsed query into an FTS5 MATCH expression."""
    expr = "(" + " AND ".join(_clause_expr(c) for c in query.must) + ")"
    if query.must_not:
        expr += " NOT (" + " OR ".join(_leaf_expr(leaf) for leaf in query.must_not) + ")"
    return expr


_SEARCH_SQL = """
SELECT s.id, bm25(segment_fts) AS rank
FROM segment_fts
JOIN raqib_segment s ON s.id = segment_fts.rowid
JOIN raqib_transcript t ON t.id = s.transcript_id
JOIN raqib_broadcast b ON b.id = t.broadcast_id
JOIN raqib_outlet o ON o.id = b.outlet_id
WHERE segment_fts MATCH %s {filters}
ORDER BY rank, b.aired_at DESC, s.id
LIMIT %s OFFSET %s
"""


class SqliteFtsBackend:
    """SearchBackend over SQLite FTS5 (see the module docstring)."""

    name = "sqlite"

    @classmethod
    def from_config(cls, config: object = None) -> SqliteFtsBackend:
        return cls()

    def _check(self) -> None:
        if connection.vendor != "sqlite":
            raise RuntimeError(
                f"search.backend 'sqlite' needs the SQLite database, but the database is "
                f"{connection.vendor}; set search.backend = 'elasticsearch' (ELASTICSEARCH_URL)")

    def index_transcript(self, transcript_id: int) -> int:
        from raqib.models import Segment

        self._check()
        rows = [(seg_id, index_terms(text)) for seg_id, text in
                Segment.objects.filter(transcript_id=transcript_id).values_list("id", "text")]
        with transaction.atomic(), connection.cursor() as cur:
            self._delete(cur, transcript_id)
            cur.executemany("INSERT INTO segment_fts(rowid, terms) VALUES (%s, %s)", rows)
            cur.executemany("INSERT INTO segment_fts_doc(segment_id, transcript_id) "
                            "VALUES (%s, %s)", [(seg_id, transcript_id) for seg_id, _ in rows])
        return len(rows)

    @staticmethod
    def _delete(cur: object, transcript_id: int) -> None:
        cur.execute("DELETE FROM segment_fts WHERE rowid IN (SELECT segment_id FROM "
                    "segment_fts_doc WHERE transcript_id = %s)", [transcript_id])
        cur.execute("DELETE FROM segment_fts_doc WHERE transcript_id = %s", [transcript_id])

    def remove_transcript(self, transcript_id: int) -> None:
        self._check()
        with transaction.atomic(), connection.cursor() as cur:
            self._delete(cur, transcript_id)

    def clear(self) -> None:
        """Empty the index (``raqib reindex`` rebuilds it from the catalog)."""
        self._check()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM segment_fts")
            cur.execute("DELETE FROM segment_fts_doc")

    def count_indexed(self, transcript_id: int) -> int:
        self._check()
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM segment_fts_doc WHERE transcript_id = %s",
                        [transcript_id])
            return int(cur.fetchone()[0])

    def search(self, query: str, *, outlet: str | None = None, limit: int = 20,
               offset: int = 0) -> list[Hit]:
        parsed = parse(query)
        self._check()
        outlet = outlet or parsed.outlet
        if outlet and parsed.outlet and outlet.casefold() != parsed.outlet.casefold():
            return []
        filters, params = "", [match_expression(parsed)]
        if outlet:
            filters += " AND o.name = %s COLLATE NOCASE"
            params.append(outlet)
        if parsed.lang:
            filters += " AND b.language = %s"
            params.append(parsed.lang)
        params += [max(0, int(limit)), max(0, int(offset))]
        try:
            with connection.cursor() as cur:
                cur.execute(_SEARCH_SQL.format(filters=filters), params)
                ranked = cur.fetchall()
        except DatabaseError as exc:
            if "fts5" not in str(exc):
                raise
            raise QueryError(f"the search index could not read this query: {exc}") from exc
        return _hits(ranked)


def _hits(ranked: list[tuple[int, float]]) -> list[Hit]:
    from raqib.models import Segment

    segments = Segment.objects.select_related("transcript__broadcast__outlet").in_bulk(
        [seg_id for seg_id, _ in ranked])
    hits = []
    for seg_id, rank in ranked:
        seg = segments.get(seg_id)
        if seg is None:
            continue  # deleted between the two queries
        broadcast = seg.transcript.broadcast
        hits.append(Hit(segment_id=seg.id, transcript_id=seg.transcript_id,
                        broadcast_id=broadcast.id, url=broadcast.url,
                        outlet=broadcast.outlet.name, title=broadcast.title,
                        aired_at=broadcast.aired_at, start=seg.start, end=seg.end,
                        text=seg.text, score=-float(rank)))
    return hits
