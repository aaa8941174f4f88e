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
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from crawler.base import CollectError, Collector, CollectResult, CrawlSettings, DiscoveredItem

# A crawl that runs longer than this is stopped; what it found so far is kept.
CRAWL_TIME_LIMIT_S = 3600


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
        payload = json.dumps({"source": source, "settings": asdict(settings),
                              "spider": spider_path(self.spider),
                              "known_ids": sorted(set(known_ids)), "full_scan": full_scan,
                              "scrapy_overrides": scrapy_overrides or {},
                              "time_limit": CRAWL_TIME_LIMIT_S}, ensure_ascii=False)
        with tempfile.TemporaryDirectory(prefix="raqib-crawl-") as tmp:
            out = Path(tmp) / "records.jsonl"
            out.touch()
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "crawler.scrapy_runner", str(out)],
                    input=payload, capture_output=True, text=True,
                    timeout=CRAWL_TIME_LIMIT_S + 120,
                )
            except subprocess.TimeoutExpired:
                records = _read_records(out)
                records.append({"type": "error", "url": source_entry_url(source),
                                "reason": "crawl killed: ran past its time limit"})
                return build_result(records, requests=0)
            records = _read_records(out)
        stats = next((r for r in records if r["type"] == "stats"), {})
        if proc.returncode != 0 and not stats:
            tail = proc.stderr.strip().splitlines()[-5:]
            raise CollectError(f"crawler process failed (exit {proc.returncode}): "
                               + " | ".join(tail))
        return build_result(records, requests=int(stats.get("requests", 0)))
