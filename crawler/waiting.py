"""Bounded, visible waiting in a Scrapy crawl: a timed-out request is not retried, and a
request that has waited long is reported while it waits.

A page that hangs used to cost Scrapy's ``RETRY_TIMES + 1`` full timeouts in silence.
Here:

* ``TimeoutNotRetriedMiddleware`` replaces Scrapy's ``RetryMiddleware``: everything it
  retried is still retried (connection refused or dropped, 5xx, 429 with its
  ``Retry-After``...) except a timeout, so a page that does not answer costs
  ``crawl.request_timeout`` once and becomes a page error ("timeout: no answer within
  N s");
* ``WaitReporter`` (a Scrapy extension) looks often (every second, or a quarter of the
  report interval) at the requests being
  downloaded and, for one that has waited ``RAQIB_WAIT_REPORT_S`` seconds (default 10)
  and every as many seconds after, writes a ``waiting`` record (``url``, ``seconds``)
  through the spider's ``sink``; ``crawler.scrapy_collector`` turns it into the progress
  line "waiting for URL (source NAME) 10 s…" while the crawl goes on.

Both are listed by ``crawler.scrapy_runner.scrapy_settings``. To report something else
about in-flight requests: extend ``WaitReporter._tick``.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

TIMEOUT_NAMES = {"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"}
DEFAULT_REPORT_S = 10.0


def is_timeout(exception: BaseException) -> bool:
    """Whether a download failed because nothing answered in time (Scrapy's own error,
    or Twisted's in older releases)."""
    return bool(TIMEOUT_NAMES.intersection(cls.__name__ for cls in type(exception).__mro__))


class TimeoutNotRetriedMiddleware(RetryMiddleware):
    """Scrapy's ``RetryMiddleware`` that leaves a timed-out request to its errback."""

    def process_exception(self, request: Request, exception: Exception,
                          spider: Any = None) -> Request | Response | None:
        if is_timeout(exception):
            return None
        return super().process_exception(request, exception)


class WaitReporter:
    """Writes a ``waiting`` record for each request downloading for a long time."""

    def __init__(self, crawler: Any, every: float) -> None:
        self.crawler = crawler
        self.every = every
        self.started: dict[int, tuple[Request, float, float]] = {}  # id -> (req, t0, told)
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> WaitReporter:
        reporter = cls(crawler, crawler.settings.getfloat("RAQIB_WAIT_REPORT_S",
                                                          DEFAULT_REPORT_S))
        crawler.signals.connect(reporter.opened, signal=signals.spider_opened)
        crawler.signals.connect(reporter.closed, signal=signals.spider_closed)
        return reporter

    def opened(self, spider: Any) -> None:
        from twisted.internet import task

        self.loop = task.LoopingCall(self._tick, spider)
        self.loop.start(min(1.0, self.every / 4), now=False)

    def closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def _in_flight(self) -> list[Request]:
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        slots = getattr(downloader, "slots", {}) or {}
        return [r for slot in slots.values() for r in getattr(slot, "transferring", ())]

    def _tick(self, spider: Any) -> None:
        now = time.monotonic()
        flying = {id(r): r for r in self._in_flight()}
        self.started = {k: v for k, v in self.started.items() if k in flying}
        for key, request in flying.items():
            _, t0, told = self.started.setdefault(key, (request, now, now))
            if now - told >= self.every:
                self.started[key] = (request, t0, now)
                sink = getattr(spider, "sink", None)
                if sink is not None:
                    sink({"type": "waiting", "url": request.url, "seconds": round(now - t0)})
