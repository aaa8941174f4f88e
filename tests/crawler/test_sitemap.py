"""The "sitemap" collector: real Scrapy (in its subprocess) reading video sitemaps, a sitemap
index and a gzipped sitemap served on loopback."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.base import CollectError, CrawlSettings
from crawler.registry import get_collector
from crawler.sitemap_spider import SitemapCollector
from raqib.demo.server import StaticServer

URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""
VIDEO_URL = """<url><loc>{base}/video/{n}.html</loc><lastmod>2024-01-01</lastmod>
  <video:video>
    <video:thumbnail_loc>{base}/thumbs/{n}.jpg</video:thumbnail_loc>
    <video:title>{title}</video:title>
    <video:description>{description}</video:description>
    {media}
    <video:publication_date>{date}</video:publication_date>
  </video:video></url>"""


def build_sitemaps(root: Path, base: str) -> None:
    urls = [
        VIDEO_URL.format(base=base, n=1, title="اعتراف المتهم", description="حلقة خاصة",
                         media=f"<video:content_loc>{base}/media/1.mp4</video:content_loc>"
                               f"<video:player_loc>{base}/embed/1</video:player_loc>",
                         date="2021-04-20T21:30:00+03:00"),
        VIDEO_URL.format(base=base, n=2, title="مقابلة", description="",
                         media=f"<video:player_loc>{base}/embed/2</video:player_loc>",
                         date="2021-04-21T21:30:00"),  # no offset: the source's zone
        f"<url><loc>{base}/news/3.html</loc><news:news><news:title>خبر</news:title>"
        "<news:publication_date>2021-04-22</news:publication_date></news:news></url>",
        f"<url><loc>{base}/about.html</loc></url>",
    ]
    (root / "videos.xml").write_text(URLSET.format(urls="\n".join(urls)), encoding="utf-8")
    more = URLSET.format(urls=VIDEO_URL.format(
        base=base, n=4, title="أرشيف", description="من الأرشيف", date="2019-10-15",
        media="<video:content_loc>/media/4.mp4</video:content_loc>"))
    (root / "videos-2.xml.gz").write_bytes(gzip.compress(more.encode("utf-8")))
    (root / "index.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/videos.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/videos-2.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap>"
        f"<sitemap><loc>{base}/gone.xml</loc></sitemap>"
        "</sitemapindex>", encoding="utf-8")
    (root / "page.html").write_text("<!doctype html><html><body>لا</body></html>",
                                    encoding="utf-8")
    (root / "feed.xml").write_text('<rss version="2.0"><channel/></rss>', encoding="utf-8")
    # A gzip header followed by bytes that are not deflate data.
    (root / "broken.xml.gz").write_bytes(gzip.compress(b"")[:10] + b"not deflate data at all")


@pytest.fixture(scope="module")
def sitemaps(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sitemaps")
    with StaticServer(root) as server:
        build_sitemaps(root, server.base_url)
        yield server


def sitemap_source(url: str, **extra: object) -> dict:
    return {"name": "sitemap", "outlet": "Fixture TV", "kind": "sitemap", "language": "ar",
            "robots": True, "enabled": True, "url": url, **extra}


def test_registry_knows_sitemap() -> None:
    assert isinstance(get_collector("sitemap"), SitemapCollector)


def test_video_sitemap_fields(sitemaps: StaticServer, crawl_settings: CrawlSettings) -> None:
    base = sitemaps.base_url
    result = SitemapCollector().collect(
        sitemap_source(f"{base}/videos.xml", timezone="Asia/Damascus"), crawl_settings)
    items = {i.url: i for i in result.items}
    assert list(items) == [f"{base}/video/1.html", f"{base}/video/2.html",
                           f"{base}/news/3.html", f"{base}/about.html"]
    first = items[f"{base}/video/1.html"]
    assert first.external_id == first.url
    assert first.media_url == f"{base}/media/1.mp4"  # content_loc wins over player_loc
    assert (first.title, first.description) == ("اعتراف المتهم", "حلقة خاصة")
    assert first.aired_at == datetime(2021, 4, 20, 18, 30, tzinfo=UTC)
    assert first.aired_at_raw == "2021-04-20T21:30:00+03:00"
    second = items[f"{base}/video/2.html"]
    assert second.media_url == f"{base}/embed/2"
    assert second.aired_at == datetime(2021, 4, 21, 18, 30, tzinfo=UTC)  # Damascus, UTC+3
    news = items[f"{base}/news/3.html"]
    assert (news.title, news.media_url) == ("خبر", "")
    assert news.aired_at == datetime(2021, 4, 21, 21, 0, tzinfo=UTC)
    about = items[f"{base}/about.html"]
    assert (about.media_url, about.aired_at, about.title) == ("", None, "")
    assert result.pages == 1 and result.errors == []


def test_url_pattern_filters_locs(sitemaps: StaticServer, crawl_settings: CrawlSettings) -> None:
    result = SitemapCollector().collect(
        sitemap_source(f"{sitemaps.base_url}/videos.xml", url_pattern=r"/video/\d+\.html$"),
        crawl_settings)
    assert [i.url.rsplit("/", 1)[-1] for i in result.items] == ["1.html", "2.html"]


def test_sitemap_index_follows_children_including_gzip(
        sitemaps: StaticServer, crawl_settings: CrawlSettings) -> None:
    base = sitemaps.base_url
    result = SitemapCollector().collect(sitemap_source(f"{base}/index.xml"), crawl_settings)
    urls = {i.url: i for i in result.items}
    assert len(urls) == 5 and f"{base}/video/1.html" in urls
    archived = urls[f"{base}/video/4.html"]  # from the gzipped child
    assert archived.media_url == f"{base}/media/4.mp4"  # relative loc made absolute
    assert archived.title == "أرشيف"
    assert archived.aired_at == datetime(2019, 10, 15, tzinfo=UTC)
    assert result.pages == 3  # the index and two children; the third is a 404
    assert result.errors == [f"{base}/gone.xml: HTTP 404"]


def test_max_pages_caps_an_index(sitemaps: StaticServer) -> None:
    settings = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                             max_pages=2)
    result = SitemapCollector().collect(sitemap_source(f"{sitemaps.base_url}/index.xml"),
                                        settings)
    assert result.pages == 2 and len(result.items) == 4
    assert any("more sitemaps than crawl.max_pages (2)" in e for e in result.errors)


@pytest.mark.parametrize(("path", "reason"), [
    ("page.html", "not a sitemap: not XML"),
    ("feed.xml", "not a sitemap: the document is <rss>, not <urlset> or <sitemapindex>"),
    ("broken.xml.gz", "not a sitemap: cannot gunzip it"),
    ("gone.xml", "HTTP 404"),
])
def test_a_bad_sitemap_is_a_clear_error(sitemaps: StaticServer, crawl_settings: CrawlSettings,
                                        path: str, reason: str) -> None:
    url = f"{sitemaps.base_url}/{path}"
    with pytest.raises(CollectError) as info:
        SitemapCollector().collect(sitemap_source(url), crawl_settings)
    assert f"{url}: {reason}" in str(info.value)
