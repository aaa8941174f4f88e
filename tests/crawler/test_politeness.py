"""Politeness and outlet faults: real Scrapy (in its subprocess) against the fault-injecting
loopback server, and the adaptive back-off of the crawl schedule on real Source rows.

One crawl of a faulty outlet (module-scoped, a few seconds) serves most assertions: one
request at a time with the configured delay between two, robots.txt obeyed, a 429's
Retry-After waited out, 503s, a dropped connection and a stall retried, a body that is
always cut short recorded as an error while the rest goes on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from crawl_helpers import site_source, write_page

from crawler.base import CollectError, CrawlSettings
from crawler.middlewares import parse_retry_after
from crawler.registry import get_collector
from crawler.scrapy_runner import scrapy_settings
from raqib.demo.server import Fault, StaticServer

DELAY = 0.3
TOLERANCE = 0.05
RETRY_AFTER = 1
SETTINGS = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=DELAY, timeout=1.0,
                         max_pages=10)
FAST = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                     max_pages=10)


def build_faulty_outlet(root: Path) -> dict[str, Fault]:
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    links = "".join(f'<a class="item" href="/items/{n}.html">{n}</a>' for n in range(1, 7))
    write_page(root, "list.html", links + '<a class="item" href="/private/x.html">x</a>')
    for n in range(1, 7):
        write_page(root, f"items/{n}.html", f"<h1>حلقة {n}</h1>" + "<p>نص</p>" * 50)
    write_page(root, "private/x.html", "<h1>x</h1>")
    return {
        "/list.html": Fault(status=429, retry_after=RETRY_AFTER, times=1),
        "/items/1.html": Fault(status=503, times=2),
        "/items/2.html": Fault(drop=True, times=1),
        "/items/3.html": Fault(truncate=True),  # always: retried, then recorded
        "/items/4.html": Fault(stall=0.5),  # slow, under the 1 s timeout
        "/items/5.html": Fault(stall=0.3, stall_mid_body=True),
    }


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("faulty-outlet")
    with StaticServer(root, faults=build_faulty_outlet(root)) as server:
        result = get_collector("site").collect(
            site_source(server.base_url, next_page=None), SETTINGS)
        yield server, result


def test_one_request_at_a_time_with_the_delay_between(faulty_crawl) -> None:  # noqa: ANN001
    server, _ = faulty_crawl
    times = [r.time for r in server.requests]
    assert len(times) >= 12
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= DELAY - TOLERANCE, gaps
    assert server.peak_in_flight == 1


def test_robots_txt_is_fetched_first_and_obeyed(faulty_crawl) -> None:  # noqa: ANN001
    server, result = faulty_crawl
    assert server.hits[0] == "/robots.txt"
    assert "/private/x.html" not in server.hits
    assert any("/private/x.html: forbidden by robots.txt" in e for e in result.errors)


def test_retry_after_is_waited_out_before_the_retry(faulty_crawl) -> None:  # noqa: ANN001
    server, result = faulty_crawl
    first, retry = server.requests_to("/list.html")
    assert retry.time - first.time >= RETRY_AFTER - TOLERANCE
    assert result.pages >= 1 and result.retry_after_until is None


def test_transient_faults_are_retried_and_recovered(faulty_crawl) -> None:  # noqa: ANN001
    server, result = faulty_crawl
    titles = sorted(i.title for i in result.items)
    assert titles == [f"حلقة {n}" for n in (1, 2, 4, 5, 6)]
    assert len(server.requests_to("/items/1.html")) == 3  # two 503s, then the page
    assert len(server.requests_to("/items/2.html")) == 2  # dropped once
    assert len(server.requests_to("/items/4.html")) == 1  # slow but in time


def test_a_stall_past_the_timeout_is_not_retried(static_server: StaticServer) -> None:
    """A page that does not answer within crawl.request_timeout costs it once (it was
    retried twice, three timeouts in silence): a page error with the reason; the next
    crawl tries it again."""
    write_page(static_server.root, "list.html", '<a class="item" href="/a.html">a</a>'
                                                '<a class="item" href="/b.html">b</a>')
    write_page(static_server.root, "a.html", "<h1>a</h1>")
    write_page(static_server.root, "b.html", "<h1>b</h1>")
    static_server.faults["/a.html"] = Fault(stall=1.5, times=1)
    settings = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=1.0,
                             max_pages=10)
    result = get_collector("site").collect(site_source(static_server.base_url), settings)
    assert [i.title for i in result.items] == ["b"]
    assert len(static_server.requests_to("/a.html")) == 1
    assert result.errors == [f"{static_server.base_url}/a.html: timeout: no answer within 1 s"]


def test_a_body_always_cut_short_is_a_recorded_error(faulty_crawl) -> None:  # noqa: ANN001
    server, result = faulty_crawl
    assert len(server.requests_to("/items/3.html")) == 3  # retried twice
    assert f"{server.base_url}/items/3.html: connection dropped" in result.errors
    assert result.complete  # an item page failing does not hide older listing pages


def test_scrapy_settings_are_polite_by_default() -> None:
    options = scrapy_settings({"robots": True}, {"download_delay": 2.0, "user_agent": "x",
                                                 "timeout": 30}, 3600)
    assert options["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert options["AUTOTHROTTLE_ENABLED"] is True
    assert options["DOWNLOAD_DELAY"] == options["AUTOTHROTTLE_START_DELAY"] == 2.0
    assert options["ROBOTSTXT_OBEY"] is True
    assert options.get("DOWNLOAD_DELAY_JITTER", 0) == 0
    assert options.get("RANDOMIZE_DOWNLOAD_DELAY", False) is False


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(b" 5 ", now) == 5
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now) == 90
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_a_retry_after_too_long_stops_the_crawl_and_says_until_when(
        static_server: StaticServer) -> None:
    root = static_server.root
    write_page(root, "list.html", '<a class="item" href="/a.html">a</a>'
                                  '<a class="next" href="/list2.html">next</a>')
    write_page(root, "a.html", "<h1>a</h1>")
    write_page(root, "list2.html", '<a class="item" href="/b.html">b</a>')
    static_server.faults["/list2.html"] = Fault(status=429, retry_after=3600)
    before = datetime.now(UTC)
    result = get_collector("site").collect(site_source(static_server.base_url), FAST)
    assert [i.title for i in result.items] == ["a"]
    assert result.retry_after_until is not None
    wait = (result.retry_after_until - before).total_seconds()
    assert 3590 <= wait <= 3700
    assert len(static_server.requests_to("/list2.html")) == 1  # not retried at once
    assert any("Retry-After 3600 s" in e and "paused until" in e for e in result.errors)
    assert not result.complete


def test_a_retry_after_on_the_start_page_fails_the_crawl_with_the_time(
        static_server: StaticServer) -> None:
    write_page(static_server.root, "list.html", '<a class="item" href="/a.html">a</a>')
    static_server.faults["/list.html"] = Fault(status=503, retry_after=7200)
    with pytest.raises(CollectError, match="Retry-After 7200 s") as excinfo:
        get_collector("site").collect(site_source(static_server.base_url), FAST)
    until = excinfo.value.retry_after_until
    assert until is not None and until > datetime.now(UTC) + timedelta(seconds=7100)


# --- The crawl schedule: adaptive back-off and Retry-After, on real Source rows ---------

HOUR = 3600


@pytest.fixture
def config():  # noqa: ANN201
    from raqib.config import load_config

    base = load_config()
    return replace(base, values={**base.values, "crawl.max_interval": "1d"})


def make_source(name: str = "polite", interval: int = HOUR, **config: object):  # noqa: ANN201
    from catalog.models import Outlet, Source

    outlet, _ = Outlet.objects.get_or_create(name="Polite TV")
    return Source.objects.create(name=name, outlet=outlet, kind="site",
                                 interval_seconds=interval, config=config)


def wait_of(source) -> float:  # noqa: ANN001
    return (source.next_crawl_at - source.last_crawl_at).total_seconds()


@pytest.mark.django_db
def test_empty_crawls_double_the_wait_up_to_the_cap_and_news_resets(config) -> None:  # noqa: ANN001
    from raqib.pipeline import _schedule_next

    source = make_source()
    waits = []
    for _ in range(7):
        _schedule_next(source, config, new=0)
        waits.append(wait_of(source))
    assert source.empty_crawls == 7
    for n, wait in enumerate(waits, 1):
        base = min(HOUR * 2 ** n, 24 * HOUR)  # capped at crawl.max_interval = 1d
        assert base <= wait <= base * 1.1, (n, wait)  # plus 0-10 % jitter
    _schedule_next(source, config, new=3)
    assert source.empty_crawls == 0
    assert HOUR <= wait_of(source) <= HOUR * 1.1


@pytest.mark.django_db
def test_a_failed_crawl_keeps_the_plain_interval_and_the_count(config) -> None:  # noqa: ANN001
    from raqib.pipeline import _schedule_next

    source = make_source()
    source.empty_crawls = 3
    _schedule_next(source, config, new=None)
    assert source.empty_crawls == 3
    assert HOUR <= wait_of(source) <= HOUR * 1.1


@pytest.mark.django_db
def test_the_cap_never_shortens_a_longer_interval(config) -> None:  # noqa: ANN001
    from raqib.pipeline import _schedule_next

    source = make_source(interval=3 * 24 * HOUR)  # longer than the 1d cap
    _schedule_next(source, config, new=0)
    assert 3 * 24 * HOUR <= wait_of(source) <= 3 * 24 * HOUR * 1.1


@pytest.mark.django_db
def test_crawl_source_stores_retry_after_and_the_scheduler_waits(
        static_server: StaticServer, config) -> None:  # noqa: ANN001
    from catalog.models import Broadcast
    from raqib.pipeline import INCOMPLETE_SCAN, crawl_source, due_sources

    root = static_server.root
    write_page(root, "list.html", '<a class="item" href="/a.html">a</a>'
                                  '<a class="next" href="/list2.html">next</a>')
    write_page(root, "a.html", "<h1>a</h1>")
    write_page(root, "list2.html", '<a class="item" href="/b.html">b</a>')
    write_page(root, "b.html", "<h1>b</h1>")
    static_server.faults["/list2.html"] = Fault(status=429, retry_after=2 * HOUR)
    source = make_source(**site_source(static_server.base_url))
    report = crawl_source(source, config, FAST)
    source.refresh_from_db()
    assert len(report.new_ids) == 1
    assert source.retry_after_until is not None
    assert source.next_crawl_at >= source.retry_after_until
    now = datetime.now(UTC)
    assert timedelta(hours=1.9) < source.retry_after_until - now < timedelta(hours=2.1)
    assert source.last_error.startswith(INCOMPLETE_SCAN)
    # Even when its crawl time has come, the source is not due before the outlet's time.
    type(source).objects.filter(pk=source.pk).update(next_crawl_at=now)
    assert source not in due_sources(now)
    assert source in due_sources(source.retry_after_until + timedelta(seconds=1))
    # The outlet talks to us again: the next crawl re-reads every listing page (the first
    # one has nothing new, yet the scan goes on) and finds the item behind the 429.
    del static_server.faults["/list2.html"]
    static_server.reset_log()
    report = crawl_source(source, config, FAST)
    source.refresh_from_db()
    assert len(report.new_ids) == 1 and not report.failed
    assert "/a.html" not in static_server.hits  # known: not fetched again
    assert sorted(Broadcast.objects.filter(source=source)
                  .values_list("external_id", flat=True)) == [
        f"{static_server.base_url}/a.html", f"{static_server.base_url}/b.html"]
    assert source.retry_after_until is None and source.last_error == ""
    assert source.empty_crawls == 0
