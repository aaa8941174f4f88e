"""The dashboard and every page in a real browser (Chromium via Playwright), in Arabic
(right-to-left) and after the header's switch in English (left-to-right), against a
``raqib serve`` subprocess on the ``seed_dashboard_db.py`` data:

- login lands on the dashboard; a bar's and a heat-map cell's click open the filtered
  incident list with exactly as many rows as the bar counted;
- the switch (a POST with CSRF) turns the page LTR and English, and the numbers stay;
- each page, in both directions, is screenshotted (under the test's tmp dir) and has no
  horizontal overflow (``scrollWidth <= clientWidth``), its ``<html dir>`` matching.

One browser session, one login, a handful of rows: about 30 s on two cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_helpers import PASSWORD, browser_login

from tests.services import serve_ui

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (scripts/setup.sh installs it)")
    root = tmp_path_factory.mktemp("dashboard-browser")
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "PYTHONUNBUFFERED": "1"}
    seeded = subprocess.run([sys.executable, str(HERE / "seed_dashboard_db.py")], env=env,
                            text=True, capture_output=True, timeout=120, check=True)
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    with serve_ui(env) as base:
        info["base"] = base
        info["data_dir"] = str(root / "data")
        info["shots"] = root / "shots"
        info["shots"].mkdir()
        yield info


def _pages(info: dict) -> list[str]:
    return ["dashboard/", "", "?q=%D8%A3%D9%85%D8%A7%D9%86%D9%8A", "broadcasts/",
            f"broadcasts/{info['broadcast']}/", "alerts/?status=all", "watchlists/",
            "incidents/", f"incidents/{info['incident']}/",
            f"incidents/new/?broadcast={info['broadcast']}", "persons/",
            f"persons/{info['person']}/", "vocabulary/", "sources/", "sources/new/",
            "health/", "account/password/"]


def _tour(page: object, info: dict, direction: str) -> None:
    for number, path in enumerate(_pages(info)):
        response = page.goto(info["base"] + path)
        assert response.status == 200, (path, response.status)
        assert page.get_attribute("html", "dir") == direction, path
        name = path.strip("/").replace("/", "_").split("?")[0] or "search"
        page.screenshot(path=str(info["shots"] / f"{direction}-{number:02d}-{name}.png"),
                        full_page=True)
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, f"{path} ({direction}) overflows: {scroll} > {client}"


def _rows(page: object) -> int:
    return page.locator("table.incidents tbody tr.incident").count()


def test_dashboard_both_languages_clicks_and_every_page_without_overflow(served) -> None:
    from playwright.sync_api import sync_playwright

    base = served["base"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(locale="ar", viewport={"width": 1280, "height": 800}).new_page()
        browser_login(page, base, "boss", PASSWORD, data_dir=served["data_dir"])
        page.goto(base + "login/")  # signed in: the landing page
        assert page.url == base + "dashboard/"
        assert page.get_attribute("html", "lang") == "ar"
        assert page.locator("h1").inner_text() == "لوحة المتابعة"
        bars = page.locator('svg[data-chart="incidents_by_outlet"] a.chart-link')
        arabic_counts = sorted(int(v) for v in bars.evaluate_all(
            "els => els.map(e => e.dataset.value)"))
        assert sum(arabic_counts) == 3  # the admin sees the restricted incident too
        first = int(bars.first.get_attribute("data-value"))
        with page.expect_navigation():
            bars.first.click()
        assert "/incidents/?outlet=" in page.url and _rows(page) == first
        page.goto(base + "dashboard/")
        cell = page.locator("table.heat-map a.heat-link").first
        expected = int(cell.get_attribute("data-value"))
        with page.expect_navigation():
            cell.click()
        assert "status=confirmed" in page.url and _rows(page) == expected == 1
        _tour(page, served, "rtl")

        page.goto(base + "dashboard/")
        with page.expect_navigation():
            page.click(".language-switch button[value=en]")
        assert page.url == base + "dashboard/"
        assert page.get_attribute("html", "lang") == "en"
        assert page.locator("h1").inner_text() == "Dashboard"
        english = sorted(int(v) for v in page.locator(
            'svg[data-chart="incidents_by_outlet"] a.chart-link').evaluate_all(
            "els => els.map(e => e.dataset.value)"))
        assert english == arabic_counts
        month = page.locator('svg[data-chart="incidents_over_time"] a.chart-link[data-value="1"]')
        with page.expect_navigation():
            month.first.click()
        assert "date_from=" in page.url and _rows(page) == 1
        _tour(page, served, "ltr")
        page.goto(base + "incidents/")  # the choice is remembered on the next page too
        assert page.get_attribute("html", "dir") == "ltr"
        browser.close()
    assert len(list(served["shots"].glob("*.png"))) == 2 * len(_pages(served))
