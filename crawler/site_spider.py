"""The "site" source kind: a listing page of links to item pages, read with CSS selectors.

``SiteSpider`` is the Scrapy spider: listing page → item links (followed) → item pages,
with pagination through ``next_page`` up to ``max_pages`` listing pages per start URL.
A scan costs in proportion to what is new: item pages whose external id is in
``known_ids`` (the catalog's) are not fetched, and since listing pages are newest first,
pagination stops at the first listing page that links to nothing new (``full_scan``
turns that stop off, to finish a backfill that was cut short).
Only the item URL is mandatory; every other field is best effort. ``SiteCollector`` runs
the spider in a subprocess (``python -m crawler.scrapy_runner``) so the Twisted reactor is
never restarted inside a long-lived worker and a killed crawl cannot corrupt the parent.

Selectors use Scrapy/parsel syntax: ``a.item::attr(href)``, ``h1::text`` or a bare
element (``h1``, ``video``, ``iframe``), whose text or ``src`` is then used; a bare link
element in ``item_links`` or ``next_page`` (``a.item``) gives its ``href``. To support a
new kind of page, add a source kind (see ``crawler.registry``) rather than special cases.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.base import DiscoveredItem
from crawler.dates import air_fields
from crawler.schema import is_url
from crawler.scrapy_collector import ScrapyCollector

log = logging.getLogger("raqib.crawler")

TEXT_FIELDS = ("title", "description", "program")
MEDIA_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".ts", ".m3u8", ".mpd", ".mp3",
                    ".m4a", ".aac", ".ogg", ".opus", ".wav", ".flv")


def is_media_url(url: str) -> bool:
    """Whether the URL's path names a media file rather than a page."""
    return urlsplit(url).path.lower().endswith(MEDIA_EXTENSIONS)


def canonical_url(response: Response, href: str) -> str:
    """The absolute form of ``href`` on ``response`` (honouring <base>), without fragment."""
    return urldefrag(response.urljoin(href.strip()))[0]


def _is_element(sel: scrapy.Selector) -> bool:
    return not isinstance(sel.root, str)


def _text_of(sel: scrapy.Selector) -> str:
    if _is_element(sel):
        return " ".join(" ".join(sel.xpath("string()").getall()).split())
    return " ".join(str(sel.root).split())


def _matches(response: Response, selector: str | None) -> list[scrapy.Selector]:
    """The selector's matches; none for an empty or malformed selector (never fatal)."""
    if not selector:
        return []
    try:
        return list(response.css(selector))
    except Exception:  # noqa: BLE001 - a malformed selector must not stop the crawl
        log.warning("bad selector", extra={"selector": selector})
        return []


def extract_text(response: Response, selector: str | None) -> str:
    """Whitespace-collapsed text of the first match, or "" (a bad selector is not fatal)."""
    for sel in _matches(response, selector):
        text = _text_of(sel)
        if text:
            return text
    return ""


def extract_date_raw(response: Response, selector: str | None) -> str:
    """The date text as the page shows it; a bare ``time`` element gives its datetime."""
    for sel in _matches(response, selector):
        if _is_element(sel) and sel.attrib.get("datetime"):
            return sel.attrib["datetime"].strip()
        text = _text_of(sel)
        if text:
            return text
    return ""


def link_targets(response: Response, selector: str | None) -> list[str]:
    """The link URLs a selector names, as written on the page: an attribute or text value
    as is, a bare element's ``href`` (an ``<a>`` or ``<link>``; elements without one are
    skipped). A malformed selector gives none."""
    targets = []
    for sel in _matches(response, selector):
        value = (sel.attrib.get("href") or "") if _is_element(sel) else str(sel.root)
        if value.strip():
            targets.append(value.strip())
    return targets


def extract_media_url(response: Response, selector: str | None) -> str:
    """Absolute media URL: an attribute value, or an element's ``src`` (video, audio,
    source, iframe, embed) or that of its first ``source`` child; "" when absent."""
    for sel in _matches(response, selector):
        if _is_element(sel):
            value = sel.attrib.get("src") or sel.css("source::attr(src)").get() or ""
        else:
            value = str(sel.root)
        if value.strip():
            return canonical_url(response, value)
    return ""


class SiteSpider(scrapy.Spider):
    """Scrapy spider for one ``kind = "site"`` source; collects items and page errors."""

    name = "raqib-site"

    def __init__(self, source: dict[str, Any], max_pages: int, sink: Any = None,
                 known_ids: Any = (), full_scan: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.max_pages = max(1, int(max_pages))
        self.sink = sink  # called with each record: {"type": "item"|"error"|"page", ...}
        self.known_ids = frozenset(known_ids or ())
        self.full_scan = bool(full_scan)

    def _emit(self, record: dict[str, Any]) -> None:
        if self.sink is not None:
            self.sink(record)

    async def start(self):  # noqa: ANN201 - Scrapy's async generator
        for url in self.source["start_urls"]:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 dont_filter=True, meta={"page": 1, "start": True})

    def parse_listing(self, response: Response):  # noqa: ANN201
        seen: set[str] = set()
        known = 0
        requests = []
        for href in link_targets(response, self.source["item_links"]):
            url = canonical_url(response, href)
            if url in seen:
                continue
            seen.add(url)
            if url in self.known_ids:
                known += 1  # already in the catalog: not fetched again
                continue
            if is_media_url(url):
                # A link straight to a media file: it is the item; do not fetch it here.
                self._emit({"type": "item", "item": asdict(DiscoveredItem(
                    external_id=url, url=url, media_url=url,
                    language=self.source.get("language")))})
                continue
            requests.append(scrapy.Request(url, callback=self.parse_item,
                                           errback=self.on_error, meta={"item_url": url}))
        new = len(seen) - known
        # Newest first: a page with nothing new means the rest of the archive is known.
        stop = bool(self.known_ids) and new == 0 and not self.full_scan
        self._emit({"type": "page", "kind": "listing", "url": response.url, "new": new,
                    "known": known, "stopped": stop})
        yield from requests
        page = response.meta["page"]
        next_sel = self.source.get("next_page")
        if next_sel and page < self.max_pages and not stop:
            hrefs = link_targets(response, next_sel)
            if hrefs:
                yield scrapy.Request(response.urljoin(hrefs[0]), callback=self.parse_listing,
                                     errback=self.on_error, meta={"page": page + 1})

    def parse_item(self, response: Response) -> None:
        self._emit({"type": "page", "kind": "item", "url": response.url})
        url = response.meta["item_url"]
        if not isinstance(response, TextResponse):
            # The link pointed straight at a media file: it is the item and its media.
            self._emit({"type": "item", "item": asdict(DiscoveredItem(
                external_id=url, url=url, media_url=url,
                language=self.source.get("language")))})
            return
        try:
            record = self._item_record(response, url)
        except Exception as exc:  # noqa: BLE001 - one odd page must not stop the crawl
            self._emit({"type": "error", "url": url,
                        "reason": f"could not read the item page: {exc}"})
            return
        self._emit({"type": "item", "item": record})

    def _item_record(self, response: Response, url: str) -> dict[str, Any]:
        raw_date = extract_date_raw(response, self.source.get("aired_at"))
        item = DiscoveredItem(
            external_id=url, url=url,
            media_url=extract_media_url(response, self.source.get("media")),
            language=self.source.get("language"),
            **air_fields(raw_date, self.source),
            **{f: extract_text(response, self.source.get(f)) for f in TEXT_FIELDS},
        )
        return item.record()

    def on_error(self, failure: Any) -> None:
        request = failure.request
        reason = describe_failure(failure)
        self._emit({"type": "error", "url": request.url, "reason": reason,
                    "start": bool(request.meta.get("start")),
                    "listing": "page" in request.meta})


# (exception class name, reason); names rather than classes because Scrapy 2.13+ wraps
# Twisted's errors in its own and older releases raise Twisted's directly.
_FAILURE_REASONS = (
    (("CannotResolveHostError", "DNSLookupError"), "host name not found (DNS)"),
    (("DownloadConnectionRefusedError", "ConnectionRefusedError"), "connection refused"),
    (("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError"), "timeout"),
    (("ResponseDataLossError", "ResponseFailed", "ConnectionLost"), "connection dropped"),
)


def describe_failure(failure: Any) -> str:
    """A short reason a monitor understands for a failed request."""
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError

    from crawler.middlewares import EgressRefusedRequest, RetryAfterTooLong

    if failure.check(RetryAfterTooLong, EgressRefusedRequest):
        return str(failure.value)
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    names = {cls.__name__ for cls in type(failure.value).__mro__}
    for candidates, reason in _FAILURE_REASONS:
        if names.intersection(candidates):
            waited = getattr(getattr(failure, "request", None), "meta", {}).get(
                "download_timeout")
            if reason == "timeout" and waited:  # crawl.request_timeout; not retried
                return f"timeout: no answer within {float(waited):g} s"
            return reason
    if failure.check(IgnoreRequest) and "robots" in str(failure.value).lower():
        return "forbidden by robots.txt"
    return f"{type(failure.value).__name__}: {failure.value}".strip()


class SiteCollector(ScrapyCollector):
    """Collector for ``kind = "site"``: runs ``SiteSpider`` in a subprocess."""

    kind = "site"
    spider = SiteSpider
    supports_full_scan = True
    config_keys = {
        "start_urls": True,
        "item_links": True,
        "next_page": False,
        "title": False,
        "aired_at": False,
        "description": False,
        "program": False,
        "media": False,
    }

    @classmethod
    def check_config(cls, source: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``start_urls`` is a list of http(s) URLs; every other key a CSS selector."""
        problems = []
        urls = source.get("start_urls")
        if "start_urls" in source and (not isinstance(urls, list) or not urls
                                       or not all(is_url(u) for u in urls)):
            problems.append(("start_urls", f"a non-empty list of http(s) URLs, got {urls!r}"))
        for key in cls.config_keys:
            if key != "start_urls" and key in source and (
                    not isinstance(source[key], str) or not source[key].strip()):
                problems.append((key, f"a CSS selector string, got {source[key]!r}"))
        return problems
