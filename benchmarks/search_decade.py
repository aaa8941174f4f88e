"""A decade on one machine: the search archive grown to 10M and 20M segments in one home,
measured at each size beside bare Tantivy on the same corpus.

Run:  .venv/bin/python benchmarks/search_decade.py --home /big/disk/decade \\
          --sizes 10000000,20000000 --queries 30 > decade.md 2> decade.log

One data dir (``--home``: ``raqib.toml``, ``data/``) grows size by size (the corpus of
``benchmarks.corpus`` is a prefix-stable stream, so the first 10M segments of the 20M
archive are the 10M archive). At each size, in child processes, each timed:

1. ``load``: the catalog rows up to the size (broadcasts and transcripts with
   ``bulk_create``, segments with one ``executemany``: the benchmark's set-up, not a product
   path; about 40 segments per broadcast);
2. ``raqib reindex``: the CLI, a new index generation built from the whole catalog and
   swapped in (wall time, peak RSS of that process);
3. ``raqib index check --format json``: the CLI (wall time, peak RSS; it must find no drift);
4. ``measure``: word, phrase and filtered+faceted queries as in ``search_scale.py``: full
   pages (hits read from the catalog and highlighted) and the engine alone, with the RSS of
   the searching process;
5. ``tantivy``: bare Tantivy, grown incrementally in ``home/tantivy`` with the analyzer's
   terms for the new segments (analysed in worker processes, as ``raqib reindex`` does),
   then the same queries.

Sizes on disk (the catalog, the live index generation, bare Tantivy) and the load average
are recorded at each step. Progress goes to stderr with times; the results are appended to
``home/decade.json`` after every step (a run stopped half-way keeps what it measured) and
printed as Markdown at the end. ``--resume`` skips steps already in that file.
To add a step: add it to ``STEPS`` and a function ``_step_<name>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = ("load", "reindex", "check", "measure", "tantivy")


def _log(message: str) -> None:
    load = os.getloadavg()
    print(f"{time.strftime('%H:%M:%S')} [load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}] "
          f"{message}", file=sys.stderr, flush=True)


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "RAQIB_DATA_DIR": str(home / "data"),
           "RAQIB_CONFIG": str(home / "raqib.toml"), "RAQIB_LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "raqib.settings", "PYTHONUNBUFFERED": "1"}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND"):
        env.pop(var, None)
    return env


def _run(cmd: list[str], home: Path) -> tuple[str, float, int, float]:
    """Run a child; (stdout, wall seconds, peak RSS MiB, CPU seconds). Its stderr passes
    through (progress); a failure stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(home), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{cmd} failed with {proc.returncode}:\n{out[-3000:]}")
    return out, wall, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def _du(path: Path) -> int:
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _sizes(home: Path) -> dict[str, float]:
    data = home / "data"
    search = data / "search"
    current = (search / "CURRENT").read_text().strip() if (search / "CURRENT").exists() else ""
    mib = 1024 * 1024
    return {"catalog_mib": round(sum(_du(p) for p in data.glob("raqib.sqlite3*")) / mib, 1),
            "index_mib": round(_du(search / current) / mib, 1) if current else 0.0,
            "bare_tantivy_mib": round(_du(home / "tantivy") / mib, 1)}


# --- children -------------------------------------------------------------------------------

def _child_load(to_size: int, seed: int) -> dict:
    """Grow the catalog to ``to_size`` segments (continuing the corpus stream)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from benchmarks.corpus import generate
    from catalog.models import Broadcast, Outlet, Segment, Source, Transcript

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    have = Segment.objects.count()
    q = connection.ops.quote_name
    insert = (f"INSERT INTO {q(Segment._meta.db_table)} (transcript_id, number, start, "
              f"{q('end')}, text) VALUES (%s, %s, %s, %s, %s)")
    outlets = {o.name: o for o in Outlet.objects.all()}
    sources = {s.outlet_id: s for s in Source.objects.filter(name__startswith="bench-")}
    made = 0
    pending: list = []

    def flush() -> None:
        with transaction.atomic():
            broadcasts = Broadcast.objects.bulk_create([b for b, _ in pending])
            transcripts = Transcript.objects.bulk_create([
                Transcript(broadcast=b, engine="bench", model_id="synthetic")
                for b in broadcasts])
            rows = [(t.pk, i, i * 5.0, i * 5.0 + 5, text)
                    for t, (_, doc) in zip(transcripts, pending, strict=True)
                    for i, text in enumerate(doc.segments)]
            with connection.cursor() as cur:
                cur.executemany(insert, rows)
        pending.clear()

    with connection.cursor() as cur:
        cur.execute("PRAGMA synchronous=OFF")  # set-up only: a crash means a new run
    for doc in generate(to_size, seed):
        made += len(doc.segments)
        if made <= have:
            continue  # already in the catalog (a prefix of the same stream)
        if doc.outlet not in outlets:
            outlets[doc.outlet] = Outlet.objects.create(name=doc.outlet)
        outlet = outlets[doc.outlet]
        if outlet.pk not in sources:
            sources[outlet.pk] = Source.objects.create(name=f"bench-{len(sources)}",
                                                       outlet=outlet, kind="html")
        pending.append((Broadcast(
            source=sources[outlet.pk], outlet=outlet, external_id=f"b{doc.number}",
            url=f"https://example.org/{doc.number}", title=f"حلقة {doc.number}",
            language=doc.language, aired_at=doc.aired_at,
            aired_date=doc.aired_at.date(), aired_precision="minute",
            status=Broadcast.Status.TRANSCRIBED), doc))
        if len(pending) >= 500:
            flush()
            if made % 1_000_000 < 20_000:
                _log(f"load: {made:,} segments")
    if pending:
        flush()
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"segments": Segment.objects.count(), "added": max(0, made - have),
            "seconds": round(time.perf_counter() - started, 1)}


def _child_measure(size: int, seed: int, n_queries: int) -> dict:
    import django

    django.setup()
    from benchmarks.search_scale import _time_raqib, query_sets
    from index.tantivy_backend import TantivyBackend

    backend = TantivyBackend(Path(os.environ["RAQIB_DATA_DIR"]) / "search")
    queries = query_sets(size, seed, n_queries)
    out = _time_raqib(backend, queries)
    out["rss_mib"] = _rss_mib()
    return out


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _child_tantivy(size: int, seed: int, n_queries: int, workdir: Path) -> dict:
    """Grow bare Tantivy to ``size`` documents, then time the queries."""
    import tantivy

    from benchmarks.corpus import generate
    from benchmarks.search_scale import query_sets, time_bare_tantivy
    from index.analysis_pool import WorkerPool, default_workers, joined_terms

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("terms", stored=False)
    builder.add_text_field("outlet", stored=False, tokenizer_name="raw", fast=True)
    builder.add_text_field("lang", stored=False, tokenizer_name="raw", fast=True)
    builder.add_integer_field("month", stored=False, indexed=True, fast=True)
    builder.add_integer_field("segment_id", stored=True)
    schema = builder.build()
    workdir.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(workdir))
    index.reload()
    have = index.searcher().num_docs
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    started = time.perf_counter()

    def batches():  # (texts, facts) per 500 broadcasts not yet indexed
        made = 0
        texts: list[str] = []
        facts: list[tuple] = []
        for doc in generate(size, seed):
            made += len(doc.segments)
            if made <= have:
                continue
            month = doc.aired_at.year * 100 + doc.aired_at.month
            for text in doc.segments:
                texts.append(text)
                facts.append((doc.outlet, doc.language, month))
            if len(texts) >= 20_000:
                yield texts, facts
                texts, facts = [], []
        if texts:
            yield texts, facts

    segment_id = have
    waiting: deque[list[tuple]] = deque()  # the facts of the texts sent, in order

    def texts() -> Iterator[list[str]]:
        for batch_texts, facts in batches():
            waiting.append(facts)
            yield batch_texts

    with WorkerPool(default_workers()) as pool:  # the analysis as `raqib reindex` runs it
        for joined in pool.map(joined_terms, texts()):
            for terms, (outlet, lang, month) in zip(joined, waiting.popleft(), strict=True):
                segment_id += 1
                writer.add_document(tantivy.Document(terms=terms, outlet=outlet, lang=lang,
                                                     month=month, segment_id=segment_id))
    writer.commit()
    writer.wait_merging_threads()
    index_seconds = time.perf_counter() - started
    index.reload()
    out = {"added": segment_id - have, "index_seconds": round(index_seconds, 1)}
    out.update(time_bare_tantivy(index, schema, query_sets(size, seed, n_queries)))
    out["rss_mib"] = _rss_mib()
    return out


# --- parent ---------------------------------------------------------------------------------

def _record(path: Path, results: dict) -> None:
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--sizes", default="10000000,20000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--child", choices=("load", "measure", "tantivy"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "load":
            result = _child_load(args.size, args.seed)
        elif args.child == "measure":
            result = _child_measure(args.size, args.seed, args.queries)
        else:
            result = _child_tantivy(args.size, args.seed, args.queries, args.home / "tantivy")
        print(json.dumps(result, default=str))
        return

    home = args.home
    (home / "data").mkdir(parents=True, exist_ok=True)
    (home / "raqib.toml").touch()
    record = home / "decade.json"
    results = json.loads(record.read_text()) if args.resume and record.exists() else {
        "cpus": os.cpu_count(), "python": sys.version.split()[0], "sizes": {}}
    steps = [s for s in args.steps.split(",") if s]
    me = [sys.executable, __file__, "--home", str(home), "--seed", str(args.seed),
          "--queries", str(args.queries)]
    raqib = [sys.executable, "-m", "raqib"]
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        done = results["sizes"].setdefault(str(size), {})
        for step in steps:
            if step in done:
                continue
            _log(f"{size:,}: {step} ...")
            load_before = os.getloadavg()
            if step == "load":
                out, wall, rss, cpu = _run([*me, "--child", "load", "--size", str(size)], home)
            elif step == "reindex":
                out, wall, rss, cpu = _run([*raqib, "reindex"], home)
            elif step == "check":
                out, wall, rss, cpu = _run([*raqib, "index", "check", "--format", "json"],
                                           home)
            else:
                out, wall, rss, cpu = _run([*me, "--child", step, "--size", str(size)], home)
            lines = [line for line in out.strip().splitlines() if line.strip()]
            try:
                detail = json.loads(lines[-1] if step != "check" else out)
            except (ValueError, IndexError):
                detail = {"output": out.strip()[-500:]}
            done[step] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_rss_mib": rss,
                          "load_before": [round(x, 2) for x in load_before],
                          "load_after": [round(x, 2) for x in os.getloadavg()],
                          "detail": detail}
            if step == "reindex":
                done[step]["segments_per_s"] = round(size / wall, 1)
            done["disk"] = _sizes(home)
            _record(record, results)
            _log(f"{size:,}: {step} done in {wall:.1f}s (peak RSS {rss} MiB)")
    print(markdown(results))


def markdown(results: dict) -> str:
    rows = ["| segments | step | wall s | peak RSS MiB | load avg (1 min) before/after |",
            "|---:|---|---:|---:|---|"]
    for size, done in results["sizes"].items():
        for step in STEPS:
            if step in done:
                r = done[step]
                rows.append(f"| {int(size):,} | {step} | {r['wall_s']} | {r['peak_rss_mib']} "
                            f"| {r['load_before'][0]} / {r['load_after'][0]} |")
    rows += ["", "| segments | engine | word p50/p95 ms | phrase p50/p95 ms "
             "| filtered+faceted p50/p95 ms |", "|---:|---|---:|---:|---:|"]
    kinds = ("word", "phrase", "filtered_faceted")
    for size, done in results["sizes"].items():
        measured, bare = done.get("measure", {}).get("detail"), \
            done.get("tantivy", {}).get("detail")
        views = []
        if measured:
            views += [("Raqib full page", {k: measured[k] for k in kinds}),
                      ("Raqib engine alone", {k: measured[k]["engine"] for k in kinds})]
        if bare:
            views += [("bare Tantivy", {k: bare[k] for k in kinds}),
                      ("bare Tantivy + facets",
                       {k: bare[k].get("with_facets", bare[k]) for k in kinds})]
        for name, timings in views:
            rows.append(f"| {int(size):,} | {name} | " + " | ".join(
                f"{timings[k]['p50_ms']} / {timings[k]['p95_ms']}" for k in kinds) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
