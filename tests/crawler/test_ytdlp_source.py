"""The "ytdlp" collector: real yt-dlp flat listings of pages and playlists served on loopback
(yt-dlp's generic extractor lists the <video>s of an HTML page, an XSPF playlist and the
items of an RSS feed), with cookies, a proxy, an item cap and failures mapped to reasons."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.base import CollectError, CrawlSettings
from crawler.registry import get_collector
from crawler.ytdlp_source import YtdlpCollector, reason_for
from raqib.demo.server import StaticServer

PAGE = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>اعترافات</title></head><body>
<video src="/m/1.mp4"></video><video src="/m/2.mp4"></video><video src="/m/3.mp4"></video>
</body></html>"""
XSPF = """<?xml version="1.0" encoding="UTF-8"?>
<playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>
<track><location>{base}/m/a.mp4</location><title>الحلقة الأولى</title></track>
<track><location>{base}/m/b.mp4</location><title>الحلقة الثانية</title></track>
</trackList></playlist>"""
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>قناة</title>
<item><title>اعتراف ١</title><link>{base}/i/1.html</link><guid>vid-1</guid>
  <pubDate>Tue, 20 Apr 2021 18:30:00 +0300</pubDate><description>وصف</description></item>
<item><title>اعتراف ٢</title><link>{base}/i/2.html</link>
  <enclosure url="{base}/m/2.mp4" type="video/mp4" length="1"/></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def outlet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    root = tmp_path_factory.mktemp("ytdlp")
    with StaticServer(root) as server:
        (root / "page.html").write_text(PAGE, encoding="utf-8")
        (root / "list.xspf").write_text(XSPF.format(base=server.base_url), encoding="utf-8")
        (root / "feed.rss").write_text(RSS.format(base=server.base_url), encoding="utf-8")
        yield server


def ytdlp_source(url: str, **extra: object) -> dict:
    return {"name": "yt", "outlet": "Fixture TV", "kind": "ytdlp", "language": "ar",
            "robots": True, "enabled": True, "url": url, **extra}


def test_registry_knows_ytdlp() -> None:
    assert isinstance(get_collector("ytdlp"), YtdlpCollector)


def test_html_page_videos_are_listed_by_url(outlet: StaticServer,
                                            crawl_settings: CrawlSettings) -> None:
    base = outlet.base_url
    result = YtdlpCollector().collect(ytdlp_source(f"{base}/page.html"), crawl_settings)
    assert [i.external_id for i in result.items] == [f"{base}/m/{n}.mp4" for n in (1, 2, 3)]
    assert all(i.url == i.media_url == i.external_id for i in result.items)
    assert result.items[0].language == "ar" and result.errors == []
    # Flat: the media files themselves were never requested.
    assert not [h for h in outlet.hits if h.startswith("/m/")]


def test_xspf_playlist_and_max_items(outlet: StaticServer,
                                     crawl_settings: CrawlSettings) -> None:
    base = outlet.base_url
    result = YtdlpCollector().collect(ytdlp_source(f"{base}/list.xspf"), crawl_settings)
    assert [(i.external_id, i.title) for i in result.items] == [
        (f"{base}/m/a.mp4", "الحلقة الأولى"), (f"{base}/m/b.mp4", "الحلقة الثانية")]
    capped = YtdlpCollector().collect(ytdlp_source(f"{base}/page.html", max_items=2),
                                      crawl_settings)
    assert len(capped.items) == 2


def test_rss_entries_keep_titles_and_dates(outlet: StaticServer,
                                           crawl_settings: CrawlSettings) -> None:
    base = outlet.base_url
    result = YtdlpCollector().collect(ytdlp_source(f"{base}/feed.rss"), crawl_settings)
    first, second = result.items
    assert first.url == first.external_id == f"{base}/i/1.html"  # smuggled guid removed
    assert (first.title, first.description, first.media_url) == ("اعتراف ١", "وصف", "")
    assert first.aired_at == datetime(2021, 4, 20, 15, 30, tzinfo=UTC)
    assert second.url == second.media_url == f"{base}/m/2.mp4"
    assert second.aired_at is None and second.aired_at_raw == ""


@pytest.mark.parametrize(("path", "reason"), [
    ("/missing.html", "channel, playlist or page not found (HTTP 404)"),
])
def test_missing_listing_is_a_clear_error(outlet: StaticServer, crawl_settings: CrawlSettings,
                                          path: str, reason: str) -> None:
    url = f"{outlet.base_url}{path}"
    with pytest.raises(CollectError) as info:
        YtdlpCollector().collect(ytdlp_source(url), crawl_settings)
    assert str(info.value) == f"cannot list {url}: {reason}"


def test_unreachable_and_missing_cookies(tmp_path: Path, crawl_settings: CrawlSettings) -> None:
    with pytest.raises(CollectError, match=r"unreachable \(connection refused\)"):
        YtdlpCollector().collect(ytdlp_source("http://127.0.0.1:9/list"), crawl_settings)
    with pytest.raises(CollectError, match="cookies file .* does not exist"):
        YtdlpCollector().collect(ytdlp_source("http://127.0.0.1:9/list",
                                              cookies=str(tmp_path / "absent.txt")),
                                 crawl_settings)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with PAGE and records the request line's target and headers; as
    an HTTP proxy it receives absolute URLs."""

    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.seen.append((self.path, self.headers.get("Cookie", "")))
        body = PAGE.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def recorder() -> Iterator[tuple[str, list]]:
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_cookies_file_is_sent(recorder: tuple[str, list], tmp_path: Path,
                              crawl_settings: CrawlSettings) -> None:
    base, seen = recorder
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n"
                       "127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tsession\tsecret-value\n",
                       encoding="utf-8")
    result = YtdlpCollector().collect(ytdlp_source(f"{base}/page.html", cookies=str(cookies)),
                                      crawl_settings)
    assert len(result.items) == 3
    assert seen and all("session=secret-value" in cookie for _, cookie in seen)


def test_proxy_is_used(recorder: tuple[str, list], crawl_settings: CrawlSettings) -> None:
    proxy, seen = recorder
    # The outlet's host does not resolve here: only a request through the proxy can work.
    url = "http://outlet.raqib-test.invalid/page.html"
    result = YtdlpCollector().collect(ytdlp_source(url, proxy=proxy), crawl_settings)
    assert [i.url for i in result.items][0] == "http://outlet.raqib-test.invalid/m/1.mp4"
    assert seen[0][0] == url  # an absolute URL: the request went through the proxy


@pytest.mark.parametrize(("message", "reason"), [
    ("ERROR: [youtube:tab] @x: HTTP Error 404: Not Found", "not found (HTTP 404)"),
    ("ERROR: [youtube:tab] PL1: This playlist is private", "private"),
    ("ERROR: [youtube] a: Sign in to confirm your age", "sign-in required"),
    ("ERROR: [youtube] a: The uploader has not made this video available in your country",
     "geo-blocked"),
    ("ERROR: [youtube:tab] UC1: This channel does not exist.", "channel or playlist not found"),
    ("ERROR: Unsupported URL: http://x/", "unsupported URL"),
    ("ERROR: [generic] x: HTTP Error 503: Service Unavailable", "server error (HTTP 503)"),
    ("ERROR: [generic] x: HTTP Error 429: Too Many Requests", "rate limited (HTTP 429)"),
    ("ERROR: [generic] x: Read timed out.", "timeout"),
])
def test_reasons(message: str, reason: str) -> None:
    assert reason in reason_for(Exception(message))
