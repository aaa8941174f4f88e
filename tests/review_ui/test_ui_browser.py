"""A real browser (Debian's Chromium through Playwright) against the real server.

``raqib serve`` runs in a subprocess over a temp data dir holding an ffmpeg-made MP4, a
broadcast, its transcript (indexed) and a viewer. The test
logs in, searches, checks the hit is laid out right to left, follows it and checks the
video is at the hit's second; then clicks another segment and checks the video seeks.
The server runs with ``search.page_size`` 2 (RAQIB_SEARCH_PAGE_SIZE) and the seed adds five
segments over two outlets holding one word, so the browser also pages, narrows by a facet
link and sees the ``<mark>`` around the word as captured (diacritics included), with the
facets beside the hits on a wide screen and above them on a narrow one.
Screenshots go to /tmp/raqib-ui-search.png, /tmp/raqib-ui-facets.png and
/tmp/raqib-ui-broadcast.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_helpers import browser_login

from tests.services import serve_ui

HERE = Path(__file__).resolve().parent
PASSWORD = "browser-test-secret"
PAGE_SIZE = 2
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.slow

RESULT_WORDS = "نتيجة|نتيجتان|نتائج"  # the Arabic plural forms of "result"


def _make_clip(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050", "-t", "20",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10",
         "-c:a", "aac", "-b:a", "32k", "-movflags", "+faststart", str(path)],
        check=True, timeout=60)


@pytest.fixture(scope="module")
def live_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not (Path(CHROMIUM).exists() and shutil.which("ffmpeg")):
        pytest.skip("needs /usr/bin/chromium and ffmpeg (scripts/setup.sh installs them)")
    root = tmp_path_factory.mktemp("ui-browser")
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD,
           "RAQIB_SEARCH_PAGE_SIZE": str(PAGE_SIZE), "PYTHONUNBUFFERED": "1"}
    _make_clip(root / "data" / "media" / "clip.mp4")
    seeded = subprocess.run([sys.executable, str(HERE / "seed_browser_db.py"), "media/clip.mp4"],
                            env=env, text=True, capture_output=True, timeout=60, check=True)
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    subprocess.run([sys.executable, "-m", "raqib", "users", "create", "monitor", "--role",
                    "viewer"], env=env, check=True, timeout=60, capture_output=True)
    with serve_ui(env) as base:
        info["base"], info["env"] = base, env
        yield info


@pytest.fixture(scope="module")
def page(live_ui: dict) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(live_ui["base"])
        assert "/login/" in page.url
        # the password, then an invite and an authenticator (every role needs one)
        browser_login(page, live_ui["base"], "monitor", PASSWORD, env=live_ui["env"])
        page.goto(live_ui["base"])
        yield page
        browser.close()


def wait_for_time(page: object, seconds: float, timeout: float = 10.0) -> float:
    deadline = time.monotonic() + timeout
    current = -1.0
    while time.monotonic() < deadline:
        current = page.evaluate("document.getElementById('player').currentTime")
        if abs(current - seconds) < 0.5:
            return current
        time.sleep(0.1)
    raise AssertionError(f"video currentTime stayed at {current}, expected {seconds}")


def test_search_hit_is_rtl_and_opens_video_at_its_second(live_ui: dict, page: object) -> None:
    page.goto(live_ui["base"])
    page.fill("input[name=q]", "أماني")
    page.click("form.search-form button[type=submit]")
    hit = page.locator("li.hit a.hit-link").first
    hit.wait_for()
    assert "أنا أماني وأتبرأ من أخي" in hit.inner_text()
    assert hit.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path="/tmp/raqib-ui-search.png", full_page=True)
    hit.click()
    page.wait_for_url(f"**/broadcasts/{live_ui['broadcast_id']}/?t=8")
    wait_for_time(page, 8.0)


def test_player_starts_at_t_and_segment_click_seeks(live_ui: dict, page: object) -> None:
    page.goto(f"{live_ui['base']}broadcasts/{live_ui['broadcast_id']}/?t=4")
    wait_for_time(page, 4.0)
    segment = page.locator("a.seek[data-start='13.5']")
    segment.click()
    wait_for_time(page, 13.5)
    page.evaluate("document.getElementById('player').pause()")
    assert page.locator("li.segment.current").inner_text().endswith("وهذا ما حدث في النفق")
    assert page.evaluate("getComputedStyle(document.querySelector('.segments')).direction"
                         ) == "rtl"
    page.screenshot(path="/tmp/raqib-ui-broadcast.png", full_page=True)


def _box(locator: object) -> dict:
    box = locator.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0, f"not laid out: {box}"
    return box


def _hit_texts(page: object) -> list[str]:
    return page.locator("li.hit .hit-link .text").all_inner_texts()


def test_search_facets_pages_and_highlights_in_rtl(live_ui: dict, page: object) -> None:
    from seed_browser_db import CONFESSION_WORD, EXTRA_BROADCASTS, SECOND_OUTLET

    total = sum(len(segments) for *_, segments in EXTRA_BROADCASTS)
    in_second = sum(len(s) for outlet, _, _, s in EXTRA_BROADCASTS if outlet == SECOND_OUTLET)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_ui["base"])
    page.fill("input[name=q]", "اعترافه")  # no diacritics: the analyzer matches them anyway
    page.click("form.search-form button[type=submit]")
    page.locator("li.hit").first.wait_for()
    assert re.match(rf"{total} ({RESULT_WORDS})", page.locator("p.count").inner_text())
    assert page.locator("li.hit").count() == PAGE_SIZE
    assert page.locator(".page-current").inner_text() == f"1 / {-(-total // PAGE_SIZE)}"

    # The highlight: a visible <mark> around exactly the captured word, inside RTL text.
    mark = page.locator("li.hit .hit-link .text mark").first
    assert mark.is_visible()
    assert mark.inner_text() == CONFESSION_WORD
    assert mark.evaluate("el => getComputedStyle(el).backgroundColor") not in (
        "rgba(0, 0, 0, 0)", "transparent")
    first_text = page.locator("li.hit .hit-link .text").first
    assert CONFESSION_WORD in first_text.inner_text()
    assert first_text.evaluate("el => getComputedStyle(el).direction") == "rtl"
    text_box, mark_box = _box(first_text), _box(mark)
    assert text_box["x"] - 1 <= mark_box["x"] <= text_box["x"] + text_box["width"]

    # RTL layout: the timecode (first in the markup) sits right of the text, and the facet
    # column (first in the markup) right of the hits.
    timecode_box = _box(page.locator("li.hit .hit-link .timecode").first)
    assert timecode_box["x"] >= text_box["x"] + text_box["width"] - 1
    facets_box, hits_box = _box(page.locator("aside.facets")), _box(page.locator("ol.hits"))
    assert facets_box["x"] >= hits_box["x"] + hits_box["width"] - 1
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path="/tmp/raqib-ui-facets.png", full_page=True)

    # Page 2 holds other hits; Previous leads back.
    page_one = _hit_texts(page)
    page.click("nav.pagination a.page-next")
    page.wait_for_url(lambda url: "page=2" in url)
    page_two = _hit_texts(page)
    assert page_two and not set(page_two) & set(page_one)
    assert page.locator(".page-current").inner_text().startswith("2 / ")
    assert page.locator("nav.pagination a.page-prev").is_visible()

    # A facet link narrows the results to one outlet.
    facet = page.locator("section.facet-outlet a.facet-link", has_text=SECOND_OUTLET)
    assert facet.locator("xpath=..").inner_text().endswith(f"({in_second})")
    facet.click()
    page.wait_for_url(lambda url: "outlet=" in url)
    assert re.match(rf"{in_second} ({RESULT_WORDS})", page.locator("p.count").inner_text())
    outlets = page.locator("li.hit-group .hit-meta .outlet").all_inner_texts()
    assert outlets and set(outlets) == {SECOND_OUTLET}
    assert page.locator("select[name=outlet]").input_value() == SECOND_OUTLET

    # Narrow screen: the facets stack above the hits.
    page.set_viewport_size({"width": 600, "height": 900})
    facets_box, hits_box = _box(page.locator("aside.facets")), _box(page.locator("ol.hits"))
    assert facets_box["y"] + facets_box["height"] <= hits_box["y"] + 1
    page.set_viewport_size({"width": 1280, "height": 800})
