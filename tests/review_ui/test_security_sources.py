"""Issue 14, the admin source form as an attacker holding an admin session would use it:
feed URLs on loopback, private, link-local (cloud metadata) addresses, and cookie files
anywhere on the server (a missing one was reported: a file-system probe).

Before issue 14 every one of these was accepted (or answered "does not exist")."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from django.test import Client
from ui_helpers import login_client, make_user

from catalog.models import Source


@pytest.fixture
def admin(db) -> Client:
    return login_client(Client(), make_user("admin1", "admin"))


def _form(snippet: str, kind: str = "feed") -> dict:
    """The form with the kind's keys, written here as TOML for brevity, in their fields."""
    fields = {f"cfg_{key}": "\n".join(value) if isinstance(value, list) else str(value)
              for key, value in tomllib.loads(snippet).items()}
    return {"name": "ssrf", "outlet": "Outlet", "kind": kind, "interval": "6h",
            "language": "ar", "enabled": "on", "robots": "on", **fields}


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8000/feed.xml",
    "http://localhost/feed.xml", "http://10.1.2.3/feed", "http://192.168.0.1/feed",
    "http://172.16.5.4/feed", "http://[::1]/feed", "http://[fe80::1]/feed",
    "http://[::ffff:127.0.0.1]/feed", "http://0.0.0.0/feed", "http://metadata.google.internal/x",
    "http://printer.local/feed", "http://2130706433/feed",
    # issue 23: what a list of bad ranges missed (is_global, unwrapped IPv6 forms)
    "http://100.100.100.200/latest/meta-data/", "http://100.64.0.1/feed",
    "http://[2002:7f00:1::]/feed", "http://[fec0::1]/feed", "http://[64:ff9b::7f00:1]/feed",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/feed", "http://[::127.0.0.1]/feed",
])
def test_internal_urls_are_refused(admin: Client, url: str) -> None:
    response = admin.post("/sources/new/", _form(f'url = "{url}"\n'))
    assert response.status_code == 400, url
    assert "public addresses" in response.content.decode()
    assert not Source.objects.exists()


def test_internal_urls_in_lists_are_refused_too(admin: Client) -> None:
    snippet = ('start_urls = ["https://93.184.215.14/ok", "http://169.254.169.254/x"]\n'
               'item_links = "a::attr(href)"\n')
    response = admin.post("/sources/new/", {**_form(snippet), "kind": "site"})
    assert response.status_code == 400 and "169.254.169.254" in response.content.decode()


def test_an_allowed_host_or_network_passes(admin: Client, settings, monkeypatch) -> None:
    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_networks", "10.0.0.0/8")
    ok = admin.post("/sources/new/", _form('url = "http://10.1.2.3/feed.xml"\n'))
    assert ok.status_code == 302
    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts", "intranet.local")
    ok = admin.post("/sources/new/", {**_form('url = "http://intranet.local/feed.xml"\n'),
                                      "name": "second"})
    assert ok.status_code == 302
    assert Source.objects.count() == 2


def test_an_allowed_host_port_allows_that_port_only(admin: Client, settings,
                                                   monkeypatch) -> None:
    monkeypatch.setitem(settings.CONFIG.values, "web.source_allowed_hosts", "127.0.0.1:8080")
    ok = admin.post("/sources/new/", _form('url = "http://127.0.0.1:8080/feed.xml"\n'))
    assert ok.status_code == 302
    refused = admin.post("/sources/new/", {**_form('url = "http://127.0.0.1:8081/x"\n'),
                                           "name": "other-port"})
    assert refused.status_code == 400 and "public addresses" in refused.content.decode()


def test_an_internal_proxy_is_refused(admin: Client) -> None:
    snippet = 'url = "https://93.184.215.14/v"\nproxy = "socks5://127.0.0.1:9050"\n'
    response = admin.post("/sources/new/", _form(snippet, "ytdlp"))
    assert response.status_code == 400 and "public addresses" in response.content.decode()


def test_a_public_address_passes(admin: Client) -> None:
    response = admin.post("/sources/new/", _form('url = "https://93.184.215.14/feed.xml"\n'))
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/etc/passwd", "/etc/no-such-file", "../../secret_key",
                                  "/root/.ssh/id_rsa"])
def test_cookie_files_outside_the_cookies_dir_are_refused_unprobed(admin: Client,
                                                                   path: str) -> None:
    snippet = f'url = "https://93.184.215.14/feed.xml"\ncookies = "{path}"\n'
    html = admin.post("/sources/new/", _form(snippet, "ytdlp")).content.decode()
    assert "only files in" in html
    assert "does not exist" not in html  # the same answer whether the file exists or not
    assert not Source.objects.exists()


def test_a_cookie_file_in_the_cookies_dir_is_accepted(admin: Client, settings) -> None:
    cookies = Path(settings.CONFIG.data_dir) / "cookies"
    cookies.mkdir(parents=True, exist_ok=True)
    (cookies / "tv.txt").write_text("# Netscape HTTP Cookie File\n")
    (cookies / "link.txt").unlink(missing_ok=True)
    (cookies / "link.txt").symlink_to("/etc/hostname")
    try:
        ok = admin.post("/sources/new/", _form('url = "https://93.184.215.14/f.xml"\n'
                                               'cookies = "tv.txt"\n', "ytdlp"))
        assert ok.status_code == 302
        assert Source.objects.get().config["cookies"] == str((cookies / "tv.txt").resolve())
        out = admin.post("/sources/new/", {**_form('url = "https://93.184.215.14/f.xml"\n'
                                                   'cookies = "link.txt"\n', "ytdlp"),
                                           "name": "two"})
        assert out.status_code == 400 and "only files in" in out.content.decode()
    finally:
        (cookies / "link.txt").unlink(missing_ok=True)
        (cookies / "tv.txt").unlink(missing_ok=True)


def test_a_pattern_re2_cannot_run_is_refused_by_the_form(admin: Client) -> None:
    """Issue 23: an admin's url_pattern runs on RE2 (linear time) or is refused."""
    snippet = 'url = "https://93.184.215.14/sitemap.xml"\nurl_pattern = "(a)\\\\1"\n'
    response = admin.post("/sources/new/", _form(snippet, "sitemap"))
    assert response.status_code == 400
    assert "not a valid regular expression" in response.content.decode()
    assert not Source.objects.exists()
    ok = admin.post("/sources/new/", _form(snippet.replace("(a)\\\\1", "(a+)+$"), "sitemap"))
    assert ok.status_code == 302  # compiled by RE2: no exponential backtracking possible
