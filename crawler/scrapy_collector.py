"""Running a Scrapy spider for one source in a subprocess and reading back what it found.

``ScrapyCollector`` is the ``Collector`` for every Scrapy-based source kind: it starts
``python -m crawler.scrapy_runner`` (so the Twisted reactor is never restarted inside a
long-lived worker and a killed crawl cannot corrupt the parent), feeds it the source, the
crawl settings and the external ids already known, and turns the JSON-lines records the
spider wrote (``page``, ``item``, ``error``, ``retry_after``, ``stats``) into a
``CollectResult``, saying also whether the scan ran to its natural end (``complete``; a
crawl cut by its time limit is not, and the next one must re-read every listing page) and
until when the outlet asked us to stay away (``retry_after_until``, from a 429/503
``Retry-After`` too long to wait out; a ``CollectError`` carries it too).

To add a Scrapy-based kind: write the spider (constructor ``source``, ``max_pages``,
``sink``, ``known_ids``, ``full_scan``; see ``crawler.site_spider.SiteSpider``), subclass
``ScrapyCollector`` with its ``kind``, ``config_keys`` and ``spider = YourSpider``, and add
the collector to ``crawler.registry``. The subprocess is told which spider class to run.

Bounded waiting: the crawl stops at ``settings.deadline`` (``crawl.source_deadline``),
keeping what it found and recording the cut as an error; the subprocess is killed if it
outlives that by more than the requests its downloader holds and a grace period. While it runs, its
``waiting`` records (``crawler.waiting``) are logged as they arrive: "waiting for URL
(source NAME) 10 s…" on the ``raqib.crawler`` logger (stderr, or the JSON log).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from crawler.base import CollectError, Collector, CollectResult, CrawlSettings, DiscoveredItem

# Requests a crawl hands Scrapy's downloader at once (one in flight per host, the rest
# queued; crawler.scrapy_runner sets CONCURRENT_REQUESTS to it).
IN_DOWNLOADER = 2
# Beyond its deadline and the requests its downloader holds, a crawl subprocess gets this
# long to write its last records and exit before it is killed.
KILL_GRACE_S = 60.0
POLL_S = 0.5

log = logging.getLogger("raqib.crawler")


def _read_records(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by a killed crawl
    return records


def _item_from(record: dict[str, Any]) -> DiscoveredItem:
    return DiscoveredItem.from_record(record)


def build_result(records: list[dict[str, Any]], requests: int) -> CollectResult:
    """Turn the runner's records into a CollectResult; raise CollectError (with a
    ``retry_after_until`` attribute) when no listing page could be fetched at all."""
    result = CollectResult(requests=requests)
    seen: set[str] = set()
    listings = 0
    fatal: list[str] = []
    for rec in records:
        if rec["type"] == "page":
            result.pages += 1
            listings += rec["kind"] == "listing"
        elif rec["type"] == "item" and rec["item"]["external_id"] not in seen:
            seen.add(rec["item"]["external_id"])
            result.items.append(_item_from(rec["item"]))
        elif rec["type"] == "error":
            message = f"{rec['url']}: {rec['reason']}"
            result.errors.append(message)
            if rec.get("start"):
                fatal.append(f"cannot reach {message}")
            if rec.get("listing"):
                result.complete = False  # the pages behind it were not reached
        elif rec["type"] == "retry_after":
            result.retry_after_until = datetime.fromisoformat(rec["until"])
            result.complete = False
        elif rec["type"] == "stats":
            result.complete = result.complete and rec.get("finish_reason") == "finished"
            if rec.get("finish_reason") == "closespider_timeout":
                result.errors.append(f"{rec.get('start_url', '')}: source deadline of "
                                     f"{rec.get('deadline', 0):g} s reached; the crawl "
                                     "stopped with what it had found".lstrip(": "))
    if not any(rec["type"] == "stats" for rec in records):
        result.complete = False  # killed before it could finish
    if listings == 0:
        raise CollectError("; ".join(fatal) or "no listing page could be fetched",
                           retry_after_until=result.retry_after_until)
    return result


def source_entry_url(source: dict[str, Any]) -> str:
    """The first URL a source is fetched from (for error messages)."""
    if source.get("start_urls"):
        return source["start_urls"][0]
    return str(source.get("url", ""))


def spider_path(spider: type) -> str:
    """``"module:Class"`` of a spider class, as the subprocess imports it."""
    return f"{spider.__module__}:{spider.__qualname__}"


class ScrapyCollector(Collector):
    """Base collector: runs the class's ``spider`` in a subprocess."""

    spider: ClassVar[type | None] = None  # the scrapy.Spider subclass for this kind

    def collect(self, source: dict[str, Any], settings: CrawlSettings,
                known_ids: Iterable[str] = (), full_scan: bool = False, *,
                scrapy_overrides: dict[str, Any] | None = None) -> CollectResult:
        """Crawl ``source`` once, skipping ``known_ids`` (``full_scan``: do not stop
        paginating at a page of known items). ``scrapy_overrides`` are extra Scrapy
        settings (the benchmark turns AutoThrottle off with them)."""
        if self.spider is None:
            raise TypeError(f"{type(self).__name__} declares no spider")
        deadline = float(settings.deadline)
        payload = json.dumps({"source": source, "settings": asdict(settings),
                              "spider": spider_path(self.spider),
                              "known_ids": sorted(set(known_ids)), "full_scan": full_scan,
                              "scrapy_overrides": scrapy_overrides or {},
                              "time_limit": deadline}, ensure_ascii=False)
        with tempfile.TemporaryDirectory(prefix="raqib-crawl-") as tmp:
            out = Path(tmp) / "records.jsonl"
            out.touch()
            limit = deadline + IN_DOWNLOADER * float(settings.timeout) + KILL_GRACE_S
            proc, stderr = _run_watched(payload, out, source, limit)
            records = _read_records(out)
            if proc is None:  # killed past its deadline
                records.append({"type": "error", "url": source_entry_url(source),
                                "reason": f"crawl killed: ran past its deadline of "
                                          f"{deadline:g} s"})
                return build_result(records, requests=0)
        stats = next((r for r in records if r["type"] == "stats"), {})
        if proc.returncode != 0 and not stats:
            tail = stderr.strip().splitlines()[-5:]
            raise CollectError(f"crawler process failed (exit {proc.returncode}): "
                               + " | ".join(tail))
        return build_result(records, requests=int(stats.get("requests", 0)))


def _run_watched(payload: str, out: Path, source: dict[str, Any],
                 limit: float) -> tuple[subprocess.Popen | None, str]:
    """Run the crawl subprocess, logging its ``waiting`` records as they arrive; return
    it and its stderr, or (None, stderr) when it was killed after ``limit`` seconds."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, "-m", "crawler.scrapy_runner", str(out)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
                                text=True)
        try:
            proc.stdin.write(payload)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it died at once; its stderr says why
        killed_at = time.monotonic() + limit
        offset = 0
        # A thread blocks in waitpid while this one polls an Event: Popen.wait(timeout=)
        # polls with short time.sleep()s, which libfaketime (a worker run with its clock
        # off, as the drills do) can answer with EINVAL; a lock's timed wait it leaves be.
        exited = threading.Event()
        threading.Thread(target=lambda: (proc.wait(), exited.set()), daemon=True,
                         name="scrapy-wait").start()
        while True:
            done = exited.wait(POLL_S)
            offset = _log_waiting(out, offset, source)
            if done:
                break
            if time.monotonic() > killed_at:
                proc.kill()
                exited.wait()
                err.seek(0)
                return None, err.read()
        err.seek(0)
        return proc, err.read()


def _log_waiting(out: Path, offset: int, source: dict[str, Any]) -> int:
    """Log the ``waiting`` records written since ``offset``; return the new offset (the
    end of the last complete line)."""
    with out.open("rb") as fh:
        fh.seek(offset)
        chunk = fh.read()
    end = chunk.rfind(b"\n") + 1
    for line in chunk[:end].splitlines():
        if b'"waiting"' not in line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("type") == "waiting":
            log.info("waiting for %s (source %s) %s s…", rec["url"], source.get("name", ""),
                     rec["seconds"], extra={"source": source.get("name", ""),
                                            "url": rec["url"], "waited_s": rec["seconds"]})
    return offset + end
