"""The embedded search backend: SQLite FTS5 in the catalog database.

Tables come from ``catalog/migrations/0002_segment_fts.py``. Each segment is stored as its
analysed terms (``index.arabic``, Elasticsearch's ``arabic`` analyzer) joined by spaces, one
token per position: a stop word's position holds ``GAP`` so phrases keep Lucene's position
gaps. FTS5 only ever sees analysed terms; the original text stays untouched in
``raqib_segment`` and is what a hit returns.

Rows of ``segment_fts`` (and ``segment_fts_doc``, which maps every row to its transcript):
rowid = Segment.id holds the segment's own terms; rowid = -2*id its cross-segment "bridge"
and rowid = -2*id-1 the next segment's head (see ``index.highlight``). Only positive rows are
segments: ``count_indexed`` counts those.

Query translation (``index.query`` AST → FTS5 MATCH): every term is quoted, so nothing a
person types is read as FTS5 syntax; a phrase's stop-word gap must be filled by a stop word
(Elasticsearch accepts any word there: a deliberate, narrower match); a prefix is the
normalised, unstemmed text matched against the stemmed terms, as Elasticsearch does. A phrase
may also match across a segment boundary (through the bridge rows; checked clause by clause
in ``_bridged``). Filters (outlet, language, dates, tags: joined at query time, so tagging
needs no re-index), facets over all matches, sort and paging are SQL over the matches.
Relevance is bm25, then newest broadcast first; bridged-only hits rank after the rest.

To extend: change the schema with a new migration and ``index_terms`` together, then run
``raqib reindex``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction

from index.arabic import analyze
from index.base import Hit, QueryError, SearchBackend, SearchPage, SearchRequest
from index.highlight import bridge_texts, head, highlight
from index.query import AnyOf, Clause, Leaf, Phrase, Prefix, Query, Term, parse

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


def _day_start(day: date) -> str:
    return day.strftime("%Y-%m-%d 00:00:00")


def _tables() -> dict[str, str]:
    from catalog.models import Broadcast, Outlet, Segment, Tag, Tagging, Transcript

    return {"seg": Segment._meta.db_table, "tr": Transcript._meta.db_table,
            "bc": Broadcast._meta.db_table, "out": Outlet._meta.db_table,
            "tag": Tag._meta.db_table, "tagging": Tagging._meta.db_table}


_MATCHES = """
WITH m AS (
  SELECT id, MIN(rank) AS rank FROM (
    SELECT rowid AS id, bm25(segment_fts) AS rank FROM segment_fts
    WHERE segment_fts MATCH %s AND rowid > 0
    UNION ALL SELECT value, 0.0 FROM json_each(%s)
  ) GROUP BY id
), f AS MATERIALIZED (
  SELECT s.id AS sid, m.rank AS rank, b.id AS bid, o.name AS outlet, b.language AS lang,
         b.aired_at AS aired_at, substr(b.aired_at, 1, 7) AS month
  FROM m JOIN {seg} s ON s.id = m.id JOIN {tr} t ON t.id = s.transcript_id
  JOIN {bc} b ON b.id = t.broadcast_id JOIN {out} o ON o.id = b.outlet_id
  WHERE 1 = 1 {filters}
)
"""
_FACETS = """
SELECT 'outlet', outlet, count(*) FROM f GROUP BY outlet
UNION ALL SELECT 'language', lang, count(*) FROM f GROUP BY lang
UNION ALL SELECT 'month', month, count(*) FROM f WHERE month IS NOT NULL GROUP BY month
UNION ALL SELECT 'tag', tg.name, count(DISTINCT f.sid) FROM f
  JOIN {tagging} ti ON ti.broadcast_id = f.bid JOIN {tag} tg ON tg.id = ti.tag_id
  GROUP BY tg.name
"""
_ORDER = {"relevance": "rank, aired_at DESC, sid",
          "aired_at": "aired_at IS NULL, aired_at, sid",
          "-aired_at": "aired_at IS NULL, aired_at DESC, sid"}


def sort_facets(raw: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, int]]]:
    """Facet lists in their documented order: count desc then value; months newest first."""
    out = {}
    for name in ("outlet", "language", "month", "tag"):
        items = [(str(v), int(n)) for v, n in raw.get(name, []) if v not in (None, "") and n]
        if name == "month":
            out[name] = sorted(items, reverse=True)
        else:
            out[name] = sorted(items, key=lambda item: (-item[1], item[0]))
    return out


class SqliteFtsBackend(SearchBackend):
    """SearchBackend over SQLite FTS5 (see the module docstring)."""

    name = "sqlite"
    # Lives in the catalog database: indexing joins the caller's transaction, so segments
    # and their index rows are written together (raqib.transcription.store_transcript).
    in_catalog = True

    def _check(self) -> None:
        if connection.vendor != "sqlite":
            raise RuntimeError(
                f"search.backend 'sqlite' needs the SQLite database, but the database is "
                f"{connection.vendor}; set search.backend = 'elasticsearch' (ELASTICSEARCH_URL)")

    # -- indexing ---------------------------------------------------------------------------

    def index_transcript(self, transcript_id: int) -> int:
        from catalog.models import Segment

        self._check()
        segments = list(Segment.objects.filter(transcript_id=transcript_id)
                        .order_by("number").values_list("id", "text"))
        rows = [(seg_id, index_terms(text)) for seg_id, text in segments]
        for (seg_id, text), (_, next_text) in zip(segments, segments[1:], strict=False):
            parts = bridge_texts(text, next_text)
            if parts:
                rows.append((-2 * seg_id, index_terms(parts[0])))
                rows.append((-2 * seg_id - 1, index_terms(parts[1])))
        with transaction.atomic(), connection.cursor() as cur:
            self._delete(cur, transcript_id)
            # rows left without their doc entry (a damaged index) would block the insert
            ids = json.dumps([row_id for row_id, _ in rows])
            cur.execute("DELETE FROM segment_fts WHERE rowid IN (SELECT value FROM "
                        "json_each(%s))", [ids])
            cur.execute("DELETE FROM segment_fts_doc WHERE segment_id IN (SELECT value FROM "
                        "json_each(%s))", [ids])
            cur.executemany("INSERT INTO segment_fts(rowid, terms) VALUES (%s, %s)", rows)
            cur.executemany("INSERT INTO segment_fts_doc(segment_id, transcript_id) "
                            "VALUES (%s, %s)", [(row_id, transcript_id) for row_id, _ in rows])
        return len(segments)

    @staticmethod
    def _delete(cur: Any, transcript_id: int) -> None:
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
            cur.execute("SELECT count(*) FROM segment_fts_doc WHERE transcript_id = %s "
                        "AND segment_id > 0", [transcript_id])
            return int(cur.fetchone()[0])

    def indexed_transcripts(self) -> dict[int, int]:
        self._check()
        with connection.cursor() as cur:
            cur.execute("SELECT transcript_id, count(*) FROM segment_fts_doc "
                        "WHERE segment_id > 0 GROUP BY transcript_id")
            return {int(t): int(n) for t, n in cur.fetchall()}

    # update_tags: the base's no-op; tags are joined at query time.

    # -- searching --------------------------------------------------------------------------

    def search_page(self, request: SearchRequest) -> SearchPage:
        parsed = parse(request.query)
        self._check()
        empty = SearchPage([], 0, request.page, request.page_size,
                           sort_facets({}) if request.facets else {})
        filters = _filters(parsed, request)
        if filters is None:
            return empty
        where, params = filters
        try:
            with connection.cursor() as cur:
                extras = _bridged(cur, parsed)
                head_sql = _MATCHES.format(filters=where, **_tables())
                head_params = [match_expression(parsed), json.dumps(sorted(extras)), *params]
                facets: dict[str, list[tuple[str, int]]] = {}
                if request.facets:
                    cur.execute(head_sql + _FACETS.format(**_tables()), head_params)
                    for name, value, count in cur.fetchall():
                        facets.setdefault(name, []).append((value, count))
                    facets = sort_facets(facets)
                    total = sum(n for _, n in facets["outlet"])
                else:
                    cur.execute(head_sql + "SELECT count(*) FROM f", head_params)
                    total = int(cur.fetchone()[0])
                cur.execute(head_sql + f"SELECT sid, rank FROM f ORDER BY {_ORDER[request.sort]}"
                            " LIMIT %s OFFSET %s",
                            [*head_params, request.page_size, request.offset])
                ranked = cur.fetchall()
        except DatabaseError as exc:
            if "fts5" not in str(exc):
                raise
            raise QueryError(f"the search index could not read this query: {exc}") from exc
        return SearchPage(build_hits(ranked, parsed), total, request.page, request.page_size,
                          facets)


def _filters(parsed: Query, request: SearchRequest) -> tuple[str, list[Any]] | None:
    """SQL conditions on the matches (aliases s, b, o); None when they contradict."""
    outlet = request.outlet or parsed.outlet
    if request.outlet and parsed.outlet and request.outlet.casefold() != parsed.outlet.casefold():
        return None
    lang = request.language or parsed.lang
    if request.language and parsed.lang and request.language != parsed.lang:
        return None
    where, params = "", []
    if outlet:
        where += " AND o.name = %s COLLATE NOCASE"
        params.append(outlet)
    if lang:
        where += " AND b.language = %s"
        params.append(lang)
    if request.aired_from:
        where += " AND b.aired_at >= %s"
        params.append(_day_start(request.aired_from))
    if request.aired_to:
        where += " AND b.aired_at < %s"
        params.append(_day_start(request.aired_to + timedelta(days=1)))
    if request.transcript_id is not None:
        where += " AND s.transcript_id = %s"
        params.append(int(request.transcript_id))
    for tag in dict.fromkeys((*parsed.tags, *request.tags)):
        where += (" AND EXISTS (SELECT 1 FROM {tagging} ti JOIN {tag} tg ON tg.id = ti.tag_id "
                  "WHERE ti.broadcast_id = b.id AND tg.name = %s COLLATE NOCASE)")
        params.append(tag)
    return where.replace("{tagging}", _tables()["tagging"]).replace("{tag}", _tables()["tag"]), \
        params


def _ids(cur: Any, expr: str, condition: str, params: list[Any]) -> set[int]:
    cur.execute(f"SELECT rowid FROM segment_fts WHERE segment_fts MATCH %s AND {condition}",
                [expr, *params])
    return {int(row[0]) for row in cur.fetchall()}


def _bridged(cur: Any, parsed: Query) -> set[int]:
    """Segments that match only because a phrase crosses into the next segment."""
    phrases = [leaf for leaf in parsed.leaves() if isinstance(leaf, Phrase)]
    crossing: dict[Phrase, set[int]] = {}
    for phrase in phrases:
        rows = _ids(cur, _leaf_expr(phrase), "rowid < 0", [])
        bridges = {-r // 2 for r in rows if -r % 2 == 0}
        heads = {(-r - 1) // 2 for r in rows if -r % 2 == 1}
        crossing[phrase] = bridges - heads
    candidates = set().union(*crossing.values()) if crossing else set()
    if not candidates:
        return set()
    within = "rowid IN (SELECT value FROM json_each(%s))"
    for clause in parsed.must:
        options = clause.options if isinstance(clause, AnyOf) else (clause,)
        ok = _ids(cur, _clause_expr(clause), within, [json.dumps(sorted(candidates))])
        for option in options:
            ok |= crossing.get(option, set()) if isinstance(option, Phrase) else set()
        candidates &= ok
        if not candidates:
            return set()
    if parsed.must_not:
        expr = " OR ".join(_leaf_expr(leaf) for leaf in parsed.must_not)
        candidates -= _ids(cur, expr, within, [json.dumps(sorted(candidates))])
    return candidates


def build_hits(ranked: list[tuple[int, float]], parsed: Query,
               scores_are_bm25: bool = True) -> list[Hit]:
    """Hits for (segment id, rank) pairs, in that order, with tags and highlights from the
    catalog (segments deleted meanwhile are skipped)."""
    from catalog.models import Segment, Tagging

    segments = Segment.objects.select_related("transcript__broadcast__outlet").in_bulk(
        [seg_id for seg_id, _ in ranked])
    broadcast_ids = {seg.transcript.broadcast_id for seg in segments.values()}
    tags: dict[int, set[str]] = {}
    for bid, name in Tagging.objects.filter(broadcast_id__in=broadcast_ids).values_list(
            "broadcast_id", "tag__name"):
        tags.setdefault(bid, set()).add(name)
    hits = []
    for seg_id, rank in ranked:
        seg = segments.get(seg_id)
        if seg is None:
            continue
        following = (Segment.objects.filter(transcript_id=seg.transcript_id,
                                            number__gt=seg.number)
                     .order_by("number").values_list("text", flat=True).first())
        broadcast = seg.transcript.broadcast
        hits.append(Hit(segment_id=seg.id, transcript_id=seg.transcript_id,
                        broadcast_id=broadcast.id, url=broadcast.url,
                        outlet=broadcast.outlet.name, title=broadcast.title,
                        aired_at=broadcast.aired_at, start=seg.start, end=seg.end,
                        text=seg.text, score=-float(rank) if scores_are_bm25 else float(rank),
                        language=broadcast.language,
                        tags=sorted(tags.get(broadcast.id, ())), play_from=seg.start,
                        highlight=highlight(seg.text, parsed,
                                            head(following) if following else None)))
    return hits
