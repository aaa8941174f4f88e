"""Scrapy downloader middlewares for Raqib's crawls: honouring ``Retry-After``, and the
egress guard of sources added in the web UI (``EgressMiddleware``, below).

Scrapy's ``RetryMiddleware`` retries a 429 or 503 at once, ignoring the ``Retry-After``
header an outlet sends to say when it will talk to us again. ``RetryAfterMiddleware``
sits just before it (closer to the downloader, so it sees the response first):

* a 429/503 with ``Retry-After`` (seconds or an HTTP date) no longer than the cap pauses
  every request to that host until the time has passed; the retry itself is left to
  ``RetryMiddleware`` (so ``RETRY_TIMES`` still bounds it);
* a longer wait stops the crawl of the source: the response becomes a
  ``RetryAfterTooLong`` failure (the spider's errback records it as an ``error`` with a
  reason a monitor understands), a ``retry_after`` record tells the parent process until
  when the outlet asked us to stay away (``crawl_source`` stores it in
  ``Source.retry_after_until`` and the scheduler skips the source until then), and the
  spider is closed with the reason ``retry_after``.

``EgressMiddleware`` (only when the job carries an egress policy, the
``RAQIB_EGRESS`` setting) refuses every request — the first, robots.txt, each redirect's
target — whose host resolves to an address ``crawler.egress`` refuses, as an
``EgressRefusedRequest`` whose text the spider records as the error's reason; the
connection itself is checked again at connect time (``crawler.egress.arm_process``).

The cap is the ``RAQIB_RETRY_AFTER_MAX`` Scrapy setting (seconds; ``scrapy_runner`` sets
it). Records go through the spider's ``sink`` (see ``crawler.site_spider``). To add
another middleware: write the class here and list it in
``crawler.scrapy_runner.scrapy_settings`` under ``DOWNLOADER_MIDDLEWARES``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.egress import EgressPolicy, url_problem

log = logging.getLogger("raqib.crawler")

RETRY_AFTER_STATUSES = (429, 503)
DEFAULT_MAX_WAIT_S = 600.0


class RetryAfterTooLong(IgnoreRequest):
    """The outlet asked us to wait longer than we wait inside one crawl."""


class EgressRefusedRequest(IgnoreRequest):
    """The request's host is not a public address (``crawler.egress``); says why."""


class EgressMiddleware:
    """Refuse requests the source's egress policy does not allow (see the docstring)."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Any) -> EgressMiddleware:
        policy = EgressPolicy.from_dict(crawler.settings.getdict("RAQIB_EGRESS") or None)
        if policy is None:
            raise NotConfigured("no egress policy: an operator's source")
        return cls(policy)

    def process_request(self, request: Request, spider: Any = None) -> None:
        problem = url_problem(request.url, self.policy)
        if problem:
            raise EgressRefusedRequest(problem)


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date);
    None when absent or unreadable. A date in the past gives 0."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class RetryAfterMiddleware:
    """Wait out a 429/503 ``Retry-After`` per host; stop the crawl when it is too long."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("RAQIB_RETRY_AFTER_MAX", DEFAULT_MAX_WAIT_S)
        self.blocked_until: dict[str, float] = {}  # host -> time.monotonic() to wait for
        self.stopped = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    def _emit(self, record: dict[str, Any]) -> None:
        sink = getattr(self.crawler.spider, "sink", None)
        if sink is not None:
            sink(record)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        # ``spider`` only for Scrapy < 2.13, which passes it; newer releases do not.
        host = urlsplit(request.url).netloc
        wait = self.blocked_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            log.info("waiting %.1f s for Retry-After of %s", wait, host)
            await _sleep(wait)

    def process_response(self, request: Request, response: Response,
                         spider: Any = None) -> Response:
        if response.status not in RETRY_AFTER_STATUSES:
            return response
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None:
            return response
        if wait <= self.max_wait:
            host = urlsplit(request.url).netloc
            until = time.monotonic() + wait
            self.blocked_until[host] = max(self.blocked_until.get(host, 0.0), until)
            return response  # RetryMiddleware retries it; process_request waits first
        until_utc = datetime.now(UTC) + timedelta(seconds=wait)
        reason = (f"HTTP {response.status} with Retry-After {int(wait)} s, longer than the "
                  f"{int(self.max_wait)} s a crawl waits: this source is paused until "
                  f"{until_utc.isoformat(timespec='seconds')}")
        if not self.stopped:
            self.stopped = True
            self._emit({"type": "retry_after", "url": request.url,
                        "until": until_utc.isoformat(), "seconds": wait,
                        "status": response.status})
            self._close_spider()
        raise RetryAfterTooLong(reason)

    def _close_spider(self) -> None:
        engine = self.crawler.engine
        if hasattr(engine, "close_spider_async"):
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="retry_after"))
        else:  # Scrapy < 2.14
            engine.close_spider(self.crawler.spider, "retry_after")
