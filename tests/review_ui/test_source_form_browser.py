"""Issue 25, "Adding an outlet without TOML", end to end in Chromium against `raqib serve`:
an admin opens the source form, changes the kind (the fields follow it, through the static
``sources_form.js``), fills in the site kind's fields for a local test outlet, presses
"Test this source" and sees the items it would find (nothing saved yet), saves it, and
``raqib crawl --source NAME`` then lists the same broadcasts.

The outlet runs on loopback, which a UI source may reach only when the operator allows it:
``RAQIB_WEB_SOURCE_ALLOWED_HOSTS=127.0.0.1:PORT``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ui_helpers import browser_login

from raqib.demo.server import StaticServer
from tests.services import serve_ui

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-admin-passphrase"
TITLES = ("اعترافات خلية", "من النفق إلى النور")

pytestmark = pytest.mark.slow


def _outlet(root: Path) -> Path:
    www = root / "www"
    www.mkdir()
    (www / "list.html").write_text(
        '<html><body><a class="item" href="/ep1.html">1</a>'
        '<a class="item" href="/ep2.html">2</a></body></html>', encoding="utf-8")
    for n, title in enumerate(TITLES, 1):
        (www / f"ep{n}.html").write_text(
            f'<html><body><h1 class="title">{title}</h1>'
            f'<span class="date">2024-03-0{n}T20:30:00+03:00</span>'
            f'<video><source src="/ep{n}.mp4"></video></body></html>', encoding="utf-8")
    return www


def test_admin_adds_tests_saves_and_crawls_an_outlet(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (scripts/setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    (tmp_path / "raqib.toml").write_text("[crawl]\ndownload_delay = 0.0\n")
    data = tmp_path / "data"
    env = {**os.environ, "RAQIB_DATA_DIR": str(data), "RAQIB_CONFIG": str(tmp_path / "raqib.toml"),
           "RAQIB_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL"):
        env.pop(var, None)
    subprocess.run([sys.executable, "-m", "raqib", "users", "create", "amal", "--role",
                    "admin"], env=env, check=True, timeout=120, capture_output=True)
    with StaticServer(_outlet(tmp_path)) as outlet:
        base_outlet = outlet.base_url.rstrip("/")
        env["RAQIB_WEB_SOURCE_ALLOWED_HOSTS"] = base_outlet.split("//", 1)[1]
        with serve_ui(env) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_context(locale="ar").new_page()
            browser_login(page, base, "amal", PASSWORD, data_dir=data)
            page.goto(base + "sources/new/")
            assert page.locator("#id_cfg_start_urls").count() == 1
            page.fill("#id_name", "sana-web")
            page.fill("#id_outlet", "سانا")
            with page.expect_navigation():  # the kind's fields follow the select
                page.select_option("#id_kind", "feed")
            assert page.locator("#id_cfg_url").count() == 1
            assert page.locator("#id_cfg_start_urls").count() == 0
            assert page.input_value("#id_name") == "sana-web"  # what was typed is kept
            with page.expect_navigation():
                page.select_option("#id_kind", "site")
            page.fill("#id_cfg_start_urls", f"{base_outlet}/list.html")
            page.fill("#id_cfg_item_links", "a.item::attr(href)")
            page.fill("#id_cfg_title", "h1.title::text")
            page.fill("#id_cfg_aired_at", "span.date::text")
            page.fill("#id_cfg_media", "video source::attr(src)")
            page.uncheck("#id_robots")  # the test outlet has no robots.txt
            with page.expect_navigation():
                page.click("button.source-test")
            rows = page.locator("tr.test-item")
            assert rows.count() == 2, page.content()[:2000]
            shown = page.locator("td.test-title").all_inner_texts()
            assert all(any(t in s for s in shown) for t in TITLES), shown
            assert page.locator("tr.test-item time.aired").count() == 2
            media = page.locator("td.test-media").all_inner_texts()
            assert sorted(media) == [f"{base_outlet}/ep1.mp4", f"{base_outlet}/ep2.mp4"]
            page.screenshot(path=str(tmp_path / "source-test.png"), full_page=True)
            other = page.context.new_page()  # tested, not saved
            other.goto(base + "sources/")
            assert other.locator('[data-source="sana-web"]').count() == 0
            other.close()
            with page.expect_navigation():
                page.click("form.source-form button[type=submit]:not([name])")
            assert page.url == base + "sources/", page.url
            assert page.locator('[data-source="sana-web"]').count() == 1
            browser.close()
        crawl = subprocess.run([sys.executable, "-m", "raqib", "crawl", "--source", "sana-web",
                                "--no-process", "--format", "json"], env=env, timeout=300,
                               capture_output=True, text=True)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    listed = subprocess.run([sys.executable, "-m", "raqib", "broadcasts", "list", "--format",
                             "json"], env=env, timeout=120, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    titles = sorted(b["title"] for b in json.loads(listed.stdout))
    assert titles == sorted(TITLES)
