"""The "sitemap" source kind: a video sitemap, or a sitemap index of them.

``SitemapSpider`` fetches ``source["url"]`` with Scrapy (robots.txt, per-host delay,
AutoThrottle, retries), gunzips it when it is gzipped (``.xml.gz``) and reads it:

- ``<sitemapindex>``: each child ``<sitemap><loc>`` is fetched in turn, up to
  ``crawl.max_pages`` sitemap documents in all (the index included);
- ``<urlset>``: every ``<url>`` whose ``<loc>`` matches the optional ``url_pattern``
  regular expression (RE2, ``crawler.patterns``: linear time) becomes an item:
  ``external_id``/``url`` = ``<loc>``;
  from its ``<video:video>`` (Google's video sitemap namespace): ``media_url`` =
  ``content_loc``, else ``player_loc``, else "" (the downloader hands the page to yt-dlp),
  ``title``, ``description`` and ``aired_at`` = ``publication_date`` (a Google News
  ``<news:publication_date>`` is used when there is no video date). A date without an
  offset is read in the source's ``timezone``.

Namespaces are matched by local name, so sitemaps with odd or missing namespace
declarations still read. A document that is not a sitemap is a clear error for that
document; the rest goes on. To read another ``<url>`` extension: extend ``_url_item``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip, gzip_magic_number

from crawler.base import DiscoveredItem
from crawler.feed_spider import ListingSpider, plain_text
from crawler.patterns import compile_pattern
from crawler.scrapy_collector import ScrapyCollector

MAX_SITEMAP_BYTES = 100 * 1024 * 1024  # decompressed; the protocol's own limit is 50 MB


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child(element: Any, name: str) -> Any:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Any, name: str) -> str:
    child = _child(element, name) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def parse_sitemap(body: bytes) -> Any:
    """The root element of a sitemap document; raise ValueError when it is not XML."""
    parser = etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False,
                             no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML ({exc})") from None
    if root is None:
        raise ValueError("not XML")
    return root


class SitemapSpider(ListingSpider):
    """Scrapy spider for one ``kind = "sitemap"`` source."""

    name = "raqib-sitemap"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pattern = self.source.get("url_pattern")
        self.url_pattern = compile_pattern(pattern) if pattern else None  # RE2
        self.documents = 1  # sitemap documents requested so far (the entry URL)

    async def start(self):  # noqa: ANN201 - Scrapy's async generator
        yield self.start_request(self.parse_document)

    def _body(self, response: Response) -> bytes:
        if gzip_magic_number(response):
            try:
                return gunzip(response.body, max_size=MAX_SITEMAP_BYTES)
            except Exception as exc:  # noqa: BLE001 - corrupt or oversized gzip
                raise ValueError(f"cannot gunzip it ({exc or type(exc).__name__})") from None
        return response.body

    def parse_document(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            root = parse_sitemap(self._body(response))
        except ValueError as exc:
            self.emit_error(response, f"not a sitemap: {exc}")
            return
        kind = _local(root.tag)
        if kind not in ("urlset", "sitemapindex"):
            self.emit_error(response, f"not a sitemap: the document is <{kind}>, not "
                                      "<urlset> or <sitemapindex>")
            return
        self.emit({"type": "page", "kind": "listing", "url": response.url})
        if kind == "sitemapindex":
            yield from self._children(response, root)
            return
        for element in root:
            if _local(element.tag) != "url":
                continue
            try:
                item = self._url_item(response, element)
            except Exception as exc:  # noqa: BLE001 - one odd <url> must not stop the rest
                self.emit_error(response.url, f"could not read a <url> entry: {exc}")
                continue
            if item is not None:
                self.emit_item(item)

    def _children(self, response: Response, root: Any) -> Iterator[scrapy.Request]:
        for element in root:
            loc = _text(element, "loc") if _local(element.tag) == "sitemap" else ""
            if not loc:
                continue
            if self.documents >= self.max_pages:
                self.emit_error(response.url, f"sitemap index lists more sitemaps than "
                                f"crawl.max_pages ({self.max_pages}); the rest were skipped")
                return
            self.documents += 1
            yield scrapy.Request(response.urljoin(loc), callback=self.parse_document,
                                 errback=self.on_error, meta={"page": self.documents})

    def _url_item(self, response: Response, element: Any) -> DiscoveredItem | None:
        loc = _text(element, "loc")
        if not loc or (self.url_pattern and not self.url_pattern.search(loc)):
            return None
        video = _child(element, "video")
        news = _child(element, "news")
        media = _text(video, "content_loc") or _text(video, "player_loc")
        raw_date = _text(video, "publication_date") or _text(news, "publication_date")
        title = _text(video, "title") or _text(news, "title")
        url = response.urljoin(loc)
        return DiscoveredItem(
            external_id=url, url=url, media_url=response.urljoin(media) if media else "",
            title=plain_text(title), description=plain_text(_text(video, "description")),
            language=self.source.get("language"), **self.aired(raw_date))


class SitemapCollector(ScrapyCollector):
    """Collector for ``kind = "sitemap"``: runs ``SitemapSpider`` in a subprocess."""

    kind = "sitemap"
    spider = SitemapSpider
    config_keys = {"url": True, "url_pattern": False}  # video sitemap or sitemap index
