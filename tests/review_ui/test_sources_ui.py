"""Admin pages for sources: create and edit UI sources through the real form (real SQLite,
CSRF on), problems shown by key with nothing saved, admin-only on the server, file sources
read-only, name clashes refused, custody events naming the admin; and a UI source crawled
by the real Scrapy collector from a loopback site."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from ui_helpers import login_client, make_user

from catalog.models import CustodyEvent, Source
from raqib.sources_sync import ORIGIN_KEY, is_ui_source, source_table, sync_sources

SITE = {"cfg_start_urls": "https://tv.example.org/videos", "cfg_item_links": "a.item::attr(href)"}


def _client(name: str, role: str) -> Client:
    return login_client(Client(enforce_csrf_checks=True), make_user(name, role))


def _post(client: Client, path: str, data: dict) -> object:
    """POST like a browser: fetch the form first for the CSRF token."""
    page = client.get(path)
    assert page.status_code == 200, path
    return client.post(path, {**data, "csrfmiddlewaretoken": page.cookies["csrftoken"].value})


def _form(**overrides: object) -> dict:
    data = {"name": "sana-videos", "outlet": "سانا", "kind": "site", "interval": "2h",
            "language": "ar", "timezone": "Asia/Damascus", "enabled": "on", "robots": "on",
            **SITE}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin(db) -> Client:
    return _client("admin1", "admin")


@pytest.fixture
def file_source(db, monkeypatch) -> Source:
    """A source declared in raqib.toml (the test's config), synced into the catalog."""
    from crawler.schema import validate_sources

    entries, problems = validate_sources([{
        "name": "ikhbariya-rss", "outlet": "الإخبارية السورية", "kind": "feed",
        "url": "https://ikhbariya.example/rss"}], "6h")
    assert not problems
    monkeypatch.setattr(settings.CONFIG, "sources", entries)
    sync_sources(settings.CONFIG)
    return Source.objects.get(name="ikhbariya-rss")


def test_admin_creates_a_ui_source_with_custody(admin: Client) -> None:
    response = _post(admin, "/sources/new/", _form())
    assert response.status_code == 302 and response["Location"] == "/sources/"
    source = Source.objects.get(name="sana-videos")
    assert source.enabled and is_ui_source(source)
    assert source.outlet.name == "سانا" and source.kind == "site"
    assert source.interval_seconds == 7200 and source.language == "ar"
    assert source_table(source)["start_urls"] == ["https://tv.example.org/videos"]
    assert source_table(source)["timezone"] == "Asia/Damascus"
    assert ORIGIN_KEY not in source_table(source)
    event = CustodyEvent.objects.get(action="source-created")
    assert event.actor == "admin1"
    assert event.details["source_id"] == source.pk and event.details["before"] is None
    html = admin.get("/sources/").content.decode()
    assert 'data-source="sana-videos"' in html and 'class="origin-ui"' in html
    assert "المصادر</a>" in html  # the admin's nav link
    assert "<style" not in html and ' style="' not in html and "<script>" not in html


def test_admin_edits_a_ui_source_and_the_form_round_trips(admin: Client) -> None:
    assert _post(admin, "/sources/new/", _form()).status_code == 302
    source = Source.objects.get(name="sana-videos")
    page = admin.get(f"/sources/{source.pk}/edit/").content.decode()
    # the kind's keys come back in their own fields, which the form accepts unchanged
    assert "https://tv.example.org/videos</textarea>" in page
    assert 'name="cfg_item_links"' in page and 'value="a.item::attr(href)"' in page
    edited = _form(enabled=None, interval="", cfg_next_page="a.next")
    response = _post(admin, f"/sources/{source.pk}/edit/", edited)
    assert response.status_code == 302
    source.refresh_from_db()
    assert not source.enabled and is_ui_source(source)
    assert source.interval_seconds == 6 * 3600  # blank: crawl.default_interval
    assert source_table(source)["next_page"] == "a.next"
    event = CustodyEvent.objects.get(action="source-edited")
    assert event.actor == "admin1"
    assert event.details["before"]["config"]["enabled"] is True
    assert event.details["after"]["config"]["enabled"] is False


@pytest.mark.parametrize(("overrides", "field", "needle"), [
    ({"cfg_start_urls": ""}, "cfg_start_urls", "start_urls: required"),
    ({"cfg_item_links": " "}, "cfg_item_links", "item_links: required"),
    ({"cfg_start_urls": "ftp://x"}, "cfg_start_urls",
     "start_urls: a non-empty list of http(s) URLs"),
    ({"kind": "feed", "cfg_url": "not a url"}, "cfg_url", "url: an http(s) URL"),
    ({"interval": "7x"}, "interval", "interval: &#x27;7x&#x27; is not an interval"),
    ({"timezone": "Mars/Olympus"}, "timezone", "timezone: &#x27;Mars/Olympus&#x27; is not"),
    ({"language": "Arabic"}, "language", "language: an ISO 639 code"),
    ({"name": "bad name!"}, "name", "name: required; letters, digits"),
    ({"kind": "tv"}, "kind", "kind: tv is not one of feed, live"),
])
def test_invalid_input_shows_problems_by_key_and_saves_nothing(
        admin: Client, overrides: dict, field: str, needle: str) -> None:
    response = _post(admin, "/sources/new/", _form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<li class="error" data-field="{field}"><bdi dir="ltr">' in html
    assert needle in html
    assert "لم يُحفظ شيء" in html
    assert not Source.objects.exists()
    assert not CustodyEvent.objects.exclude(action__startswith="user-").exists()  # logins: audited


@pytest.mark.parametrize("role", ["viewer", "reviewer", "lead"])
def test_only_admins_reach_the_pages(db, role: str) -> None:
    client = _client(f"{role}1", role)
    for path in ("/sources/", "/sources/new/", "/sources/1/edit/"):
        assert client.get(path).status_code == 403, path
    client = login_client(Client(), f"{role}1")  # no CSRF enforcement: the role check
    assert client.post("/sources/new/", _form()).status_code == 403
    assert not Source.objects.exists()
    assert "/sources/" not in client.get("/broadcasts/").content.decode()  # no nav link


def test_file_sources_are_read_only(admin: Client, file_source: Source) -> None:
    html = admin.get("/sources/").content.decode()
    assert 'data-source="ikhbariya-rss"' in html
    assert '<span class="origin-file" dir="ltr">raqib.toml</span>' in html
    page = admin.get(f"/sources/{file_source.pk}/edit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "للقراءة فقط" in text and "<form method" not in text.split("</header>")[1]
    assert 'url = &quot;https://ikhbariya.example/rss&quot;' in text
    before = dict(file_source.config)
    response = admin.post(f"/sources/{file_source.pk}/edit/", _form(
        name="ikhbariya-rss", kind="feed", cfg_url="https://evil.example/rss",
        csrfmiddlewaretoken=page.cookies["csrftoken"].value))
    assert response.status_code == 403
    file_source.refresh_from_db()
    assert file_source.config == before and not is_ui_source(file_source)
    assert not CustodyEvent.objects.filter(action__startswith="source-").exists()


def test_a_name_clash_is_refused(admin: Client, file_source: Source) -> None:
    response = _post(admin, "/sources/new/", _form(name="ikhbariya-rss"))
    assert response.status_code == 400
    assert "is declared in raqib.toml" in response.content.decode()
    assert _post(admin, "/sources/new/", _form()).status_code == 302
    again = _post(admin, "/sources/new/", _form(outlet="أخرى"))
    assert again.status_code == 400
    assert "a source named &#x27;sana-videos&#x27; already exists" in again.content.decode()
    # renaming a UI source onto another source's name is refused too
    ui = Source.objects.get(name="sana-videos")
    renamed = _post(admin, f"/sources/{ui.pk}/edit/", _form(name="ikhbariya-rss"))
    assert renamed.status_code == 400
    assert Source.objects.count() == 2
    assert CustodyEvent.objects.filter(action="source-created").count() == 1


def test_a_ui_source_is_crawled_by_scrapy(admin: Client, tmp_path: Path, monkeypatch) -> None:
    """End to end: the form's table reaches the real collector (without the marker)."""
    from raqib.demo.server import StaticServer
    from raqib.pipeline import crawl_source

    www = tmp_path / "www"
    www.mkdir()
    (www / "list.html").write_text(
        '<html><body><a class="item" href="/ep1.html">1</a>'
        '<a class="item" href="/ep2.html">2</a></body></html>', encoding="utf-8")
    for n, title in ((1, "اعترافات خلية"), (2, "من النفق إلى النور")):
        (www / f"ep{n}.html").write_text(
            f'<html><body><h1 class="title">{title}</h1>'
            f'<video><source src="/ep{n}.mp4"></video></body></html>', encoding="utf-8")
    monkeypatch.setitem(settings.CONFIG.values, "crawl.download_delay", 0.0)
    # The fixture site is on loopback, which a UI source may use only when allowed.
    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_networks", "127.0.0.0/8")
    with StaticServer(www) as server:
        fields = {"cfg_start_urls": f'{server.base_url.rstrip("/")}/list.html',
                  "cfg_title": "h1.title::text", "cfg_media": "video source::attr(src)"}
        assert _post(admin, "/sources/new/", _form(**fields, robots=None)).status_code == 302
        source = next(s for s in sync_sources(settings.CONFIG) if s.name == "sana-videos")
        report = crawl_source(source, settings.CONFIG)
    assert not report.failed, report.failed
    titles = sorted(source.broadcasts.values_list("title", flat=True))
    assert titles == ["اعترافات خلية", "من النفق إلى النور"]
    source.refresh_from_db()
    assert source.enabled and is_ui_source(source) and source.last_crawl_at is not None


def test_cli_lists_and_checks_a_ui_source(admin: Client, tmp_path: Path, capsys, settings,
                                          monkeypatch) -> None:
    """`raqib sources list` says where each source is declared, and `raqib sources check`
    finds a source that exists only in the UI (not in raqib.toml)."""
    import json

    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts", "127.0.0.1")
    # `sources check` loads the configuration afresh and fetches under the egress guard
    monkeypatch.setenv("RAQIB_WEB_SOURCE_ALLOWED_HOSTS", "127.0.0.1")

    from raqib.cli import main
    from raqib.demo.server import StaticServer

    www = tmp_path / "www"
    www.mkdir()
    (www / "list.html").write_text('<html><body><a class="item" href="/ep1.html">1</a>'
                                   '</body></html>', encoding="utf-8")
    (www / "ep1.html").write_text('<html><body><h1 class="title">اعترافات</h1>'
                                  '<video src="/ep1.mp4"></video></body></html>',
                                  encoding="utf-8")
    with StaticServer(www) as server:
        fields = {"cfg_start_urls": f"{server.base_url}/list.html",
                  "cfg_title": "h1.title::text"}
        assert _post(admin, "/sources/new/", _form(**fields, robots=None)).status_code == 302
        capsys.readouterr()
        assert main(["sources", "list", "--format", "json"]) == 0
        rows = json.loads(capsys.readouterr().out)["sources"]
        assert [(r["name"], r["declared"]) for r in rows] == [("sana-videos", "ui")]
        assert main(["sources", "check", "sana-videos", "--format", "json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["ok"] and checked["count"] == 1
    assert checked["items"][0]["title"] == "اعترافات"
    assert main(["sources", "check", "nowhere"]) == 2
