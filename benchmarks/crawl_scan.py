"""Crawl-scan benchmark: a full scan versus an incremental one, and raw crawl speed next to
``scrapy bench`` on the same machine.

Run (full size; the lead's figures):
    .venv/bin/python benchmarks/crawl_scan.py --items 10000 --new 10
Validate quickly:
    .venv/bin/python benchmarks/crawl_scan.py --items 500 --bench-seconds 5

It generates a fixture site of ``--items`` items (listing pages of ``--per-page`` links,
newest first; tiny item pages) served by ``raqib.demo.server.StaticServer`` on loopback,
runs the real site collector (Scrapy in its subprocess) for a first full scan with no
known items, then puts ``--new`` items on top of the listing and runs the incremental scan
with the first scan's items as known ids (what ``crawl_source`` passes from the catalog;
the catalog write itself is not timed). For the benchmark only, ``download_delay`` is 0
and AutoThrottle is off (otherwise the figures measure the politeness delay, not the
crawler); one request at a time per host stays as in production unless ``--concurrency``
says otherwise. Raw pages/min is the full scan's fetched pages over its wall time
(including the subprocess start). ``scrapy bench`` runs as a subprocess with its own local
server; its "Crawled N pages (at X pages/min)" log lines are parsed and the median rate
after the first line is used. Prints a Markdown table, then JSON.

To add a figure: measure it in ``main`` and put it in ``figures``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.base import CrawlSettings  # noqa: E402
from crawler.site_spider import SiteCollector  # noqa: E402
from raqib.demo.server import StaticServer  # noqa: E402

BENCH_LINE = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")


def write_site(root: Path, newest: int, per_page: int) -> None:
    """Listing pages (newest first) and tiny item pages for items 1..newest."""
    numbers = list(range(newest, 0, -1))
    pages = [numbers[i:i + per_page] for i in range(0, len(numbers), per_page)]
    (root / "items").mkdir(parents=True, exist_ok=True)
    for p, chunk in enumerate(pages, 1):
        links = "".join(f'<a class="item" href="/items/{n}.html">{n}</a>' for n in chunk)
        nxt = f'<a class="next" href="/list-{p + 1}.html">التالي</a>' if p < len(pages) else ""
        (root / f"list-{p}.html").write_text(
            f'<!doctype html><html lang="ar"><meta charset="utf-8"><body>{links}{nxt}',
            encoding="utf-8")
    for n in numbers:
        path = root / "items" / f"{n}.html"
        if not path.exists():
            path.write_text(f'<!doctype html><meta charset="utf-8"><h1>حلقة {n}</h1>'
                            f"<time>2021-04-{1 + n % 28:02d}</time>"
                            f'<video src="/media/{n}.mp4"></video>', encoding="utf-8")


def source_for(base_url: str) -> dict:
    return {"name": "bench", "outlet": "Bench TV", "kind": "site", "language": "ar",
            "robots": True, "start_urls": [f"{base_url}/list-1.html"],
            "item_links": "a.item::attr(href)", "next_page": "a.next::attr(href)",
            "title": "h1", "aired_at": "time", "media": "video"}


def scan(source: dict, pages: int, known: list[str], concurrency: int) -> dict:
    settings = CrawlSettings(user_agent="RaqibBench/1.0", download_delay=0.0, timeout=30.0,
                             max_pages=pages + 10)
    overrides = {"AUTOTHROTTLE_ENABLED": False,
                 "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
                 "CONCURRENT_REQUESTS": concurrency}
    started = time.perf_counter()
    result = SiteCollector().collect(source, settings, known, scrapy_overrides=overrides)
    wall = time.perf_counter() - started
    return {"wall_s": round(wall, 2), "requests": result.requests, "pages": result.pages,
            "items": len(result.items), "errors": len(result.errors),
            "ids": [i.external_id for i in result.items]}


def scrapy_bench(seconds: int) -> dict:
    """Run ``scrapy bench`` for ``seconds`` and return its median pages/min."""
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
         "-s", "LOGSTATS_INTERVAL=1"],
        capture_output=True, text=True, timeout=seconds + 120, cwd=tempfile.gettempdir())
    rates = [int(m.group(2)) for m in BENCH_LINE.finditer(proc.stderr + proc.stdout)]
    steady = rates[1:] or rates
    return {"pages_per_min": statistics.median(steady) if steady else None,
            "samples": len(rates), "exit": proc.returncode}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=1,
                        help="requests at a time to the host (production: 1)")
    parser.add_argument("--bench-seconds", type=int, default=10,
                        help="how long `scrapy bench` runs (0: skip it)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="raqib-crawl-bench-"))
    write_site(root, args.items, args.per_page)
    listing_pages = -(-args.items // args.per_page)
    with StaticServer(root) as server:
        source = source_for(server.base_url)
        full = scan(source, listing_pages, [], args.concurrency)
        write_site(root, args.items + args.new, args.per_page)
        incremental = scan(source, listing_pages + 1, full["ids"], args.concurrency)
    bench = scrapy_bench(args.bench_seconds) if args.bench_seconds else {}
    raw = round(full["pages"] / (full["wall_s"] / 60)) if full["wall_s"] else None
    ratio = (round(raw / bench["pages_per_min"], 3)
             if raw and bench.get("pages_per_min") else None)
    figures = {
        "items": args.items, "new": args.new, "per_page": args.per_page,
        "concurrency_per_host": args.concurrency, "download_delay": 0.0,
        "autothrottle": False,
        "full_scan": {k: v for k, v in full.items() if k != "ids"},
        "incremental_scan": {k: v for k, v in incremental.items() if k != "ids"},
        "raw_pages_per_min": raw, "scrapy_bench": bench, "raw_vs_scrapy_bench": ratio,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
    }
    print("| scan | wall s | requests | pages | items found |")
    print("|---|---:|---:|---:|---:|")
    for name in ("full_scan", "incremental_scan"):
        f = figures[name]
        print(f"| {name.replace('_', ' ')} | {f['wall_s']} | {f['requests']} | {f['pages']} "
              f"| {f['items']} |")
    print()
    print("| raw crawl pages/min | scrapy bench pages/min | ratio |")
    print("|---:|---:|---:|")
    print(f"| {raw} | {bench.get('pages_per_min')} | {ratio} |")
    print()
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    ok = incremental["items"] == args.new and full["items"] == args.items
    if not ok:
        print(f"unexpected item counts: full {full['items']}, incremental "
              f"{incremental['items']}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
