"""The admin source form without TOML (issue 25): one field per key the chosen kind's
collector declares, with help text in the page language; changing the kind re-renders the
form; "Test this source" runs the dry run of ``raqib sources check`` on the form as typed,
shows what it would find, writes nothing, and is refused for non-public addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from ui_helpers import login_client, make_user

from catalog.models import Broadcast, CustodyEvent, Outlet, Source
from crawler.schema import KIND_KEYS
from review_ui.views.sources_fields import KEY_HELP

RLO = "\u202e"


@pytest.fixture
def admin(db) -> Client:
    return login_client(Client(enforce_csrf_checks=True), make_user("admin1", "admin"))


def _post(client: Client, path: str, data: dict) -> object:
    page = client.get("/sources/new/")
    return client.post(path, {**data, "csrfmiddlewaretoken": page.cookies["csrftoken"].value})


def _form(**fields: str) -> dict:
    return {"name": "sana-videos", "outlet": "سانا", "kind": "site", "interval": "2h",
            "language": "ar", "enabled": "on", **fields}


def test_every_declared_key_has_help_text() -> None:
    missing = {key for kind in KIND_KEYS for key in KIND_KEYS[kind] if key not in KEY_HELP}
    assert not missing, f"give these keys help text in sources_fields.KEY_HELP: {missing}"


@pytest.mark.parametrize("kind", sorted(KIND_KEYS))
def test_the_form_shows_the_fields_the_kind_declares(admin: Client, kind: str) -> None:
    html = admin.get(f"/sources/new/?kind={kind}").content.decode()
    assert 'name="kind_config"' not in html  # no TOML to type
    for key, required in KIND_KEYS[kind].items():
        assert f'name="cfg_{key}"' in html, key
        at = html.index(f'name="cfg_{key}"')
        field = html[html.rfind("<", 0, at):html.find(">", at)]  # the whole tag
        assert ("required" in field) == required, key
    other = {k for kd in KIND_KEYS for k in KIND_KEYS[kd]} - set(KIND_KEYS[kind])
    assert not [k for k in other if f'name="cfg_{k}"' in html]
    with translation.override("ar"):
        helps = [str(KEY_HELP[key]) for key in KIND_KEYS[kind]]
    for text in helps:  # Arabic help text on the Arabic page
        assert any("\u0600" <= c <= "\u06ff" for c in text), text
        assert text in html.replace("&quot;", '"').replace("&#x27;", "'")


def test_changing_the_kind_re_renders_and_saves_nothing(admin: Client) -> None:
    response = _post(admin, "/sources/new/", {**_form(kind="feed"), "refresh": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="cfg_url"' in html and 'name="cfg_start_urls"' not in html
    assert 'class="problems"' not in html  # nothing checked yet
    assert 'value="sana-videos"' in html  # what was typed is kept
    assert not Source.objects.exists()


def _site(tmp_path: Path) -> Path:
    www = tmp_path / "www"
    www.mkdir()
    (www / "list.html").write_text(
        '<html><body><a class="item" href="/ep1.html">1</a>'
        '<a class="item" href="/ep2.html">2</a></body></html>', encoding="utf-8")
    titles = {1: "اعترافات خلية", 2: f'<script>alert(1)</script>{RLO}evil'}
    for n, title in titles.items():
        escaped = title.replace("<", "&lt;").replace(">", "&gt;")
        (www / f"ep{n}.html").write_text(
            f'<html><body><h1 class="title">{escaped}</h1>'
            f'<span class="date">2024-03-0{n}T20:30:00+03:00</span>'
            f'<video><source src="/ep{n}.mp4"></video></body></html>', encoding="utf-8")
    return www


def test_test_this_source_shows_the_items_and_writes_nothing(
        admin: Client, tmp_path: Path, monkeypatch) -> None:
    from raqib.demo.server import StaticServer

    monkeypatch.setitem(settings.CONFIG.values, "crawl.download_delay", 0.0)
    before = (Source.objects.count(), Outlet.objects.count(), Broadcast.objects.count(),
              CustodyEvent.objects.count())
    with StaticServer(_site(tmp_path)) as server:
        host = server.base_url.split("//", 1)[1].strip("/")
        monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts", host)
        fields = {"cfg_start_urls": f"{server.base_url.rstrip('/')}/list.html",
                  "cfg_item_links": "a.item::attr(href)", "cfg_title": "h1.title::text",
                  "cfg_aired_at": "span.date::text", "cfg_media": "video source::attr(src)"}
        response = _post(admin, "/sources/test/", _form(**fields))
    assert response.status_code == 200
    html = response.content.decode()
    assert "اعترافات خلية" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert RLO not in html
    assert f"{server.base_url.rstrip('/')}/ep1.mp4" in html  # the media it would fetch
    assert 'datetime="2024-03-01T' in html  # the air date, through _aired.html
    assert 'class="test-item"' in html and html.count('class="test-item"') == 2
    assert "نتيجة التجربة" in html  # "Test result", in the page language
    after = (Source.objects.count(), Outlet.objects.count(), Broadcast.objects.count(),
             CustodyEvent.objects.count())
    assert after == before  # nothing written: no source, outlet, broadcast, custody event


def test_a_loopback_port_that_is_not_allowed_is_refused_readably(
        admin: Client, tmp_path: Path, monkeypatch) -> None:
    from raqib.demo.server import StaticServer

    with StaticServer(_site(tmp_path)) as server:
        port = int(server.base_url.rstrip("/").rsplit(":", 1)[1])
        monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts",
                            f"127.0.0.1:{port + 1}")
        response = _post(admin, "/sources/test/", _form(
            cfg_start_urls=f"{server.base_url.rstrip('/')}/list.html",
            cfg_item_links="a.item::attr(href)"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "public addresses" in html and 'data-field="cfg_start_urls"' in html
    assert 'class="test-item"' not in html
    assert not Source.objects.exists()


def test_an_unreachable_source_is_a_readable_failure(admin: Client, monkeypatch) -> None:
    from tests.services import free_port

    port = free_port()  # nothing listens there
    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts", f"127.0.0.1:{port}")
    response = _post(admin, "/sources/test/", _form(
        kind="feed", cfg_url=f"http://127.0.0.1:{port}/feed.xml"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "تعذّرت قراءة المصدر" in html  # "The source could not be read."
    assert f"127.0.0.1:{port}" in html and not Source.objects.exists()


def test_only_admins_may_test_a_source(db) -> None:
    for role in ("viewer", "reviewer", "lead"):
        client = login_client(Client(), make_user(f"{role}1", role))
        assert client.post("/sources/test/", _form(kind="feed")).status_code == 403
    assert Client().post("/sources/test/", {}).status_code in (302, 403)


def test_the_dry_run_goes_through_the_egress_guard(admin: Client, tmp_path: Path,
                                                   monkeypatch) -> None:
    """The form allows the listing page's port; its item links point at another loopback
    port, which the egress guard refuses at fetch time: shown as page errors, not fetched."""
    from raqib.demo.server import StaticServer
    from tests.services import free_port

    other = free_port()
    www = tmp_path / "www"
    www.mkdir()
    (www / "list.html").write_text(
        f'<html><body><a class="item" href="http://127.0.0.1:{other}/ep1.html">1</a>'
        '</body></html>', encoding="utf-8")
    monkeypatch.setitem(settings.CONFIG.values, "crawl.download_delay", 0.0)
    with StaticServer(www) as server:
        monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts",
                            server.base_url.split("//", 1)[1].strip("/"))
        response = _post(admin, "/sources/test/", _form(
            cfg_start_urls=f"{server.base_url.rstrip('/')}/list.html",
            cfg_item_links="a.item::attr(href)"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="test-item"' not in html
    assert f"127.0.0.1 port {other}: not a public address" in html  # the guard's reason
    assert not Source.objects.exists()


def test_a_saved_ui_source_is_tested_under_its_own_name(admin: Client, monkeypatch) -> None:
    """Testing the edit form does not trip over the source's own name; a raqib.toml source
    is refused (it is tried with ``raqib sources check``)."""
    from tests.services import free_port

    port = free_port()
    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts", f"127.0.0.1:{port}")
    feed = _form(kind="feed", cfg_url=f"http://127.0.0.1:{port}/feed.xml")
    assert _post(admin, "/sources/new/", feed).status_code == 302
    source = Source.objects.get(name="sana-videos")
    events = CustodyEvent.objects.count()
    response = _post(admin, f"/sources/{source.pk}/test/", feed)
    assert response.status_code == 200 and "تعذّرت قراءة المصدر" in response.content.decode()
    assert _post(admin, "/sources/test/", feed).status_code == 400  # a new one: name taken
    source.config = {k: v for k, v in source.config.items() if k != "origin"}
    source.save()
    assert _post(admin, f"/sources/{source.pk}/test/", feed).status_code == 403
    assert CustodyEvent.objects.count() == events
