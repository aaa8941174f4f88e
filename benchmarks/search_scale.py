"""Search at scale: indexing rate and query latency of the embedded backend (Raqib on
Tantivy, full pages), with bare Tantivy on the same corpus and queries, side by side.

Run (validation):   .venv/bin/python benchmarks/search_scale.py --sizes 2000,10000
Run (full figures): .venv/bin/python benchmarks/search_scale.py --sizes 100000,1000000

For each size a child process gets a fresh RAQIB_DATA_DIR, bulk-creates the catalog rows
(Broadcast/Transcript/Segment) of ``benchmarks.corpus`` and indexes it through
``TantivyBackend.rebuild`` (the ``raqib reindex`` path, analysis included). Then each query
kind runs ``--queries`` distinct queries (one warm-up round, one timed round): a word
(mid-frequency vocabulary ranks), a phrase (two consecutive words taken from the corpus) and
a filtered, faceted query (word + outlet + a 6-month air-date range, facets on) through
``search_page(SearchRequest(...))``, full pages (hits read from the catalog, highlights),
and again as the engine alone (``raqib_engine``: the same call with the hits left as segment
ids and scores: query, ranking, count, facets). Tantivy indexes the same segments as our
analyzer's terms joined by spaces (its default tokenizer; stop-word gaps are not kept as
positions) with outlet/lang/month fast fields, and runs the same queries (term, phrase, and
term + outlet + month range with terms aggregations); the word and phrase queries are also
timed with the same aggregations (``tantivy_with_facets``), like for like with a Raqib page,
which counts facets over all matches for every query. Prints a Markdown table and the JSON
(``--json PATH`` also writes it; ``--keep DIR`` keeps each size's data dir for
``benchmarks/search_load.py``). To add a query kind: add it to ``query_sets`` and to both
``_time_raqib`` and ``_time_tantivy``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generate, vocabulary  # noqa: E402

KINDS = ("word", "phrase", "filtered_faceted")


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(p95 * 1000, 3)}


def query_sets(size: int, seed: int, n: int) -> dict[str, list[dict]]:
    """The same queries for both engines: raw words (analysed by each side's indexer)."""
    from benchmarks.corpus import OUTLETS, STOPWORDS

    rng = random.Random(seed + 1)
    words = vocabulary(seed)
    mid = [w for w in words[len(STOPWORDS) + 20:len(STOPWORDS) + 2000]]
    docs = list(generate(min(size, 4000), seed))
    segments = [s for d in docs for s in d.segments]
    stops = set(STOPWORDS)
    phrases = []
    while len(phrases) < n:
        tokens = rng.choice(segments).split()
        i = rng.randrange(len(tokens) - 1)
        if tokens[i] not in stops and tokens[i + 1] not in stops:
            phrases.append([tokens[i], tokens[i + 1]])
    filtered = []
    for _ in range(n):
        month = rng.randrange(0, 18)
        start = date(2023 + month // 12, month % 12 + 1, 1)
        end_month = month + 6  # six whole months: `to` is the last day of the sixth
        end = date(2023 + end_month // 12, end_month % 12 + 1, 1) - timedelta(days=1)
        filtered.append({"word": rng.choice(words[len(STOPWORDS):len(STOPWORDS) + 300]),
                         "outlet": rng.choice(OUTLETS), "from": start, "to": end})
    return {"word": [{"word": rng.choice(mid)} for _ in range(n)],
            "phrase": [{"words": p} for p in phrases], "filtered_faceted": filtered}


# --- child: one size ------------------------------------------------------------------------

def _load_catalog(size: int, seed: int) -> tuple[list[int], float]:
    from django.db import transaction

    from catalog.models import Broadcast, Outlet, Segment, Source, Transcript

    started = time.perf_counter()
    outlets: dict[str, Outlet] = {}
    sources: dict[str, Source] = {}
    transcript_ids = []
    batch: list[Segment] = []
    with transaction.atomic():
        for doc in generate(size, seed):
            if doc.outlet not in outlets:
                outlets[doc.outlet] = Outlet.objects.create(name=doc.outlet)
                sources[doc.outlet] = Source.objects.create(
                    name=f"bench-{len(sources)}", outlet=outlets[doc.outlet], kind="html")
            broadcast = Broadcast.objects.create(
                source=sources[doc.outlet], outlet=outlets[doc.outlet],
                external_id=f"b{doc.number}", url=f"https://example.org/{doc.number}",
                title=f"حلقة {doc.number}", language=doc.language, aired_at=doc.aired_at,
                status=Broadcast.Status.TRANSCRIBED)
            transcript = Transcript.objects.create(broadcast=broadcast, engine="bench",
                                                   model_id="synthetic")
            transcript_ids.append(transcript.pk)
            batch.extend(Segment(transcript=transcript, number=i, start=i * 5.0,
                                 end=i * 5.0 + 5, text=text)
                         for i, text in enumerate(doc.segments))
            if len(batch) >= 20_000:
                Segment.objects.bulk_create(batch)
                batch = []
        Segment.objects.bulk_create(batch)
    return transcript_ids, time.perf_counter() - started


def _time_raqib(backend: object, queries: dict[str, list[dict]]) -> dict[str, dict]:
    from index.base import SearchRequest

    def request(kind: str, q: dict) -> SearchRequest:
        if kind == "word":
            return SearchRequest(q["word"], facets=False)
        if kind == "phrase":
            return SearchRequest('"' + " ".join(q["words"]) + '"', facets=False)
        return SearchRequest(q["word"], outlet=q["outlet"], aired_from=q["from"],
                             aired_to=q["to"], facets=True)

    import index.tantivy_backend as module

    def timed(requests: list[SearchRequest]) -> tuple[list[float], list[int]]:
        for r in requests:  # warm-up
            backend.search_page(r)
        times, totals = [], []
        for r in requests:
            started = time.perf_counter()
            page = backend.search_page(r)
            times.append(time.perf_counter() - started)
            totals.append(page.total)
        return times, totals

    out = {}
    for kind in KINDS:
        requests = [request(kind, q) for q in queries[kind]]
        times, totals = timed(requests)
        out[kind] = {**_percentiles(times), "mean_hits": round(statistics.mean(totals), 1)}
        # the engine alone: the same search_page call with the hits left as (segment id,
        # score) pairs, i.e. parse + query + ranking + count + facets + ids, no catalog
        # reads or highlights (what the bare-Tantivy floor is compared with)
        build_hits = module.build_hits
        module.build_hits = lambda ranked, parsed: ranked
        try:
            engine_times, _ = timed(requests)
        finally:
            module.build_hits = build_hits
        out[kind]["engine"] = _percentiles(engine_times)
    return out


def _tantivy(size: int, seed: int, queries: dict[str, list[dict]], workdir: Path) -> dict:
    import tantivy

    from index.arabic import analyze_terms

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("terms", stored=False)
    builder.add_text_field("outlet", stored=False, tokenizer_name="raw", fast=True)
    builder.add_text_field("lang", stored=False, tokenizer_name="raw", fast=True)
    builder.add_integer_field("month", stored=False, indexed=True, fast=True)
    builder.add_integer_field("segment_id", stored=True)
    schema = builder.build()
    workdir.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(workdir))
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    started = time.perf_counter()
    segment_id = 0
    for doc in generate(size, seed):
        month = doc.aired_at.year * 100 + doc.aired_at.month
        for text in doc.segments:
            segment_id += 1
            writer.add_document(tantivy.Document(
                terms=" ".join(analyze_terms(text)), outlet=doc.outlet, lang=doc.language,
                month=month, segment_id=segment_id))
    writer.commit()
    writer.wait_merging_threads()
    index_seconds = time.perf_counter() - started
    index.reload()
    out: dict = {"index_seconds": round(index_seconds, 2),
                 "index_rate_segments_per_s": round(size / index_seconds, 1)}
    out.update(time_bare_tantivy(index, schema, queries))
    return out


def time_bare_tantivy(index: object, schema: object, queries: dict[str, list[dict]]) -> dict:
    """The queries on a bare Tantivy index built as ``_tantivy`` builds it (a term, a phrase,
    a term + outlet + month range; with and without the page's aggregations)."""
    import tantivy

    from index.arabic import analyze_terms

    searcher = index.searcher()

    def analysed(word: str) -> str:
        terms = analyze_terms(word)
        return terms[0] if terms else word

    def build(kind: str, q: dict) -> tantivy.Query:
        if kind == "word":
            return tantivy.Query.term_query(schema, "terms", analysed(q["word"]))
        if kind == "phrase":
            return tantivy.Query.phrase_query(schema, "terms", [analysed(w) for w in q["words"]])
        lo = q["from"].year * 100 + q["from"].month
        hi = q["to"].year * 100 + q["to"].month
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "terms", analysed(q["word"]))),
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "outlet", q["outlet"])),
            (tantivy.Occur.Must, tantivy.Query.range_query(
                schema, "month", tantivy.FieldType.Integer, lo, hi))])

    aggs = {"outlet": {"terms": {"field": "outlet"}}, "lang": {"terms": {"field": "lang"}},
            "month": {"terms": {"field": "month"}}}
    out: dict = {}
    for kind in KINDS:
        built = [build(kind, q) for q in queries[kind]]

        def run(query: tantivy.Query, facets: bool) -> int:
            result = searcher.search(query, 20, count=True)
            if facets:
                searcher.aggregate(query, aggs)
            return result.count

        for query in built:
            run(query, True)
        times, totals = [], []
        for query in built:
            started = time.perf_counter()
            totals.append(run(query, kind == "filtered_faceted"))
            times.append(time.perf_counter() - started)
        out[kind] = {**_percentiles(times), "mean_hits": round(statistics.mean(totals), 1)}
        if kind != "filtered_faceted":
            # like for like with a Raqib page, which counts facets over all matches for
            # every query kind: the same query and the aggregations
            faceted = []
            for query in built:
                started = time.perf_counter()
                run(query, True)
                faceted.append(time.perf_counter() - started)
            out[kind]["with_facets"] = _percentiles(faceted)
    return out


def child(size: int, seed: int, n_queries: int, skip_tantivy: bool) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    from index.tantivy_backend import TantivyBackend

    transcript_ids, catalog_seconds = _load_catalog(size, seed)
    backend = TantivyBackend(Path(os.environ["RAQIB_DATA_DIR"]) / "search")
    started = time.perf_counter()
    backend.rebuild()  # the bulk path (`raqib reindex`): batches of 20,000 segments
    index_seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    queries = query_sets(size, seed, n_queries)
    result = {"size": size, "raqib_tantivy": {
        "catalog_seconds": round(catalog_seconds, 2), "index_seconds": round(index_seconds, 2),
        "index_rate_segments_per_s": round(size / index_seconds, 1),
        **_time_raqib(backend, queries)}}
    if not skip_tantivy:
        result["tantivy"] = _tantivy(size, seed, queries,
                                     Path(os.environ["RAQIB_DATA_DIR"]) / "tantivy")
    return result


# --- parent: every size ---------------------------------------------------------------------

def _run_size(size: int, args: argparse.Namespace) -> dict:
    if args.keep:  # a data dir to keep (benchmarks/search_load.py serves it)
        home = args.keep / str(size)
        home.mkdir(parents=True)
        return _measure_in(str(home), size, args)
    with tempfile.TemporaryDirectory(prefix="raqib-search-scale-") as home:
        return _measure_in(home, size, args)


def _measure_in(home: str, size: int, args: argparse.Namespace) -> dict:
    (Path(home) / "raqib.toml").write_text("")
    (Path(home) / "data").mkdir()
    env = {**os.environ, "RAQIB_DATA_DIR": str(Path(home) / "data"),
           "RAQIB_CONFIG": str(Path(home) / "raqib.toml"), "RAQIB_LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "raqib.settings"}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND"):
        env.pop(var, None)
    cmd = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed),
           "--queries", str(args.queries)] + (["--skip-tantivy"] if args.skip_tantivy else [])
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise SystemExit(f"size {size} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(results: list[dict]) -> str:
    lines = ["| segments | engine | index rate (seg/s) | word p50/p95 ms | phrase p50/p95 ms "
             "| filtered+faceted p50/p95 ms |", "|---|---|---|---|---|---|"]
    for result in results:
        for engine in ("raqib_tantivy", "raqib_engine", "tantivy", "tantivy_with_facets"):
            r = result.get({"raqib_engine": "raqib_tantivy",
                            "tantivy_with_facets": "tantivy"}.get(engine, engine))
            if r is None:
                continue
            if engine == "raqib_engine":
                timings = {k: r[k]["engine"] for k in KINDS}
            elif engine == "tantivy_with_facets":
                timings = {k: r[k].get("with_facets", r[k]) for k in KINDS}
            else:
                timings = {k: r[k] for k in KINDS}
            cells = [f"{timings[k]['p50_ms']} / {timings[k]['p95_ms']}" for k in KINDS]
            rate = ("" if engine in ("raqib_engine", "tantivy_with_facets")
                    else f"{r['index_rate_segments_per_s']:,}")
            lines.append(f"| {result['size']:,} | {engine} | {rate} "
                         f"| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000",
                        help="comma-separated corpus sizes in segments (full: 100000,1000000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=50, help="distinct queries per kind")
    parser.add_argument("--skip-tantivy", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument("--keep", type=Path, help="keep each size's data dir under "
                        "KEEP/<size> (raqib.toml + data/) instead of a temporary one")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.seed, args.queries, args.skip_tantivy),
                         default=str))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        print(f"size {size:,}: building and measuring...", file=sys.stderr, flush=True)
        results.append(_run_size(size, args))
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "seed": args.seed, "queries_per_kind": args.queries, "results": results}
    print(markdown(results))
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
