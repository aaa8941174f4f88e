"""The "feed" source kind: an RSS or Atom feed (YouTube channel/playlist feeds included).

``FeedSpider`` fetches the feed with Scrapy (so robots.txt, the per-host delay,
AutoThrottle, retries and Retry-After handling apply as for every crawl), parses the body
with ``feedparser`` and emits one item per entry:

- ``external_id``: the YouTube video id (``yt:videoId``) when there is one, else the
  entry's ``id``/``guid``, else its link;
- ``url``: the entry's link; ``media_url``: its audio/video enclosure (or
  ``media:content``) when it has one, else "" so the downloader hands the page to yt-dlp;
- ``title``, ``description`` (``summary`` or YouTube's ``media:description``, as text);
- ``aired_at``: ``published`` (else ``updated``) read in the source's ``timezone`` when it
  carries no offset, with the text kept in ``aired_at_raw``.

Paged feeds (RFC 5005 ``<link rel="next">``) are followed up to ``crawl.max_pages`` pages,
stopping at the first page that lists an entry already in the catalog. A body that is not
a feed is a clear error, never a crash.

``ListingSpider`` is the base shared with ``crawler.sitemap_spider``: the spider
constructor contract of ``crawler.site_spider.SiteSpider`` (``source``, ``max_pages``,
``sink``, ``known_ids``) and the ``page``/``item``/``error`` records
``crawler.scrapy_collector`` reads. To read another machine-readable listing format:
subclass ``ListingSpider``, add a ``ScrapyCollector`` subclass with its ``kind``,
``config_keys`` and ``spider`` and register it in ``crawler.registry``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response
from w3lib.html import remove_tags, replace_entities

from crawler.base import DiscoveredItem
from crawler.dates import air_fields, exact_fields
from crawler.scrapy_collector import ScrapyCollector
from crawler.site_spider import describe_failure, is_media_url


def plain_text(value: str) -> str:
    """Text of an HTML fragment (feed summaries often carry markup), whitespace collapsed;
    the words themselves are kept exactly."""
    if "<" in value:
        value = replace_entities(remove_tags(value))
    return " ".join(value.split())


class ListingSpider(scrapy.Spider):
    """Base for spiders that read one listing URL (``source["url"]``) and its follow-ups."""

    def __init__(self, source: dict[str, Any], max_pages: int, sink: Any = None,
                 known_ids: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.max_pages = max(1, int(max_pages))
        self.sink = sink  # called with each record: {"type": "item"|"error"|"page", ...}
        self.known_ids = set(known_ids)
        self.crawl_time = datetime.now(UTC)  # what relative dates count back from

    def emit(self, record: dict[str, Any]) -> None:
        if self.sink is not None:
            self.sink(record)

    def emit_item(self, item: DiscoveredItem) -> None:
        self.emit({"type": "item", "item": item.record()})

    def emit_error(self, response_or_url: Response | str, reason: str) -> None:
        """A problem with one fetched document; fatal to the source when it is the entry
        URL (nothing was listed)."""
        if isinstance(response_or_url, str):
            url, start = response_or_url, False
        else:
            url, start = response_or_url.url, bool(response_or_url.meta.get("start"))
        self.emit({"type": "error", "url": url, "reason": reason, "start": start})

    def aired(self, raw: str) -> dict[str, Any]:
        """The item's air-date fields for the printed text ``raw`` (crawler.dates)."""
        return air_fields(raw, self.source, now=self.crawl_time)

    def start_request(self, callback: Any) -> scrapy.Request:
        return scrapy.Request(self.source["url"], callback=callback, errback=self.on_error,
                              dont_filter=True, meta={"page": 1, "start": True})

    def on_error(self, failure: Any) -> None:
        request = failure.request
        self.emit({"type": "error", "url": request.url, "reason": describe_failure(failure),
                   "start": bool(request.meta.get("start"))})


# feedparser's "bozo" warnings that do not mean a broken feed.
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _entry_media_url(entry: Any) -> str:
    """The entry's audio/video file: an enclosure or a ``media:content``, else ""."""
    candidates = [(link.get("href", ""), link.get("type", ""))
                  for link in entry.get("links", []) if link.get("rel") == "enclosure"]
    candidates += [(m.get("url", ""), m.get("type", "") or m.get("medium", ""))
                   for m in entry.get("media_content", [])]
    for href, kind in candidates:
        kind = (kind or "").lower()
        if href and (kind.startswith(("audio", "video")) or is_media_url(href)):
            return href
    return ""


def _entry_date(entry: Any) -> tuple[str, Any]:
    for key in ("published", "updated", "created"):
        if entry.get(key):
            return str(entry[key]), entry.get(f"{key}_parsed")
    return "", None


class FeedSpider(ListingSpider):
    """Scrapy spider for one ``kind = "feed"`` source."""

    name = "raqib-feed"

    async def start(self):  # noqa: ANN201 - Scrapy's async generator
        yield self.start_request(self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        # No content-location: feedparser would turn a relative guid ("item-1") into a
        # URL; links are made absolute here instead.
        parsed = feedparser.parse(response.body, response_headers={
            "content-type": response.headers.get("Content-Type", b"").decode("latin-1")})
        problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if problem is not None and isinstance(problem, _BENIGN):
            problem = None
        if not parsed.entries and (problem is not None or not parsed.get("version")):
            self.emit_error(response, "not a valid RSS or Atom feed"
                            + (f" ({problem})" if problem is not None else ""))
            return
        self.emit({"type": "page", "kind": "listing", "url": response.url})
        if problem is not None:
            self.emit_error(response.url, f"malformed feed ({problem}); the "
                            f"{len(parsed.entries)} entries before the fault were read")
        known_seen = False
        for entry in parsed.entries:
            try:
                item = self.entry_item(response, entry)
            except Exception as exc:  # noqa: BLE001 - one odd entry must not stop the feed
                self.emit_error(response.url, f"could not read a feed entry: {exc}")
                continue
            if item is None:
                self.emit_error(response.url, "feed entry without a link "
                                f"({plain_text(entry.get('title', ''))[:80]!r}); skipped")
                continue
            known_seen = known_seen or item.external_id in self.known_ids
            self.emit_item(item)
        next_url = next((link.get("href") for link in parsed.feed.get("links", [])
                         if link.get("rel") == "next" and link.get("href")), None)
        page = response.meta["page"]
        if next_url and page < self.max_pages and not known_seen:
            yield scrapy.Request(response.urljoin(next_url), callback=self.parse_feed,
                                 errback=self.on_error, meta={"page": page + 1})

    def entry_item(self, response: Response, entry: Any) -> DiscoveredItem | None:
        media_url = _entry_media_url(entry)
        link = entry.get("link", "") or media_url
        if not link:
            return None
        external_id = entry.get("yt_videoid") or entry.get("id") or link
        raw_date, struct = _entry_date(entry)
        aired = self.aired(raw_date)
        if aired["aired_at"] is None and struct:  # feedparser read it: UTC, to the second
            aired = exact_fields(datetime.fromtimestamp(calendar.timegm(struct), UTC),
                                 raw_date, self.source)
        return DiscoveredItem(
            external_id=str(external_id).strip(), url=response.urljoin(link.strip()),
            media_url=response.urljoin(media_url) if media_url else "",
            title=plain_text(entry.get("title", "")),
            description=plain_text(entry.get("summary", "")),
            language=self.source.get("language"), **aired)


class FeedCollector(ScrapyCollector):
    """Collector for ``kind = "feed"``: runs ``FeedSpider`` in a subprocess."""

    kind = "feed"
    spider = FeedSpider
    config_keys = {"url": True}  # RSS/Atom, YouTube channel feeds included
