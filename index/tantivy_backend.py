"""The embedded search backend: Tantivy (``tantivy`` on PyPI), an index directory under the
data dir, no server.

Analysis is Raqib's (``index.arabic``, Elasticsearch's ``arabic`` analyzer): each segment
is given to Tantivy as its analysed terms joined by spaces, with ``arabic.GAP`` at each
position a stop word leaves empty (``index_terms``); the text fields' tokenizer
(``ANALYZER``: split on spaces, drop ``GAP``) keeps those positions, so a stop word leaves
the same position gap as in Lucene and both backends index the same terms. (One string
per field is several times cheaper to hand over than pre-tokenized token objects.)
Tantivy never analyses a word itself; the original text stays in the catalog and is what
a hit returns. One document per segment: ``terms`` (its own words), ``bridge`` (its last
words followed by the next segment's first) and ``nhead`` (those first words alone), for
phrases spoken across the boundary (``index.highlight``); and the broadcast's facts for
filters, facets and sort (outlet, language, month, tags, air time). Ranking is Tantivy's
BM25 (as Elasticsearch's), ties newest broadcast first; the query translation is in
``index.tantivy_query``; directories, the single writer and rebuild/swap in
``index.tantivy_store``. Tags are indexed: ``update_tags`` re-indexes the broadcast.
Corrected text (``review.corrections``): the document of a corrected range's first segment
also holds the range's current corrected text (``cterms``) and its verified text
(``vterms``, when a second person verified a version; ``catalog.corrections``); a query
matches any of the three texts, ``verified:yes`` only ``vterms``. Correcting or verifying
re-indexes the transcript.

To extend: add a field in ``build_schema`` and ``_documents`` (bump
``tantivy_store.SCHEMA_VERSION``), then ``raqib reindex``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import tantivy

from index.analysis_pool import (
    POOL_MIN_SEGMENTS,
    CatalogChunk,
    Chunk,
    WorkerPool,
    catalog_docs_json,
    default_workers,
    segment_docs_json,
    segment_fields,
    sort_keys_seconds,
)
from index.arabic import GAP
from index.base import SearchBackend, SearchPage, SearchRequest
from index.hits import build_hits, sort_facets
from index.tantivy_query import Translator, request_filters
from index.tantivy_store import TantivyStore
from index.watch_match import nocase

log = logging.getLogger("raqib.index.tantivy")

TEXT_FIELDS = ("terms", "bridge", "nhead", "cterms", "vterms")
FACET_FIELDS = {"outlet": "outlet", "language": "lang", "month": "month", "tag": "tag"}
BATCH_SEGMENTS = 100_000  # segments per commit when (re)building (fewer commits and merges)
BUILD_HEAP = 400_000_000  # writer heap when (re)building (bytes)
CHUNK_SEGMENTS = 2_000  # segments per chunk sent to an analysis worker
_NULL_TIME = (1 << 32) - 1
ANALYZER = "raqib_terms"  # the text fields' tokenizer: pre-analysed terms, GAP dropped


def register_analyzer(index: tantivy.Index) -> None:
    """Register ``ANALYZER`` on an opened index (Tantivy keeps tokenizers in memory)."""
    index.register_tokenizer(ANALYZER, tantivy.TextAnalyzerBuilder(
        tantivy.Tokenizer.whitespace()).filter(tantivy.Filter.custom_stopword([GAP])).build())


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("sid", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("tid", indexed=True, fast=True)
    sb.add_unsigned_field("bid", indexed=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name=ANALYZER, index_option="position")
    for name in ("outlet", "lang", "month", "tag"):  # facet values (exact)
        sb.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("okey", "tkey"):  # outlet and tags, ASCII case-folded, for filters
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    # the air day on the outlet's calendar (catalog.aired), as its UTC midnight in epoch seconds
    sb.add_integer_field("aired", indexed=True, fast=True)
    sb.add_unsigned_field("kasc", fast=True)  # sort keys: air time then segment id
    sb.add_unsigned_field("kdesc", fast=True)
    return sb.build()


def sort_keys(aired_at: datetime | None, segment_id: int) -> tuple[int, int]:
    """(ascending, descending) keys: air time then segment id (ascending in both); a
    broadcast without an air time sorts last both ways."""
    return sort_keys_seconds(None if aired_at is None else int(aired_at.timestamp()),
                             segment_id)


_SCHEMA = build_schema()  # the field types Document.from_dict converts values to


def _corrected_by_segment(ranges: dict[int, Any], segments: list[tuple[int, str]],
                          numbers: list[int]) -> dict[int, tuple[str, str]]:
    """{segment id: (the range's corrected text, its verified text or "")} for the first
    segment of each corrected range (``catalog.corrections.range_texts``): that segment's
    document carries the range's texts (fields ``cterms``/``vterms``)."""
    return {sid: (ranges[n].corrected, ranges[n].verified)
            for (sid, _), n in zip(segments, numbers, strict=True) if n in ranges}


class TantivyBackend(SearchBackend):
    """SearchBackend over a Tantivy index directory (see the module docstring)."""

    name = "tantivy"

    def __init__(self, path: str | Path, index_workers: int = 0) -> None:
        self.path = Path(path)
        # analysis processes of a rebuild (index.analysis_pool); 0: one per core
        self.index_workers = index_workers or default_workers()
        self.schema = build_schema()
        self.store = TantivyStore(self.path, build_schema, prepare=register_analyzer)

    @classmethod
    def from_config(cls, config: Any) -> TantivyBackend:
        configured = config.get("search.index_dir")
        return cls(Path(configured).expanduser() if configured else config.data_dir / "search",
                   index_workers=config.get("search.index_workers"))

    # -- documents ----------------------------------------------------------------------------

    @staticmethod
    def _facts(transcript_ids: list[int]) -> dict[int, tuple[int, dict[str, Any], int | None]]:
        """{transcript id: (broadcast id, the fields its segments share, air time in epoch
        seconds)} from the catalog."""
        from catalog.models import Tagging, Transcript

        rows = Transcript.objects.filter(id__in=transcript_ids).values_list(
            "id", "broadcast_id", "broadcast__outlet__name", "broadcast__language",
            "broadcast__aired_at", "broadcast__aired_date")
        tags: dict[int, list[str]] = {}
        facts = {}
        rows = list(rows)
        for bid, tag in Tagging.objects.filter(broadcast_id__in={r[1] for r in rows}
                                               ).values_list("broadcast_id", "tag__name"):
            tags.setdefault(bid, []).append(tag)
        for tid, bid, outlet, lang, aired, day in rows:
            facts[tid] = (bid, *_shared_fields(tid, bid, outlet, lang or "", aired,
                                              tags.get(bid, []), day))
        return facts

    def _documents(self, transcript_ids: list[int]) -> tuple[dict[int, Iterable[Any]], int]:
        """{transcript id: its tantivy.Documents, built as they are iterated (once)} from
        the catalog; and the segment count."""
        from catalog.corrections import range_texts
        from catalog.models import Segment

        facts = self._facts(transcript_ids)
        by_transcript: dict[int, list[tuple[int, str]]] = {t: [] for t in facts}
        numbers: dict[int, list[int]] = {t: [] for t in facts}
        for tid, sid, text, number in (Segment.objects.filter(transcript_id__in=list(facts))
                                       .order_by("transcript_id", "number")
                                       .values_list("transcript_id", "id", "text", "number")):
            by_transcript[tid].append((sid, text))
            numbers[tid].append(number)
        corrected = range_texts(list(facts))
        docs: dict[int, Iterable[Any]] = {}
        total = 0
        for tid, segments in by_transcript.items():
            _, shared, seconds = facts[tid]
            ranges = corrected.get(tid, {})
            extra = _corrected_by_segment(ranges, segments, numbers[tid])
            docs[tid] = self._transcript_docs(shared, seconds, segments, extra)
            total += len(segments)
        return docs, total

    @staticmethod
    def _transcript_docs(shared: dict[str, Any], seconds: int | None,
                         segments: list[tuple[int, str]],
                         corrected: dict[int, tuple[str, str]] | None = None
                         ) -> Iterator[Any]:
        # a generator: the writer takes each document as it is built and it is freed before
        # the next one (holding a whole batch's documents first, then freeing them cold,
        # cost a few microseconds more per segment); one ``Document.from_dict`` call per
        # segment is cheaper than a dozen ``add_*`` calls
        schema = _SCHEMA
        from_dict = tantivy.Document.from_dict
        for fields in segment_fields(shared, seconds, segments, corrected):
            yield from_dict(fields, schema)

    def _chunks(self, transcript_ids: list[int], counted: list[int]) -> Iterator[Chunk]:
        """The catalog's transcripts as chunks of about CHUNK_SEGMENTS segments for the
        analysis workers (read as a stream, so the workers start on the first chunk while
        the rest is read); ``counted[0]`` adds up the segments."""
        from django.db import connection

        from catalog.corrections import range_texts
        from catalog.models import Segment

        facts = self._facts(transcript_ids)
        chunk: Chunk = []
        size = 0
        current: int | None = None
        segments: list[tuple[int, str]] = []
        extra: dict[int, tuple[str, str]] = {}
        ranges: dict[int, Any] | None = None  # the current transcript's corrected ranges
        if not facts:
            return
        corrected = range_texts(list(facts))  # the corrected ranges (few): two queries
        # one range of transcript ids (a batch of rebuild is consecutive ids), read as a
        # stream with the cursor (the ORM's rows cost more than the analysis of a segment)
        q = connection.ops.quote_name
        sql = (f"SELECT transcript_id, id, text, number FROM {q(Segment._meta.db_table)} "
               f"WHERE transcript_id >= %s AND transcript_id <= %s "
               f"ORDER BY transcript_id, number")
        with connection.cursor() as cursor:
            cursor.execute(sql, [min(facts), max(facts)])
            while rows := cursor.fetchmany(5_000):
                for tid, sid, text, number in rows:
                    if tid not in facts:
                        continue
                    if tid != current:
                        if size >= CHUNK_SEGMENTS:
                            counted[0] += size
                            yield chunk
                            chunk, size = [], 0
                        current = tid
                        _, shared, seconds = facts[tid]
                        segments, extra = [], {}
                        chunk.append((shared, seconds, segments, extra))
                        ranges = corrected.get(tid)
                    segments.append((sid, text))
                    if ranges:
                        found = ranges.get(number)
                        if found is not None:
                            extra[sid] = (found.corrected, found.verified)
                    size += 1
        counted[0] += size
        if chunk:
            yield chunk

    def _catalog_chunks(self, catalog: str, transcript_ids: list[int],
                        counts: dict[int, int]) -> Iterator[CatalogChunk]:
        """The transcripts as chunks of about CHUNK_SEGMENTS segments (by ``counts``) for
        workers that read the segments from the catalog file themselves
        (``analysis_pool.catalog_docs_json``): each transcript's shared fields, air time
        and corrected ranges, read here (few rows), in the order of ``_chunks``."""
        from catalog.corrections import range_texts
        from catalog.models import Segment

        facts = self._facts(transcript_ids)
        if not facts:
            return
        corrected = range_texts(list(facts))
        sql = (f'SELECT transcript_id, id, text, number FROM "{Segment._meta.db_table}" '
               f"WHERE transcript_id >= ? AND transcript_id <= ? "
               f"ORDER BY transcript_id, number")
        chunk: list[tuple[int, dict[str, Any], int | None, dict[int, tuple[str, str]]]] = []
        size = 0
        for tid in transcript_ids:
            if tid not in facts:
                continue
            _, shared, seconds = facts[tid]
            ranges = {n: (r.corrected, r.verified) for n, r in corrected.get(tid, {}).items()}
            chunk.append((tid, shared, seconds, ranges))
            size += counts.get(tid, 0)
            if size >= CHUNK_SEGMENTS:
                yield catalog, sql, chunk
                chunk, size = [], 0
        if chunk:
            yield catalog, sql, chunk

    def _pooled_change(self, transcript_ids: list[int], pool: WorkerPool,
                       counted: list[int], counts: dict[int, int]) -> Any:
        """A batch's write with its analysis in ``pool`` (in this process when the pool has
        no worker processes): delete the batch's transcripts, then add each document as the
        workers return it (JSON, parsed by Tantivy). With worker processes on a SQLite file
        (``worker_catalog``) the workers read the segments themselves."""
        def change(writer: Any) -> None:
            for tid in transcript_ids:
                self._delete(writer, tid)
            add = writer.add_json
            catalog = worker_catalog() if pool.workers > 1 else None
            if catalog is None:
                for docs in pool.map(segment_docs_json, self._chunks(transcript_ids, counted)):
                    for doc in docs:
                        add(doc)
                return
            for docs in pool.map(catalog_docs_json,
                                 self._catalog_chunks(catalog, transcript_ids, counts)):
                counted[0] += len(docs)
                for doc in docs:
                    add(doc)
        return change

    def _delete(self, writer: Any, transcript_id: int) -> None:
        # by query: tantivy-py 0.27 builds a by-term deletion on a u64 field with the wrong
        # term type, and deletes nothing
        writer.delete_documents_by_query(tantivy.Query.term_query(self.schema, "tid",
                                                                  transcript_id))

    def _replace(self, docs: dict[int, Iterable[Any]]) -> Any:
        def change(writer: Any) -> None:
            for tid, transcript_docs in docs.items():
                self._delete(writer, tid)
                for doc in transcript_docs:
                    writer.add_document(doc)
        return change

    # -- indexing -----------------------------------------------------------------------------

    def bootstrap(self) -> None:
        """Build the first generation from the catalog (the caller holds the lock)."""
        from catalog.models import Transcript

        if self.store.current() is not None:
            return
        generation = self.store.new_generation()
        ids = list(Transcript.objects.order_by("id").values_list("id", flat=True))
        if ids:
            log.warning("building the search index from the catalog (first start on "
                        "Tantivy): %d transcripts", len(ids))
        try:
            self._fill(generation, ids, locked=True)
        except BaseException:
            self.store.abandon(generation)
            raise
        self.store.swap(generation)

    def _bootstrap_locked(self) -> None:
        with self.store.lock():
            self.bootstrap()

    def _fill(self, generation: str, ids: list[int], *, locked: bool,
              progress: Any = None) -> int:
        # the cyclic garbage collector would walk every document built so far on each of
        # its passes (a tenth of the build time); nothing built here forms cycles
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._fill_batches(generation, ids, locked=locked, progress=progress)
        finally:
            if enabled:
                gc.enable()

    def _fill_batches(self, generation: str, ids: list[int], *, locked: bool,
                      progress: Any = None) -> int:
        from django.db.models import Count

        from catalog.models import Transcript

        counts = dict(Transcript.objects.annotate(n=Count("segments")).values_list("id", "n"))
        total = sum(counts.get(tid, 0) for tid in ids)
        # analysis in worker processes for a large build (index.analysis_pool)
        workers = self.index_workers if total >= POOL_MIN_SEGMENTS else 1
        done = segments = 0
        batch: list[int] = []
        with WorkerPool(workers) as pool:

            def write() -> int:
                # the catalog read with the cursor and the documents as JSON, with one
                # worker too (then in this process): 3-4 µs less per segment than the
                # ORM's rows and ``Document.from_dict`` of ``_documents``
                counted = [0]
                self.store.apply([generation],
                                 self._pooled_change(batch, pool, counted, counts),
                                 heap=BUILD_HEAP)
                return counted[0]

            def flush() -> None:
                nonlocal segments
                if locked:
                    segments += write()
                else:
                    with self.store.lock():
                        segments += write()
                if progress:
                    progress(done, len(ids), segments)

            size = 0
            for tid in ids:
                batch.append(tid)
                done += 1
                size += counts.get(tid, 0)
                if size >= BATCH_SEGMENTS:
                    flush()
                    batch, size = [], 0
            if batch:
                flush()
        return segments

    def rebuild(self, progress: Any = None) -> int:
        """Build a new generation from the catalog beside the live one and swap it in;
        searches go on meanwhile and writes go to both. Return the segments indexed."""
        from catalog.models import Transcript
        from index import consistency

        with self.store.lock():
            generation = self.store.new_generation()
            self.store.start_building(generation)
        try:
            ids = list(Transcript.objects.order_by("id").values_list("id", flat=True))
            segments = self._fill(generation, ids, locked=False, progress=progress)
            with self.store.lock():
                shadow = _Generation(self, generation)
                consistency.fix(shadow, consistency.check(shadow))
                self.store.swap(generation)
        except BaseException:
            with self.store.lock():
                self.store.abandon(generation)
            raise
        return segments

    def index_transcript(self, transcript_id: int) -> int:
        count = 0

        def change(writer: Any) -> None:
            nonlocal count
            docs, count = self._documents([transcript_id])
            self._delete(writer, transcript_id)
            for doc in docs.get(transcript_id, []):
                writer.add_document(doc)

        self.store.write(change, bootstrap=self.bootstrap)
        return count

    def remove_transcript(self, transcript_id: int) -> None:
        self.store.write(lambda w: self._delete(w, transcript_id), bootstrap=self.bootstrap)

    def update_tags(self, broadcast_id: int) -> None:
        from catalog.models import Transcript

        for transcript_id in Transcript.objects.filter(broadcast_id=broadcast_id).values_list(
                "id", flat=True):
            self.index_transcript(transcript_id)

    def clear(self) -> None:
        """Empty the index (``raqib reindex`` rebuilds it from the catalog)."""
        with self.store.lock():
            if self.store.current() is None:
                self.store.swap(self.store.new_generation())
            targets = [g for g in (self.store.current(), self.store.building()) if g]
            self.store.apply(targets, lambda w: w.delete_all_documents())

    def _searcher(self) -> tantivy.Searcher:
        return self.store.searcher(bootstrap=self._bootstrap_locked)

    def count_indexed(self, transcript_id: int) -> int:
        searcher = self._searcher()
        query = tantivy.Query.term_query(self.schema, "tid", transcript_id)
        return int(searcher.search(query, 1, count=True).count)

    def indexed_transcripts(self) -> dict[int, int]:
        return _indexed_transcripts(self._searcher())

    # -- searching ----------------------------------------------------------------------------

    def search_page(self, request: SearchRequest) -> SearchPage:
        from index.query import parse

        parsed = parse(request.query)
        empty = SearchPage([], 0, request.page, request.page_size,
                           sort_facets({}) if request.facets else {})
        filters = request_filters(self.schema, parsed, request)
        if filters is None:
            return empty
        searcher = self._searcher()
        query = Translator(self.schema, searcher).query(parsed, filters)
        if request.sort == "relevance":
            total, ranked = _by_relevance(searcher, query, request.offset, request.page_size)
        else:
            field = "kasc" if request.sort == "aired_at" else "kdesc"
            order = tantivy.Order.Asc if field == "kasc" else tantivy.Order.Desc
            result = searcher.search(query, request.page_size, count=True, offset=request.offset,
                                     order_by_field=field, order=order)
            total = int(result.count)
            ranked = [(address, 0.0) for _, address in result.hits]
        facets = _facets(searcher, query) if request.facets and total else empty.facets
        ids = searcher.fast_field_values("sid", [address for address, _ in ranked])
        return SearchPage(build_hits([(int(i), s) for i, (_, s) in zip(ids, ranked, strict=True)],
                                     parsed), total, request.page, request.page_size, facets)


def worker_catalog() -> str | None:
    """The catalog's SQLite file when the analysis workers may read the segments from it
    themselves: SQLite on a file and this process's connection outside a transaction (a
    worker's own connection sees only committed rows, and nothing of an in-memory
    database); None otherwise (the writer reads them)."""
    from django.db import connection

    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    name = connection.settings_dict["NAME"]
    if connection.creation.is_in_memory_db(name):
        return None
    return str(name)


TIE_WINDOW = 5_000  # the most hits fetched to order equal scores newest first


def _shared_fields(tid: int, bid: int, outlet: str, lang: str, aired: datetime | None,
                   tags: list[str], day: date | None) -> tuple[dict[str, Any], int | None]:
    """The fields every segment document of a transcript shares, and its air time in epoch
    seconds (for the sort keys)."""
    shared: dict[str, Any] = {"tid": tid, "bid": bid, "outlet": outlet,
                              "okey": nocase(outlet), "lang": lang}
    if aired:
        # Filters and the month facet go by the day the outlet printed (catalog.aired:
        # the broadcast's ``aired_date``), kept as that day's UTC midnight so a
        # --from/--to day range matches it; sorting keeps the instant (``sort_keys``).
        day = day or aired.astimezone(UTC).date()
        shared["month"] = f"{day:%Y-%m}"
        shared["aired"] = int(datetime.combine(day, time(), tzinfo=UTC).timestamp())
    if tags:
        shared["tag"] = list(tags)
        shared["tkey"] = [nocase(tag) for tag in tags]
    return shared, None if aired is None else int(aired.timestamp())


def _by_relevance(searcher: tantivy.Searcher, query: tantivy.Query, offset: int,
                  size: int) -> tuple[int, list[tuple[Any, float]]]:
    """BM25 order, equal scores newest broadcast first (then segment id): hits tied with
    the page's last one are fetched (up to TIE_WINDOW) so the order does not depend on
    where Tantivy stored them."""
    need = offset + size
    # Four times the page from the start: with BM25 many hits tie (same term counts, same
    # lengths), and fetching just one past the page needed a second search for every word
    # query of the 1M benchmark; a larger first window costs little (a top-k heap).
    fetch = min(4 * (need + 1), max(TIE_WINDOW, need + 1))
    while True:
        result = searcher.search(query, fetch, count=True)
        hits = result.hits
        if (len(hits) < fetch or len(hits) < need or hits[-1][0] != hits[need - 1][0]
                or fetch >= TIE_WINDOW):
            break
        fetch = min(fetch * 4, TIE_WINDOW)
    keys = searcher.fast_field_values("kdesc", [address for _, address in hits])
    order = sorted(range(len(hits)), key=lambda i: (-hits[i][0], -(keys[i] or 0)))
    return int(result.count), [(hits[i][1], hits[i][0]) for i in order[offset:need]]


def _facets(searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, list[tuple[str, int]]]:
    aggs = {name: {"terms": {"field": field, "size": 10_000}}
            for name, field in FACET_FIELDS.items()}
    result = searcher.aggregate(query, aggs)
    return sort_facets({name: [(b["key"], b["doc_count"]) for b in result[name]["buckets"]]
                        for name in FACET_FIELDS})


TID_CHUNK = 50_000  # transcript ids per terms aggregation (Tantivy refuses > 65,000 buckets)
_TID_MAX = (1 << 63) - 1


def _indexed_transcripts(searcher: tantivy.Searcher) -> dict[int, int]:
    """{transcript id: its indexed segments}, counted in ranges of TID_CHUNK ids: one terms
    aggregation over every transcript failed past 65,000 transcripts (Tantivy's bucket
    limit; the 10M-segment benchmark has 250,000). Each range starts at the smallest id
    left, so sparse ids cost no empty ranges."""
    counts: dict[int, int] = {}
    start = _smallest_tid(searcher, 0) if searcher.num_docs else None
    while start is not None:
        end = start + TID_CHUNK
        result = searcher.aggregate(_tid_range(start, end), {
            "t": {"terms": {"field": "tid", "size": TID_CHUNK}}})
        counts.update((int(b["key"]), int(b["doc_count"])) for b in result["t"]["buckets"])
        start = _smallest_tid(searcher, end)
    return counts


def _tid_range(lower: int, upper: int) -> tantivy.Query:
    return tantivy.Query.range_query(_SCHEMA, "tid", tantivy.FieldType.Unsigned, lower,
                                     upper, include_lower=True, include_upper=False)


def _smallest_tid(searcher: tantivy.Searcher, lower: int) -> int | None:
    result = searcher.aggregate(_tid_range(lower, _TID_MAX), {"m": {"min": {"field": "tid"}}})
    value = result["m"]["value"]
    return None if value is None else int(value)


class _Generation(SearchBackend):
    """The drift check's view of a generation being built (for the last pass before the
    swap; the caller holds the lock, so writes go straight to that generation)."""

    name = "tantivy"

    def __init__(self, backend: TantivyBackend, generation: str) -> None:
        self.backend, self.generation = backend, generation

    def _index(self) -> tantivy.Index:
        index = self.backend.store.index(self.generation)
        index.reload()
        return index

    def indexed_transcripts(self) -> dict[int, int]:
        return _indexed_transcripts(self._index().searcher())

    def count_indexed(self, transcript_id: int) -> int:
        return self.indexed_transcripts().get(transcript_id, 0)

    def index_transcript(self, transcript_id: int) -> int:
        docs, count = self.backend._documents([transcript_id])
        docs.setdefault(transcript_id, [])
        self.backend.store.apply([self.generation], self.backend._replace(docs))
        return count

    def remove_transcript(self, transcript_id: int) -> None:
        self.backend.store.apply([self.generation], self.backend._replace({transcript_id: []}))

    def clear(self) -> None:
        raise NotImplementedError

    def search_page(self, request: SearchRequest) -> SearchPage:
        raise NotImplementedError
