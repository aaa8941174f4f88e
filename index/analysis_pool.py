"""Bulk indexing's analysis in worker processes, while the writer indexes.

A rebuild (``raqib reindex``, ``TantivyBackend.rebuild``) spends most of its Python time
per segment in the analyzer (``index.arabic.index_terms``), the cross-boundary bridge
(``index.highlight.bridge_strings``) and building each document; one process under the
GIL cannot also feed Tantivy. Here that work runs in ``workers`` processes: the writer's
process reads the catalog, sends chunks of transcripts (``segment_docs_json``), and gives
each returned document to Tantivy as JSON (``IndexWriter.add_json``, parsed in Rust),
while the workers analyse the next chunks. Results come back in the order they were sent,
so a rebuild indexes the same documents in the same order as one process would.

The workers are started with ``spawn``: they import only the analyzer and the bridge code
(no Django, no Tantivy), so nothing of the writer's process (its threads, its database
connections) is copied into them. On SQLite (a file, the writer's connection outside a
transaction) the writer sends each worker only the transcripts of a chunk and their shared
fields, and the worker reads the segments' texts itself (``catalog_docs_json``, one
read-only connection per worker): the writer's thread then neither reads nor pickles the
texts. Elsewhere (PostgreSQL, an in-memory database, inside a transaction, whose rows
another connection cannot see) the writer reads them and sends them (``segment_docs_json``).
Each worker keeps its own per-word cache (``index.arabic``), warmed by the Zipfian
vocabulary within the first chunks.

``segment_fields`` is the one definition of a segment document's fields: the in-process
path (``index.tantivy_backend``, for single transcripts) and the workers both use it, so
both give Tantivy the same documents. To extend: add the field there (and in
``tantivy_backend.build_schema``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from index.arabic import GAP, index_terms, terms_need_json_escapes
from index.bridge import bridge_joined

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 3  # chunks submitted ahead per worker (bounds memory, hides latency)
POOL_MIN_SEGMENTS = 50_000  # smaller builds analyse in-process (a pool starts in ~0.5 s)
_NULL_TIME = (1 << 32) - 1


def default_workers() -> int:
    """The analysis processes a rebuild starts by default: one per core."""
    return os.cpu_count() or 1


def sort_keys_seconds(seconds: int | None, segment_id: int) -> tuple[int, int]:
    """(ascending, descending) sort keys from the air time in epoch seconds: air time then
    segment id (ascending in both); no air time sorts last both ways."""
    sid = segment_id & 0xFFFFFFFF
    if seconds is None:
        return (_NULL_TIME << 32) | sid, 0xFFFFFFFF - sid
    seconds = min(max(seconds + (1 << 31), 1), _NULL_TIME - 1)
    return (seconds << 32) | sid, (seconds << 32) | (0xFFFFFFFF - sid)


def segment_fields(shared: dict[str, Any], seconds: int | None,
                   segments: list[tuple[int, str]],
                   corrected: dict[int, tuple[str, str]] | None = None
                   ) -> Iterator[dict[str, Any]]:
    """The field values of each segment document of one transcript: ``shared`` (the
    broadcast's facts) plus the segment id, its terms (``index_terms`` joined by spaces,
    ``GAP`` at an empty position), the bridge to the next segment and the sort keys; and,
    for the first segment of a corrected range (``corrected``: {segment id: (corrected
    text, verified text or "")}), the range's corrected and verified terms."""
    joined = [" ".join(index_terms(text)) for _, text in segments]
    last = len(segments) - 1
    for i, (sid, _) in enumerate(segments):
        fields = shared.copy()
        fields["sid"] = sid
        fields["terms"] = joined[i]
        if i < last:
            bridge = bridge_joined(joined[i], joined[i + 1])
            if bridge:
                fields["bridge"], fields["nhead"] = bridge
        fields["kasc"], fields["kdesc"] = sort_keys_seconds(seconds, sid)
        if corrected and sid in corrected:
            text, verified = corrected[sid]
            fields["cterms"] = " ".join(index_terms(text))
            if verified:
                fields["vterms"] = " ".join(index_terms(verified))
        yield fields


# (shared fields, air seconds, [(segment id, text)], {segment id: (corrected, verified)})
Chunk = list[tuple[dict[str, Any], int | None, list[tuple[int, str]],
                   dict[int, tuple[str, str]]]]


def segment_docs_json(chunk: Chunk) -> list[str]:
    """The documents of a chunk of transcripts ((shared fields, air seconds, [(segment id,
    text)])), each as a JSON object for ``IndexWriter.add_json`` (run in a worker): the
    fields of ``segment_fields`` (``tests/index/test_analysis_pool.py`` holds them equal),
    written directly, the shared ones encoded once per transcript. The terms (and the
    bridge and next head cut from them) are written between quotes as they are: no term
    holds a character JSON escapes (a quote, a backslash, a control character; ``GAP`` is
    none), which ``index.arabic`` checks for each new piece of text it analyses; should one
    ever have, the JSON encoder's C string escaper writes every term of the chunk's
    transcripts analysed from then on."""
    dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False,
                             separators=(",", ":")).encode
    encode = json.encoder.encode_basestring
    docs: list[str] = []
    append = docs.append
    for shared, seconds, segments, corrected in chunk:
        head = dumps(shared)[:-1] + ',"sid":' if shared else '{"sid":'
        joined = [" ".join(index_terms(text)) for _, text in segments]
        escape = terms_need_json_escapes()  # after the analysis of this transcript
        last = len(segments) - 1
        asc, desc = sort_keys_seconds(seconds, 0)
        desc &= ~0xFFFFFFFF  # the air time's part of both keys (segment id 0)
        for i, (sid, _) in enumerate(segments):
            terms = joined[i]
            bridge = bridge_joined(terms, joined[i + 1]) if i < last else None
            if escape:
                doc = f'{head}{sid},"terms":{encode(terms)}'
                if bridge:
                    doc += f',"bridge":{encode(bridge[0])},"nhead":{encode(bridge[1])}'
            elif bridge:
                doc = f'{head}{sid},"terms":"{terms}","bridge":"{bridge[0]}","nhead":"{bridge[1]}"'
            else:
                doc = f'{head}{sid},"terms":"{terms}"'
            sid32 = sid & 0xFFFFFFFF  # sort_keys_seconds, its air-time part done once
            doc += f',"kasc":{asc | sid32},"kdesc":{desc | (0xFFFFFFFF - sid32)}'
            if corrected and sid in corrected:
                text, verified = corrected[sid]
                doc += f',"cterms":{encode(" ".join(index_terms(text)))}'
                if verified:
                    doc += f',"vterms":{encode(" ".join(index_terms(verified)))}'
            append(doc + "}")
    return docs


# (the catalog's SQLite file, the segments' SELECT of transcript id, segment id, text and
# number in order, from a first to a last transcript id (two "?"), [(transcript id, shared
# fields, air seconds, {segment number: (corrected, verified)} of its corrected ranges)])
CatalogChunk = tuple[str, str, list[tuple[int, dict[str, Any], int | None,
                                          dict[int, tuple[str, str]]]]]
_catalogs: dict[str, sqlite3.Connection] = {}  # this worker's read-only connections


def catalog_docs_json(task: CatalogChunk) -> list[str]:
    """``segment_docs_json`` of a chunk of transcripts whose segments this process reads
    from the catalog itself (run in a worker): one read-only SQLite connection per worker
    and catalog, kept for the next chunks, and one query per chunk (the range of its
    transcript ids, consecutive in a rebuild; others in the range are skipped). It sees the
    committed catalog, as a new connection of the writer would."""
    path, sql, transcripts = task
    connection = _catalogs.get(path)
    if connection is None:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        connection = _catalogs[path] = sqlite3.connect(uri, uri=True, check_same_thread=False)
    chunk: Chunk = []
    found: dict[int, tuple[list[tuple[int, str]], dict[int, tuple[str, str]],
                           dict[int, tuple[str, str]]]] = {}
    for tid, shared, seconds, ranges in transcripts:
        segments: list[tuple[int, str]] = []
        extra: dict[int, tuple[str, str]] = {}
        chunk.append((shared, seconds, segments, extra))
        found[tid] = (segments, extra, ranges)
    current = None
    mine = None
    for tid, sid, text, number in connection.execute(sql, (transcripts[0][0],
                                                           transcripts[-1][0])):
        if tid != current:
            current, mine = tid, found.get(tid)
        if mine is None:
            continue
        mine[0].append((sid, text))
        if mine[2]:
            corrected = mine[2].get(number)
            if corrected is not None:
                mine[1][sid] = corrected
    return segment_docs_json(chunk)


def joined_terms(texts: list[str]) -> list[str]:
    """Each text's analysed terms joined by spaces, stop-word gaps left out (what the
    benchmarks give bare Tantivy; run in a worker)."""
    return [" ".join(t for t in index_terms(text) if t != GAP) for text in texts]


def _warm() -> None:
    index_terms("تهيئة")  # build the tokenizer's regular expressions once per worker


class WorkerPool:
    """``workers`` spawned processes for ``map`` (none when ``workers`` ≤ 1: ``map`` then
    runs in this process); a context manager that stops them."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(
            "spawn"), initializer=_warm) if workers > 1 else None)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, func: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``func(item)`` for each item, in the items' order, at most
        ``IN_FLIGHT_PER_WORKER`` items per worker ahead of the consumer. ``func`` must be
        a module-level function (it is sent to the workers by name)."""
        if self._pool is None:
            yield from map(func, items)
            return
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(self._pool.submit(func, item))
            if len(pending) >= self.workers * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def ordered_map(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``WorkerPool(workers).map(func, items)``, the pool stopped at the end."""
    with WorkerPool(workers) as pool:
        yield from pool.map(func, items)
