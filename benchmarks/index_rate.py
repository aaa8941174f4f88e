"""Indexing rate, analysis included, step by step: what the per-word cache and the analysis
workers each bring, beside bare Tantivy fed the same analysis, on one catalog in one run.

Run:  .venv/bin/python benchmarks/search_decade.py --home /tmp/h --sizes 200000 --steps load
      .venv/bin/python benchmarks/index_rate.py --home /tmp/h --rounds 2

``--home`` holds a catalog (``search_decade.py``'s ``load`` step, or ``search_scale.py
--keep``). Each variant runs in a fresh child process (cold caches), ``--rounds`` times in
turn (A B C D E, A B C D E, ...) so that a busy machine's load falls on all of them alike:

- ``A no-cache``: ``TantivyBackend.rebuild`` in one process with the analyzer's per-word
  caches disabled (every word analysed where it occurs: tokenize, lowercase, digits,
  stop words, normalise, stem);
- ``B cache``: the same with the caches (a dict from a raw word to its term: the
  vocabulary is Zipfian, so nearly every word is a lookup), ``search.index_workers = 1``:
  the documents built as JSON in the writer's process (read with the cursor, as the
  workers' are);
- ``C cache+workers``: the same with ``search.index_workers`` = the cores: the analysis and
  the documents' JSON in spawned worker processes while the writer indexes
  (``index.analysis_pool``), the ``raqib reindex`` default;
- ``D bare``: bare Tantivy (one text field, three facet fields) fed ``analyze_terms`` of
  the same texts in the same loop (the reference of ``search_scale.py``);
- ``E bare+workers``: bare Tantivy fed by the same worker pool.

For each: wall seconds, segments/s, CPU seconds of the writer's process (its Tantivy threads
included; apart: its set-up before the build, interpreter and Django, and its main thread,
which reads the catalog and hands Tantivy each document) and of the workers (their start
included), per segment; and the load average. The last line is all of it as JSON, with a
summary per variant (best segments/s, median and lowest CPU µs per segment). The catalog read is
included in A–C (as ``raqib reindex`` does it) and in D–E (the texts read the same way).
To add a variant: add it to ``VARIANTS`` and to ``_child``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("A no-cache", "B cache", "C cache+workers", "D bare", "E bare+workers")


def _texts(batch: int = 20_000):
    """(texts, facts) of the catalog's segments in order, ``batch`` at a time."""
    from django.db import connection

    sql = ("SELECT s.text, o.name, b.language, b.aired_at FROM raqib_segment s "
           "JOIN raqib_transcript t ON t.id = s.transcript_id "
           "JOIN raqib_broadcast b ON b.id = t.broadcast_id "
           "JOIN raqib_outlet o ON o.id = b.outlet_id ORDER BY s.transcript_id, s.number")
    with connection.cursor() as cur:
        cur.execute(sql)
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                return
            yield ([r[0] for r in rows],
                   [(r[1], r[2] or "", int(str(r[3])[:7].replace("-", ""))) for r in rows])


def _bare(workdir: Path, workers: int) -> int:
    import tantivy

    from index.analysis_pool import WorkerPool, joined_terms
    from index.arabic import analyze_terms

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("terms", stored=False)
    builder.add_text_field("outlet", stored=False, tokenizer_name="raw", fast=True)
    builder.add_text_field("lang", stored=False, tokenizer_name="raw", fast=True)
    builder.add_integer_field("month", stored=False, indexed=True, fast=True)
    builder.add_integer_field("segment_id", stored=True)
    index = tantivy.Index(builder.build(), path=str(workdir))
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    n = 0
    if workers > 1:
        waiting: deque = deque()

        def texts():
            for batch_texts, facts in _texts():
                waiting.append(facts)
                yield batch_texts

        with WorkerPool(workers) as pool:
            for joined in pool.map(joined_terms, texts()):
                for terms, (outlet, lang, month) in zip(joined, waiting.popleft(), strict=True):
                    n += 1
                    writer.add_document(tantivy.Document(terms=terms, outlet=outlet,
                                                         lang=lang, month=month, segment_id=n))
    else:
        for batch_texts, facts in _texts():
            for text, (outlet, lang, month) in zip(batch_texts, facts, strict=True):
                n += 1
                writer.add_document(tantivy.Document(
                    terms=" ".join(analyze_terms(text)), outlet=outlet, lang=lang,
                    month=month, segment_id=n))
    writer.commit()
    writer.wait_merging_threads()
    return n


def _child(variant: str, workdir: Path) -> dict:
    import django

    django.setup()
    import index.arabic as arabic
    from index.analysis_pool import default_workers
    from index.tantivy_backend import TantivyBackend

    setup = resource.getrusage(resource.RUSAGE_SELF)  # interpreter, Django, imports
    started = time.perf_counter()
    main_thread = time.thread_time()
    if variant.startswith("A"):
        arabic._CACHE_LIMIT = 0  # noqa: SLF001 - each entry evicts the last: no cache
    if variant[0] in "ABC":
        workers = default_workers() if variant.startswith("C") else 1
        segments = TantivyBackend(workdir, index_workers=workers).rebuild()
    else:
        segments = _bare(workdir, default_workers() if variant.startswith("E") else 1)
    wall = time.perf_counter() - started
    main_thread = time.thread_time() - main_thread
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"segments": segments, "wall_s": round(wall, 2),
            "cpu_writer_s": round(me.ru_utime + me.ru_stime, 2),
            "cpu_writer_setup_s": round(setup.ru_utime + setup.ru_stime, 2),
            "cpu_writer_main_thread_s": round(main_thread, 2),
            "cpu_workers_s": round(kids.ru_utime + kids.ru_stime, 2)}


def per_segment(run: dict) -> dict:
    """A run's rates: segments/s (wall) and CPU µs per segment (writer process, of which
    its set-up before the build and its main thread, the rest being Tantivy's indexing
    threads and the pool's pipe threads; analysis workers, their start included; total)."""
    n = run["segments"]

    def us(seconds: float) -> float:
        return round(seconds / n * 1e6, 1)

    return {"segments_per_s": round(n / run["wall_s"]),
            "us_cpu_per_segment": {
                "writer": us(run["cpu_writer_s"]),
                "writer_setup": us(run["cpu_writer_setup_s"]),
                "writer_main_thread": us(run["cpu_writer_main_thread_s"]),
                "workers": us(run["cpu_workers_s"]),
                "total": us(run["cpu_writer_s"] + run["cpu_workers_s"]),
                "total_less_setup": us(run["cpu_writer_s"] - run["cpu_writer_setup_s"]
                                       + run["cpu_workers_s"])}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--variants", default=",".join(v[0] for v in VARIANTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.workdir)))
        return
    if args.home is None:
        parser.error("--home is required")
    env = {**os.environ, "RAQIB_DATA_DIR": str(args.home / "data"),
           "RAQIB_CONFIG": str(args.home / "raqib.toml"), "RAQIB_LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "raqib.settings"}
    chosen = [v for v in VARIANTS if v[0] in args.variants.split(",")]
    runs: list[dict] = []
    for round_ in range(args.rounds):
        for variant in chosen:
            workdir = Path(tempfile.mkdtemp(prefix="index-rate-", dir=args.home))
            load = os.getloadavg()[0]
            done = subprocess.run([sys.executable, __file__, "--child", variant,
                                   "--workdir", str(workdir)], env=env, cwd=ROOT,
                                  capture_output=True, text=True, check=False)
            shutil.rmtree(workdir, ignore_errors=True)
            if done.returncode:
                raise SystemExit(f"{variant} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result.update(variant=variant, round=round_ + 1, load_before=round(load, 1),
                          load_after=round(os.getloadavg()[0], 1))
            result.update(per_segment(result))
            runs.append(result)
            print(f"{variant}: {result}", file=sys.stderr, flush=True)
    print("| variant | round | segments/s | µs CPU per segment: writer (set-up, main thread) "
          "/ workers / total | load avg before/after |\n|---|---:|---:|---:|---|")
    for r in runs:
        us = r["us_cpu_per_segment"]
        print(f"| {r['variant']} | {r['round']} | {r['segments_per_s']:,} "
              f"| {us['writer']} ({us['writer_setup']}, {us['writer_main_thread']}) "
              f"/ {us['workers']} / {us['total']} | {r['load_before']} / {r['load_after']} |")
    summary = {}
    for variant in chosen:
        mine = [r for r in runs if r["variant"] == variant]
        totals = sorted(r["us_cpu_per_segment"]["total"] for r in mine)
        summary[variant] = {"best_segments_per_s": max(r["segments_per_s"] for r in mine),
                            "median_us_cpu_per_segment": totals[len(totals) // 2],
                            "min_us_cpu_per_segment": totals[0]}
    print(json.dumps({"cpus": os.cpu_count(), "load_average": os.getloadavg(),
                      "summary": summary, "runs": runs}))


if __name__ == "__main__":
    main()
