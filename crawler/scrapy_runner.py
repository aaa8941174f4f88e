"""Subprocess entry point that runs one Scrapy crawl: ``python -m crawler.scrapy_runner OUT``.

Reads ``{"source": {...}, "settings": {...}, "known_ids": [...], "time_limit": seconds}``
(optionally ``"scrapy_overrides": {SETTING: value}``, used by the benchmark) as JSON on
stdin, runs the spider for the source's kind and appends one JSON record per line to
``OUT`` (flushed as it goes, so a killed crawl still leaves what it found): ``page``,
``item``, ``error``, ``retry_after`` records, then a final ``stats`` record. Scrapy logs go
to stderr. Running in a fresh process means the Twisted reactor starts exactly once.

Politeness (see docs/operations.md): one request at a time per host, at least
``crawl.download_delay`` between two of them (no random jitter below it), AutoThrottle
on top, robots.txt obeyed unless the source says ``robots = false``, and
``crawler.middlewares.RetryAfterMiddleware`` honouring 429/503 ``Retry-After``.

Bounded waiting (``crawler.waiting``): each request waits at most ``timeout``
(``crawl.request_timeout``) and a timed-out one is not retried; a request still waiting
after ``RAQIB_WAIT_REPORT_S`` is reported as a ``waiting`` record; the crawl stops at
``time_limit`` (``crawl.source_deadline``) with what it found.

Which spider runs: ``"spider": "module:Class"`` in the job (``ScrapyCollector`` sends its
class's ``spider``), else the ``spider`` of the collector registered for the source's
kind. Nothing here names a kind: a new Scrapy-based kind declares its spider on its
collector (see ``crawler.scrapy_collector``). The spider receives ``source``,
``max_pages``, ``sink``, ``known_ids`` and ``full_scan``.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import asdict
from typing import Any, TextIO

from scrapy.crawler import CrawlerProcess
from scrapy.settings import default_settings

from crawler.egress import EgressPolicy, arm_process
from crawler.scrapy_collector import IN_DOWNLOADER

RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
# Scrapy 2.19 renamed RANDOMIZE_DOWNLOAD_DELAY (and warns when the old name is set).
_NO_JITTER = ({"DOWNLOAD_DELAY_JITTER": 0.0} if hasattr(default_settings, "DOWNLOAD_DELAY_JITTER")
              else {"RANDOMIZE_DOWNLOAD_DELAY": False})
# The longest Retry-After waited out inside one crawl; a longer one pauses the source.
RETRY_AFTER_MAX_S = 600


def scrapy_settings(source: dict[str, Any], settings: dict[str, Any],
                    time_limit: float) -> dict[str, Any]:
    """Scrapy settings for one crawl, built from the source and Raqib's crawl settings."""
    delay = float(settings["download_delay"])
    return {
        "ROBOTSTXT_OBEY": bool(source.get("robots", True)),
        "USER_AGENT": settings["user_agent"],
        "DOWNLOAD_DELAY": delay,
        # The configured delay is a floor: Scrapy's default ±50 % jitter would halve it.
        **_NO_JITTER,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # One request in flight and at most one queued behind it in the downloader: a
        # crawl cut at its deadline (CLOSESPIDER_TIMEOUT) or by a long Retry-After still
        # finishes what the downloader holds, which is then two requests, not the 16
        # pages Scrapy would otherwise have handed it (each up to a request timeout).
        "CONCURRENT_REQUESTS": IN_DOWNLOADER,
        "AUTOTHROTTLE_ENABLED": True,
        # Scrapy's default start delay (5 s) would override a shorter configured delay.
        "AUTOTHROTTLE_START_DELAY": delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, delay),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.RetryAfterMiddleware": 560,
            # Scrapy's RetryMiddleware, except that a timed-out request is not retried.
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.waiting.TimeoutNotRetriedMiddleware": 550,
        },
        "EXTENSIONS": {"crawler.waiting.WaitReporter": 500},
        # Report a request still waiting after 10 s (half the timeout when that is shorter).
        "RAQIB_WAIT_REPORT_S": min(10.0, max(1.0, float(settings["timeout"]) / 2)),
        "RAQIB_RETRY_AFTER_MAX": min(RETRY_AFTER_MAX_S, time_limit),
        "DOWNLOAD_TIMEOUT": float(settings["timeout"]),
        "CLOSESPIDER_TIMEOUT": time_limit,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "COOKIES_ENABLED": False,
        # Pages, not videos: a link straight to a media file is recorded, not swallowed.
        "DOWNLOAD_MAXSIZE": 50 * 1024 * 1024,
    }


def spider_class(payload: dict[str, Any]) -> type:
    """The spider class the job names, else the one its kind's collector declares."""
    if payload.get("spider"):
        module_name, _, class_name = payload["spider"].partition(":")
        return getattr(importlib.import_module(module_name), class_name)
    from crawler.registry import collector_class

    spider = getattr(collector_class(payload["source"]["kind"]), "spider", None)
    if spider is None:
        raise SystemExit(f"source kind {payload['source']['kind']!r} has no Scrapy spider")
    return spider


def run(payload: dict[str, Any], out: TextIO) -> None:
    """Run the crawl described by ``payload``, writing records to ``out``."""
    source, settings = payload["source"], payload["settings"]

    def sink(record: dict[str, Any]) -> None:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()

    time_limit = max(1.0, float(payload.get("time_limit", 3600)))  # 0 would mean "none"
    options = scrapy_settings(source, settings, time_limit)
    options.update(payload.get("scrapy_overrides") or {})
    policy = EgressPolicy.from_dict(settings.get("egress"))
    armed = None
    if policy is not None:  # a source added in the web UI: crawler.egress, every thread
        armed = arm_process(policy)
        options["RAQIB_EGRESS"] = asdict(policy)
        options["DOWNLOADER_MIDDLEWARES"] = {**options["DOWNLOADER_MIDDLEWARES"],
                                             "crawler.middlewares.EgressMiddleware": 50}
    process = CrawlerProcess(options)
    crawler = process.create_crawler(spider_class(payload))
    process.crawl(crawler, source=source, max_pages=settings["max_pages"], sink=sink,
                  known_ids=payload.get("known_ids") or [],
                  full_scan=bool(payload.get("full_scan")))
    process.start()
    for refusal in dict.fromkeys(armed.refusals if armed else []):  # refused at connect
        sink({"type": "error", "url": "", "reason": refusal})
    stats = crawler.stats.get_stats() if crawler.stats else {}
    sink({"type": "stats", "requests": stats.get("downloader/request_count", 0),
          "responses": stats.get("downloader/response_count", 0),
          "finish_reason": stats.get("finish_reason", ""), "deadline": time_limit,
          "start_url": (source.get("start_urls") or [source.get("url", "")])[0]})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m crawler.scrapy_runner OUT.jsonl  (JSON job on stdin)",
              file=sys.stderr)
        return 2
    payload = json.load(sys.stdin)
    with open(argv[0], "a", encoding="utf-8") as out:
        run(payload, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
