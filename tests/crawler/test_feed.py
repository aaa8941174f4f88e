"""The "feed" collector: real Scrapy (in its subprocess) reading RSS, Atom and YouTube-style
channel feeds served on loopback, parsed with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.base import CollectError, CrawlSettings
from crawler.feed_spider import FeedCollector
from crawler.registry import get_collector
from raqib.demo.server import StaticServer

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>الإخبارية</title><link>{base}/</link>
<item><title>اعتراف المتهم الأول</title><link>{base}/v/1.html</link><guid>item-1</guid>
  <pubDate>Tue, 20 Apr 2021 21:30:00 +0300</pubDate>
  <description>&lt;p&gt;حلقة &lt;b&gt;خاصة&lt;/b&gt;&lt;/p&gt;</description></item>
<item><title>اعتراف ثانٍ</title><link>/v/2.html</link><guid>item-2</guid>
  <pubDate>٢١ نيسان ٢٠٢١ - ٢١:٣٠</pubDate>
  <enclosure url="{base}/m/2.mp4" type="video/mp4" length="1000"/></item>
<item><title>صوت</title><link>{base}/v/3.html</link>
  <enclosure url="{base}/m/3.mp3" type="audio/mpeg" length="10"/></item>
<item><description>بلا رابط ولا معرّف</description></item>
</channel></rss>
"""

YOUTUBE = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015"
      xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">
 <link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id=UCsyria"/>
 <id>yt:channel:UCsyria</id><yt:channelId>UCsyria</yt:channelId>
 <title>القناة السورية</title>
 <published>2015-01-01T00:00:00+00:00</published>
 {entries}
</feed>
"""
YT_ENTRY = """<entry>
  <id>yt:video:{vid}</id><yt:videoId>{vid}</yt:videoId><yt:channelId>UCsyria</yt:channelId>
  <title>{title}</title>
  <link rel="alternate" href="https://www.youtube.com/watch?v={vid}"/>
  <author><name>القناة السورية</name></author>
  <published>{published}</published><updated>2023-01-01T00:00:00+00:00</updated>
  <media:group>
   <media:title>{title}</media:title>
   <media:content url="https://www.youtube.com/v/{vid}?version=3"
                  type="application/x-shockwave-flash" width="640" height="390"/>
   <media:thumbnail url="https://i4.ytimg.com/vi/{vid}/hqdefault.jpg" width="480"/>
   <media:description>{description}</media:description>
  </media:group>
 </entry>"""

ATOM_PAGE = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>أرشيف</title><id>urn:archive</id>
<updated>2021-05-01T00:00:00Z</updated>{next}
{entries}
</feed>
"""
ATOM_ENTRY = """<entry><id>urn:ep:{n}</id><title>الحلقة {n}</title>
<link rel="alternate" href="/ep/{n}.html"/><updated>2021-05-0{n}T10:00:00Z</updated>
<summary>ملخص {n}</summary></entry>"""


def build_feeds(root: Path, base: str) -> None:
    (root / "rss.xml").write_text(RSS.format(base=base), encoding="utf-8")
    entries = [YT_ENTRY.format(vid="dQw4w9WgXcQ", title="اعتراف على الهواء",
                               published="2021-04-20T18:30:00+00:00",
                               description="وصف الحلقة\nسطر ثانٍ"),
               YT_ENTRY.format(vid="abcdEFGHijk", title="مقابلة", published="2021-04-19T08:00:00Z",
                               description="")]
    (root / "youtube.xml").write_text(YOUTUBE.format(entries="\n".join(entries)),
                                      encoding="utf-8")
    next_link = '<link rel="next" href="/atom-2.xml"/>'
    (root / "atom-1.xml").write_text(ATOM_PAGE.format(
        next=next_link, entries="\n".join(ATOM_ENTRY.format(n=n) for n in (4, 3))),
        encoding="utf-8")
    (root / "atom-2.xml").write_text(ATOM_PAGE.format(
        next="", entries="\n".join(ATOM_ENTRY.format(n=n) for n in (2, 1))), encoding="utf-8")
    (root / "page.html").write_text("<!doctype html><html><body><p>لا شيء هنا</p></body></html>",
                                    encoding="utf-8")
    (root / "truncated.xml").write_text('<?xml version="1.0"?>\n<rss><chan', encoding="utf-8")
    rss = RSS.format(base=base)
    (root / "cut.xml").write_text(rss[:rss.index("<item><title>صوت")] + "<item><tit",
                                  encoding="utf-8")


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("feeds")
    with StaticServer(root) as server:
        build_feeds(root, server.base_url)
        yield server


def feed_source(url: str, **extra: object) -> dict:
    return {"name": "feed", "outlet": "Fixture TV", "kind": "feed", "language": "ar",
            "robots": True, "enabled": True, "url": url, **extra}


def test_registry_knows_feed() -> None:
    assert isinstance(get_collector("feed"), FeedCollector)


def test_rss_items_dates_and_enclosures(feeds: StaticServer,
                                        crawl_settings: CrawlSettings) -> None:
    base = feeds.base_url
    result = FeedCollector().collect(
        feed_source(f"{base}/rss.xml", timezone="Asia/Damascus"), crawl_settings)
    items = {i.external_id: i for i in result.items}
    assert set(items) == {"item-1", "item-2", f"{base}/v/3.html"}
    first = items["item-1"]
    assert (first.url, first.media_url) == (f"{base}/v/1.html", "")
    assert first.title == "اعتراف المتهم الأول"
    assert first.description == "حلقة خاصة"  # markup removed, words kept
    assert first.aired_at == datetime(2021, 4, 20, 18, 30, tzinfo=UTC)
    assert first.aired_at_raw == "Tue, 20 Apr 2021 21:30:00 +0300"
    assert first.language == "ar"
    second = items["item-2"]
    assert second.url == f"{base}/v/2.html"  # relative link made absolute
    assert second.media_url == f"{base}/m/2.mp4"
    # An Arabic date without offset is read in the source's zone (Damascus, UTC+3).
    assert second.aired_at == datetime(2021, 4, 21, 18, 30, tzinfo=UTC)
    assert second.aired_at_raw == "٢١ نيسان ٢٠٢١ - ٢١:٣٠"
    third = items[f"{base}/v/3.html"]
    assert third.media_url == f"{base}/m/3.mp3" and third.aired_at is None
    assert result.pages == 1 and result.requests >= 1
    assert len(result.errors) == 1 and "feed entry without a link ('')" in result.errors[0]


def test_youtube_channel_feed(feeds: StaticServer, crawl_settings: CrawlSettings) -> None:
    result = FeedCollector().collect(feed_source(f"{feeds.base_url}/youtube.xml"),
                                     crawl_settings)
    assert [i.external_id for i in result.items] == ["dQw4w9WgXcQ", "abcdEFGHijk"]
    video = result.items[0]
    assert video.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert video.media_url == ""  # the flash player is not media: yt-dlp gets the page
    assert video.title == "اعتراف على الهواء"
    assert video.description == "وصف الحلقة سطر ثانٍ"
    assert video.aired_at == datetime(2021, 4, 20, 18, 30, tzinfo=UTC)  # published, not updated
    assert video.aired_at_raw == "2021-04-20T18:30:00+00:00"
    assert result.items[1].aired_at == datetime(2021, 4, 19, 8, 0, tzinfo=UTC)
    assert result.errors == []


def test_paged_atom_feed_is_followed_until_known_entries(
        feeds: StaticServer, crawl_settings: CrawlSettings) -> None:
    url = f"{feeds.base_url}/atom-1.xml"
    result = FeedCollector().collect(feed_source(url), crawl_settings)
    assert [i.external_id for i in result.items] == [f"urn:ep:{n}" for n in (4, 3, 2, 1)]
    assert result.items[0].url == f"{feeds.base_url}/ep/4.html"
    assert result.items[0].aired_at == datetime(2021, 5, 4, 10, 0, tzinfo=UTC)
    assert result.pages == 2
    # A second scan that already knows page one's entries does not fetch page two.
    before = feeds.hits.count("/atom-2.xml")
    again = FeedCollector().collect(feed_source(url), crawl_settings,
                                    known_ids=["urn:ep:3", "urn:ep:2", "urn:ep:1"])
    assert [i.external_id for i in again.items] == ["urn:ep:4", "urn:ep:3"]
    assert again.pages == 1 and feeds.hits.count("/atom-2.xml") == before
    # max_pages caps the pages read.
    capped = FeedCollector().collect(feed_source(url), CrawlSettings(
        user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0, max_pages=1))
    assert capped.pages == 1 and len(capped.items) == 2


@pytest.mark.parametrize(("path", "reason"), [
    ("page.html", "not a valid RSS or Atom feed"),
    ("truncated.xml", "not a valid RSS or Atom feed"),
    ("missing.xml", "HTTP 404"),
])
def test_a_bad_feed_is_a_clear_error(feeds: StaticServer, crawl_settings: CrawlSettings,
                                     path: str, reason: str) -> None:
    url = f"{feeds.base_url}/{path}"
    with pytest.raises(CollectError) as info:
        FeedCollector().collect(feed_source(url), crawl_settings)
    assert f"{url}: {reason}" in str(info.value)


def test_a_feed_cut_short_keeps_its_complete_entries(
        feeds: StaticServer, crawl_settings: CrawlSettings) -> None:
    result = FeedCollector().collect(feed_source(f"{feeds.base_url}/cut.xml"), crawl_settings)
    assert [i.external_id for i in result.items][:2] == ["item-1", "item-2"]
    assert any("malformed feed" in e for e in result.errors), result.errors
