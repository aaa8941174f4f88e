"""The "site" collector: real Scrapy (in its subprocess) against a loopback fixture outlet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from crawl_helpers import site_source, write_page

from crawler.base import CollectError, CrawlSettings
from crawler.registry import UnknownSourceKind, get_collector
from raqib.demo.server import StaticServer

SETTINGS = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                         max_pages=10)


def build_outlet(root: Path) -> None:
    """Two listing pages, five items: full metadata, missing fields, an iframe, a 500."""
    write_page(root, "list.html",
               '<a class="item" href="/items/1.html#comments">1</a>'
               '<a class="item" href="items/2.html">2</a>'
               '<a class="item" href="/items/1.html">1 again</a>'
               '<a class="next" href="/list2.html">التالي</a>')
    write_page(root, "list2.html",
               '<a class="item" href="/items/3.html">3</a>'
               '<a class="item" href="/items/4.html">4</a>'
               '<a class="item" href="/items/5.html">5</a>'
               '<a class="item" href="/media/6.mp4">6</a>'
               '<a class="item" href="/items/2.html">2 again</a>')
    write_page(root, "items/1.html",
               "<h1>  من النفق\n إلى النور </h1><span class='program'>وثائقي</span>"
               "<time datetime='2021-04-20T21:30:00+03:00'>الثلاثاء ٢٠ نيسان ٢٠٢١</time>"
               "<p class='summary'>اعترافات</p><video src='/media/1.mp4'></video>")
    # No title, no date, no description, no media: none of it is fatal.
    write_page(root, "items/2.html", "<div>nothing here</div>")
    write_page(root, "items/3.html",
               "<h1>حلقة ٣</h1><time>٢٠ نيسان ٢٠٢١ - ٢١:٣٠</time>"
               "<video><source src='../media/3.mp4' type='video/mp4'></video>")
    write_page(root, "items/4.html",
               "<h1>embedded</h1><time>2021-04-22</time>"
               "<iframe src='https://player.example/embed/4'></iframe>")
    write_page(root, "items/5.html", "<h1>server fails</h1>")


@pytest.fixture(scope="module")
def outlet(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("outlet")
    build_outlet(root)
    with StaticServer(root, faults={"/items/5.html": 500}) as server:
        result = get_collector("site").collect(site_source(server.base_url), SETTINGS)
        yield server, result


def by_path(result, path: str):  # noqa: ANN001, ANN201
    return next(i for i in result.items if i.url.endswith(path))


def test_two_listing_pages_discover_every_item_once(outlet) -> None:  # noqa: ANN001
    server, result = outlet
    urls = sorted(i.url for i in result.items)
    assert urls == [f"{server.base_url}/items/{n}.html" for n in (1, 2, 3, 4)] + [
        f"{server.base_url}/media/6.mp4"]
    assert all(i.external_id == i.url for i in result.items)
    assert server.hits.count("/items/1.html") == 1  # the fragment variant was not refetched
    assert result.pages == 6  # two listings, four item pages
    assert result.requests >= 8  # robots.txt, pages and the retries of the failing page


def test_item_fields_are_extracted(outlet) -> None:  # noqa: ANN001
    server, result = outlet
    first = by_path(result, "/items/1.html")
    assert first.title == "من النفق إلى النور"
    assert first.program == "وثائقي"
    assert first.description == "اعترافات"
    assert first.language == "ar"
    assert first.media_url == f"{server.base_url}/media/1.mp4"
    assert first.aired_at_raw == "2021-04-20T21:30:00+03:00"
    assert first.aired_at == datetime(2021, 4, 20, 18, 30, tzinfo=UTC)
    third = by_path(result, "/items/3.html")
    assert third.media_url == f"{server.base_url}/media/3.mp4"
    assert third.aired_at_raw == "٢٠ نيسان ٢٠٢١ - ٢١:٣٠"  # kept exactly as shown
    assert third.aired_at == datetime(2021, 4, 20, 21, 30, tzinfo=UTC)
    fourth = by_path(result, "/items/4.html")
    assert fourth.media_url == "https://player.example/embed/4"
    assert fourth.aired_at == datetime(2021, 4, 22, tzinfo=UTC)


def test_direct_media_link_is_an_item_not_fetched(outlet) -> None:  # noqa: ANN001
    server, result = outlet
    direct = by_path(result, "/media/6.mp4")
    assert direct.media_url == direct.url == direct.external_id
    assert "/media/6.mp4" not in server.hits  # left for yt-dlp, not pulled through Scrapy


def test_missing_optional_fields_are_not_fatal(outlet) -> None:  # noqa: ANN001
    _, result = outlet
    bare = by_path(result, "/items/2.html")
    assert (bare.title, bare.description, bare.program, bare.media_url) == ("", "", "", "")
    assert bare.aired_at is None and bare.aired_at_raw == ""


def test_failing_item_page_is_recorded_and_the_rest_goes_on(outlet) -> None:  # noqa: ANN001
    server, result = outlet
    assert result.errors == [f"{server.base_url}/items/5.html: HTTP 500"]
    assert server.hits.count("/items/5.html") == 3  # retried twice before giving up
    assert not any(i.url.endswith("/items/5.html") for i in result.items)


def test_max_pages_limits_pagination(static_server: StaticServer) -> None:
    build_outlet(static_server.root)
    settings = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                             max_pages=1)
    result = get_collector("site").collect(site_source(static_server.base_url), settings)
    assert "/list2.html" not in static_server.hits
    assert sorted(i.url.rsplit("/", 1)[1] for i in result.items) == ["1.html", "2.html"]


@pytest.mark.parametrize("robots", [True, False])
def test_robots_txt_is_obeyed_when_asked(static_server: StaticServer, robots: bool) -> None:
    root = static_server.root
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    write_page(root, "list.html", '<a class="item" href="/public/a.html">a</a>'
                                  '<a class="item" href="/private/b.html">b</a>')
    write_page(root, "public/a.html", "<h1>a</h1>")
    write_page(root, "private/b.html", "<h1>b</h1>")
    result = get_collector("site").collect(
        site_source(static_server.base_url, robots=robots), SETTINGS)
    titles = sorted(i.title for i in result.items)
    if robots:
        assert titles == ["a"]
        assert "/private/b.html" not in static_server.hits
        assert any("robots.txt" in e for e in result.errors)
    else:
        assert titles == ["a", "b"]
        assert "/robots.txt" not in static_server.hits


def test_unreachable_source_raises_a_clear_error() -> None:
    source = site_source("http://127.0.0.1:9")
    with pytest.raises(CollectError) as excinfo:
        get_collector("site").collect(source, SETTINGS)
    assert str(excinfo.value) == ("cannot reach http://127.0.0.1:9/list.html: "
                                  "connection refused")


def test_missing_start_page_raises(static_server: StaticServer) -> None:
    with pytest.raises(CollectError, match=r"cannot reach .*/list\.html: HTTP 404"):
        get_collector("site").collect(site_source(static_server.base_url), SETTINGS)


def test_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(UnknownSourceKind, match=r"'rss'.*known: .*site"):
        get_collector("rss")


def write_archive(root: Path, newest: int, per_page: int = 3) -> None:
    """An archive of items 1..newest, listed newest first, ``per_page`` per listing page."""
    numbers = list(range(newest, 0, -1))
    pages = [numbers[i:i + per_page] for i in range(0, len(numbers), per_page)]
    for p, chunk in enumerate(pages, 1):
        name = "list.html" if p == 1 else f"list{p}.html"
        links = "".join(f'<a class="item" href="/items/{n}.html">{n}</a>' for n in chunk)
        nxt = f'<a class="next" href="/list{p + 1}.html">التالي</a>' if p < len(pages) else ""
        write_page(root, name, links + nxt)
    for n in numbers:
        write_page(root, f"items/{n}.html", f"<h1>حلقة {n}</h1>")


def test_known_items_are_skipped_and_the_scan_stops_at_a_page_of_known(
        static_server: StaticServer) -> None:
    write_archive(static_server.root, 9)
    base = static_server.base_url
    known = [f"{base}/items/{n}.html" for n in range(1, 8)]  # 8 and 9 are new
    result = get_collector("site").collect(site_source(base), SETTINGS, known)
    assert sorted(i.title for i in result.items) == ["حلقة 8", "حلقة 9"]
    # list.html had news, so list2.html was read; it had none, so list3.html was not.
    assert sorted(h for h in static_server.hits if h != "/robots.txt") == [
        "/items/8.html", "/items/9.html", "/list.html", "/list2.html"]
    assert result.complete


@pytest.mark.django_db
def test_a_second_crawl_costs_what_is_new(static_server: StaticServer) -> None:
    from catalog.models import Broadcast, Outlet, Source
    from raqib.config import load_config
    from raqib.pipeline import crawl_source

    write_archive(static_server.root, 9)
    outlet = Outlet.objects.create(name="Archive TV")
    source = Source.objects.create(name="archive", outlet=outlet, kind="site",
                                   config=site_source(static_server.base_url))
    config = load_config()
    first = crawl_source(source, config, SETTINGS)
    assert len(first.new_ids) == 9
    assert {"/list.html", "/list2.html", "/list3.html"} <= set(static_server.hits)
    write_archive(static_server.root, 11)  # two new items on top, the rest shift down
    static_server.reset_log()
    second = crawl_source(source, config, SETTINGS)
    assert len(second.new_ids) == 2
    assert sorted(static_server.hits) == sorted([
        "/robots.txt", "/list.html", "/items/11.html", "/items/10.html", "/list2.html"])
    assert Broadcast.objects.filter(source=source).count() == 11
    third = crawl_source(source, config, SETTINGS)  # nothing new: one listing page
    assert third.new_ids == [] and third.found == 0
    source.refresh_from_db()
    assert source.empty_crawls == 1
