"""The contract every source kind keeps, run over every kind in ``crawler.registry``.

Each registered kind: subclasses ``crawler.base.Collector`` and declares its ``kind`` and
``config_keys`` (which the config check then uses: a minimal table passes, a missing
required key and a made-up key are named), is built by ``from_config``, and raises
``CollectError`` for an outlet that does not answer. A scheduled kind also collects a
small fixture outlet on loopback: items with ``external_id`` and ``url``, and a second
scan with those ids known finds nothing new and costs no more pages.

A new kind adds its minimal table and fixture pages to ``FIXTURES`` below; the test says
so if it is missing. The toy kind at the end shows what adding a kind takes: one module
and one registry line, and validation, ``raqib sources check``, ``crawl_source`` and the
scheduler all pick it up.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from crawl_helpers import write_page

from crawler.base import CollectError, Collector, CrawlSettings
from crawler.registry import COLLECTORS, get_collector, is_scheduled
from crawler.schema import COMMON_KEYS, KIND_KEYS, validate_sources
from crawler.scrapy_collector import ScrapyCollector
from raqib.demo.server import StaticServer

KINDS = COLLECTORS.names()
SETTINGS = CrawlSettings(user_agent="RaqibContract/1.0", download_delay=0.0, timeout=5.0,
                         max_pages=5)


def _outlet_pages(root: Path, base: str) -> None:
    """One small outlet every kind can read: a listing, two item pages, a feed, a
    sitemap and a page with <video>s (yt-dlp's generic extractor lists them)."""
    write_page(root, "list.html", '<a class="item" href="/i/1.html">1</a>'
                                  '<a class="item" href="/i/2.html">2</a>')
    for n in (1, 2):
        write_page(root, f"i/{n}.html", f"<h1>الحلقة {n}</h1><video src='/m/{n}.mp4'></video>")
    (root / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>قناة</title>'
        + "".join(f"<item><title>الحلقة {n}</title><link>{base}/i/{n}.html</link>"
                  f"<guid>ep-{n}</guid></item>" for n in (1, 2))
        + "</channel></rss>", encoding="utf-8")
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{base}/i/{n}.html</loc></url>" for n in (1, 2))
        + "</urlset>", encoding="utf-8")
    write_page(root, "videos.html", "<video src='/m/1.mp4'></video><video src='/m/2.mp4'></video>")


# kind -> the kind's own keys of a minimal source table, given the outlet's base URL.
FIXTURES: dict[str, Callable[[str], dict]] = {
    "site": lambda base: {"start_urls": [f"{base}/list.html"],
                          "item_links": "a.item::attr(href)"},
    "feed": lambda base: {"url": f"{base}/feed.xml"},
    "sitemap": lambda base: {"url": f"{base}/sitemap.xml"},
    "ytdlp": lambda base: {"url": f"{base}/videos.html"},
    "live": lambda base: {"url": f"{base}/live.m3u8"},
}


def minimal_table(kind: str, base: str) -> dict:
    if kind not in FIXTURES:
        pytest.fail(f"source kind {kind!r} has no fixture: add its minimal table to FIXTURES "
                    f"in {Path(__file__).name}")
    return {"name": f"contract-{kind}", "outlet": "Contract TV", "kind": kind,
            **FIXTURES[kind](base)}


@pytest.fixture(scope="module")
def outlet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    root = tmp_path_factory.mktemp("contract-outlet")
    with StaticServer(root) as server:
        _outlet_pages(root, server.base_url)
        yield server


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("kind", KINDS)
def test_the_collector_declares_what_the_core_reads(kind: str) -> None:
    cls = COLLECTORS.load(kind)
    assert issubclass(cls, Collector) and cls.kind == kind
    assert isinstance(cls.scheduled, bool) and isinstance(cls.supports_full_scan, bool)
    assert cls.config_keys and all(isinstance(k, str) and isinstance(r, bool)
                                   for k, r in cls.config_keys.items())
    assert not set(cls.config_keys) & COMMON_KEYS  # its own keys, not the common ones
    assert dict(KIND_KEYS[kind]) == dict(cls.config_keys)  # the schema reads them from here
    assert is_scheduled(kind) is cls.scheduled
    if issubclass(cls, ScrapyCollector):
        assert cls.spider is not None  # the subprocess runs the spider the class names


def test_every_declaration_loads_before_django_is_set_up() -> None:
    # The config check reads config_keys while raqib.toml is loaded, before django.setup().
    code = ("import sys; from crawler.registry import COLLECTORS; "
            "[COLLECTORS.load(k).config_keys for k in COLLECTORS]; "
            "print(sorted(m for m in sys.modules if m.startswith('catalog.models')))")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", KINDS)
def test_from_config_builds_it(kind: str) -> None:
    from django.conf import settings

    cls = COLLECTORS.load(kind)
    assert isinstance(COLLECTORS.build(kind, settings.CONFIG), cls)
    assert isinstance(get_collector(kind, settings.CONFIG), cls)
    assert isinstance(get_collector(kind), cls)


@pytest.mark.parametrize("kind", KINDS)
def test_the_schema_accepts_a_minimal_table_and_names_what_is_wrong(kind: str) -> None:
    table = minimal_table(kind, "http://outlet.test")
    sources, problems = validate_sources([table], "1h")
    assert problems == [] and sources[0]["kind"] == kind
    assert sources[0]["interval_seconds"] == 3600 and sources[0]["enabled"] is True
    for key in [k for k, required in COLLECTORS.load(kind).config_keys.items() if required]:
        _, problems = validate_sources([{k: v for k, v in table.items() if k != key}], "1h")
        assert f"sources[0] (contract-{kind}).{key}: required for kind {kind!r}" in problems
    _, problems = validate_sources([{**table, "no_such_key": 1}], "1h")
    assert problems[0].startswith(
        f"sources[0] (contract-{kind}).no_such_key: unknown key for kind {kind!r}")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unreachable_outlet_is_a_collect_error(kind: str, closed_port: int) -> None:
    table, problems = validate_sources([minimal_table(kind, f"http://127.0.0.1:{closed_port}")],
                                       "1h")
    assert not problems
    with pytest.raises(CollectError):
        get_collector(kind).collect(table[0], SETTINGS)


@pytest.mark.parametrize("kind", [k for k in KINDS if is_scheduled(k)])
def test_a_scheduled_kind_collects_the_fixture_outlet_and_honours_known_ids(
        kind: str, outlet: StaticServer) -> None:
    sources, problems = validate_sources([minimal_table(kind, outlet.base_url)], "1h")
    assert not problems
    collector = get_collector(kind)
    first = collector.collect(sources[0], SETTINGS)
    assert first.items, first.errors
    assert all(isinstance(i.external_id, str) and i.external_id for i in first.items)
    assert all(i.url.startswith(outlet.base_url) for i in first.items)
    assert first.complete and first.retry_after_until is None
    known = {i.external_id for i in first.items}
    again = collector.collect(sources[0], SETTINGS, known)
    assert {i.external_id for i in again.items} <= known  # nothing new was invented
    assert again.pages <= first.pages  # and knowing them never costs more


# A source kind as a new contributor would write it: this module plus one registry line.
TOY_MODULE = '''
"""A toy source kind: lists two items per configured channel, without any network."""
from crawler.base import CollectError, Collector, CollectResult, DiscoveredItem


class ToyCollector(Collector):
    kind = "toy"
    config_keys = {"url": True, "channel": False}

    def collect(self, source, settings, known_ids=(), full_scan=False):
        if source["url"].endswith("/down"):
            raise CollectError("toy outlet is down")
        base = f"{source['url']}/{source.get('channel', 'main')}"
        items = [DiscoveredItem(external_id=f"{base}/{n}", url=f"{base}/{n}",
                                title=f"toy {n}") for n in (1, 2)]
        known = set(known_ids)
        return CollectResult(items=[i for i in items if i.external_id not in known], pages=1)


class RecordedToyCollector(ToyCollector):
    kind = "toy-recorded"
    scheduled = False
'''


@pytest.fixture
def toy_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Write the toy module, put it on sys.path and register it: nothing else changes."""
    (tmp_path / "raqib_toy_kind.py").write_text(TOY_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "raqib_toy_kind", raising=False)
    # The one registry line:
    monkeypatch.setitem(COLLECTORS, "toy", "raqib_toy_kind:ToyCollector")
    monkeypatch.setitem(COLLECTORS, "toy-recorded",
                        "raqib_toy_kind:RecordedToyCollector")
    yield "toy"
    sys.modules.pop("raqib_toy_kind", None)


def test_a_toy_kind_is_validated_from_its_declaration(toy_kind: str) -> None:
    sources, problems = validate_sources(
        [{"name": "toy1", "outlet": "Toy TV", "kind": "toy", "url": "https://toy.test",
          "channel": "news"}], "30m")
    assert problems == [] and sources[0]["channel"] == "news"
    _, problems = validate_sources(
        [{"name": "toy2", "outlet": "Toy TV", "kind": "toy", "url": "not a url", "colour": 1},
         {"name": "toy3", "outlet": "Toy TV", "kind": "toys"}], "30m")
    assert problems[0].startswith("sources[0] (toy2).colour: unknown key for kind 'toy' "
                                  "(known: channel, enabled,")
    assert "sources[0] (toy2).url: an http(s) URL, got 'not a url'" in problems
    assert ("sources[1] (toy3).kind: 'toys' is not one of feed, live, site, sitemap, toy, "
            "toy-recorded, ytdlp") in problems


def test_raqib_sources_check_runs_a_toy_kind(toy_kind: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from raqib.cli import main

    config = tmp_path / "raqib.toml"
    config.write_text('[[sources]]\nname = "toy1"\noutlet = "Toy TV"\nkind = "toy"\n'
                      'url = "https://toy.test"\nchannel = "news"\n', encoding="utf-8")
    monkeypatch.setenv("RAQIB_CONFIG", str(config))
    monkeypatch.setenv("RAQIB_DATA_DIR", str(tmp_path / "data"))
    assert main(["sources", "check", "toy1", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["kind"] == "toy" and report["count"] == 2
    assert [i["external_id"] for i in report["items"]] == [
        "https://toy.test/news/1", "https://toy.test/news/2"]


@pytest.mark.django_db
def test_a_toy_kind_is_crawled_and_scheduled_per_its_declaration(toy_kind: str) -> None:
    from django.conf import settings

    from catalog.models import Broadcast, Outlet, Source
    from raqib import pipeline

    outlet = Outlet.objects.create(name="Toy TV")
    crawled = Source.objects.create(name="toy1", outlet=outlet, kind="toy",
                                    config={"url": "https://toy.test"}, interval_seconds=60)
    recorded = Source.objects.create(name="toy2", outlet=outlet, kind="toy-recorded",
                                     config={"url": "https://toy.test"}, interval_seconds=60)
    due = pipeline.due_sources()
    assert crawled in due and recorded not in due
    report = pipeline.crawl_source(crawled, settings.CONFIG)
    assert report.failed == "" and report.found == 2 and len(report.new_ids) == 2
    assert Broadcast.objects.filter(source=crawled).count() == 2
    crawled.refresh_from_db()
    assert crawled.next_crawl_at is not None and crawled.last_error == ""
    again = pipeline.crawl_source(crawled, settings.CONFIG)
    assert again.found == 0 and again.new_ids == []  # known ids were passed and honoured
    refused = pipeline.crawl_source(recorded, settings.CONFIG)
    assert "recorded, not crawled" in refused.failed
    assert not Broadcast.objects.filter(source=recorded).exists()
    crawled.config = {"url": "https://toy.test/down"}
    crawled.save()
    failed = pipeline.crawl_source(crawled, settings.CONFIG)
    assert failed.failed == "toy outlet is down"
