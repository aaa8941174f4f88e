"""Issue 27's "done when", in a real browser (Chromium through Playwright) against
``raqib serve``: a reviewer ticks two lines of a broadcast, the correction form takes their
range and the machine's text, "Play the range" plays from the range's start and stops at
its end, the reviewer corrects a misheard name and saves; the author gets no "Verify"
button; a second reviewer verifies it; search with "verified text only" finds the
corrected word with the hit marked verified; and the evidence bag exported for an incident
on that range (``raqib evidence export``) carries the machine's text, the verified text,
their difference and who corrected and who verified. Screenshots:
/tmp/raqib-ui-correction.png and /tmp/raqib-ui-correction-search.png.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_helpers import browser_login

from tests.review_ui.test_ui_browser import CHROMIUM, HERE, _make_clip
from tests.services import serve_ui

PASSWORD = "browser-test-secret"
CORRECTED = "نشرة الأخبار من دمشق أنا أماني بلور وأتبرأ من أخي"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not (Path(CHROMIUM).exists() and shutil.which("ffmpeg")):
        pytest.skip("needs /usr/bin/chromium and ffmpeg (scripts/setup.sh installs them)")
    root = tmp_path_factory.mktemp("ui-corrections")
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD,
           "PYTHONUNBUFFERED": "1"}
    _make_clip(root / "data" / "media" / "clip.mp4")
    seeded = subprocess.run([sys.executable, str(HERE / "seed_browser_db.py"),
                             "media/clip.mp4"], env=env, text=True, capture_output=True,
                            timeout=120, check=True)
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    for name, role in (("corrector", "reviewer"), ("checker", "reviewer"), ("chief", "lead")):
        subprocess.run([sys.executable, "-m", "raqib", "users", "create", name, "--role",
                        role], env=env, check=True, timeout=60, capture_output=True)
    with serve_ui(env) as base:
        yield {**info, "base": base, "env": env, "root": root}


def _raqib(live: dict, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "raqib", *args, "--format", "json"],
                          env=live["env"], text=True, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _wait(condition, timeout: float = 25.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_reviewer_corrects_another_verifies_search_and_the_bag_carry_it(live) -> None:
    from playwright.sync_api import sync_playwright

    base, bid = live["base"], live["broadcast_id"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--autoplay-policy=no-user-gesture-required"])
        # the corrector
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar").new_page()
        browser_login(page, base, "corrector", PASSWORD, env=live["env"])
        page.goto(f"{base}broadcasts/{bid}/")
        page.check("#s1 input.select-line")
        page.check("#s2 input.select-line")
        assert page.input_value("#correct-first") == "1"
        assert page.input_value("#correct-last") == "2"
        assert page.input_value("#correct-text") == ("نشرة الأخبار من دمشق "
                                                      "أنا أماني وأتبرأ من أخي")
        page.click("#play-range")  # the player bound to the range: 4.0 s to 13.5 s
        _wait(lambda: page.evaluate("document.getElementById('player').currentTime") > 4.0)
        _wait(lambda: page.evaluate("document.getElementById('player').paused"))
        stopped = page.evaluate("document.getElementById('player').currentTime")
        assert 13.4 <= stopped < 14.2, stopped
        page.fill("#correct-text", CORRECTED)
        with page.expect_navigation():
            page.click("#save-correction")
        box = page.locator(".correction").first
        assert "correction-unverified" in box.get_attribute("class")
        assert CORRECTED in box.locator(".corrected-text").inner_text()
        assert box.locator(".diff ins").first.inner_text() == "بلور"
        assert page.locator("button.verify-correction").count() == 0  # not for the author
        page.screenshot(path="/tmp/raqib-ui-correction.png", full_page=True)

        # the second reviewer
        other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar").new_page()
        browser_login(other, base, "checker", PASSWORD, env=live["env"])
        other.goto(f"{base}broadcasts/{bid}/")
        with other.expect_navigation():
            other.click("button.verify-correction")
        box = other.locator(".correction").first
        assert "correction-verified" in box.get_attribute("class")
        assert "checker" in box.locator(".who").inner_text()
        assert other.locator("#s2.in-verified").count() == 1

        other.goto(base)
        other.fill("input[name=q]", "بلور")
        other.check("input[name=verified]")
        other.click("form.search-form button[type=submit]")
        hit = other.locator("li.hit").first
        hit.wait_for()
        assert hit.locator("[data-matched]").get_attribute("data-matched") == "verified"
        assert other.locator("li.hit mark").first.inner_text() == "بلور"
        other.screenshot(path="/tmp/raqib-ui-correction-search.png", full_page=True)
        browser.close()

    issued = _raqib(live, "tokens", "create", "chief", "--scope", "read", "--scope", "review")
    chief = live["root"] / "chief.token"
    chief.write_text(issued["token"], encoding="utf-8")
    proposed = _raqib(live, "incidents", "propose", "--broadcast", str(bid), "--start", "4",
                      "--end", "13.5", "--title", "أماني تتبرأ", "--token-file", str(chief))
    incident = proposed.get("id") or proposed["incident"]["id"]
    out = live["root"] / "bag"
    _raqib(live, "evidence", "export", str(incident), "--out", str(out), "--token-file", str(chief))
    texts = list((out / "data" / "clips").glob("clip-*.text.json"))
    record = json.loads(texts[0].read_text())
    assert record["machine_text"] == "نشرة الأخبار من دمشق أنا أماني وأتبرأ من أخي"
    assert record["verified"] is True and record["verified_text"] == CORRECTED
    (rng,) = record["ranges"]
    assert (rng["corrected_by"], rng["verified_by"]) == ("corrector", "checker")
    diff = texts[0].with_name(texts[0].name.replace(".text.json", ".diff")).read_text()
    assert "+بلور" in diff.splitlines()
    summary = (out / "data" / "incident" / "summary.html").read_text()
    assert CORRECTED in summary and "verified by <bdi>checker</bdi>" in summary
