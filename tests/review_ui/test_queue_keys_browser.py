"""The review queue's keyboard shortcuts in a real browser (Debian's Chromium through
Playwright) against ``raqib serve`` in a subprocess: j/k move between the incident waiting
for a lead and the alert, c on an incident opens its review form, o opens it, typing j or d
in the note field does nothing but type, and d on the alert submits its own dismiss form
(the server records it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_helpers import browser_login

from tests.services import serve_ui

HERE = Path(__file__).resolve().parent
PASSWORD = "queue-keys-secret-1"
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (scripts/setup.sh installs it)")
    root = tmp_path_factory.mktemp("queue-keys")
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD,
           "PYTHONUNBUFFERED": "1"}
    seeded = subprocess.run([sys.executable, str(HERE / "seed_queue_db.py")], env=env,
                            text=True, capture_output=True, timeout=120, check=True)
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    with serve_ui(env) as base:
        info["base"], info["env"] = base, env
        yield info


def test_queue_keyboard_shortcuts(live_queue: dict) -> None:
    from playwright.sync_api import sync_playwright

    base, incident = live_queue["base"], live_queue["incident_id"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(locale="ar", viewport={"width": 1280, "height": 800}).new_page()
        try:
            # the password, an invite and an authenticator (every role needs one)
            browser_login(page, base, "keys", PASSWORD, env=live_queue["env"])
            page.goto(base + "alerts/")
            items = page.locator("[data-queue-item]")
            assert items.count() == 2
            current = page.locator(".kbd-current")
            page.keyboard.press("j")
            assert current.get_attribute("data-incident") == str(incident)
            page.keyboard.press("j")
            assert current.get_attribute("data-alert") == str(live_queue["alert_id"])
            page.keyboard.press("k")
            assert current.get_attribute("data-incident") == str(incident)
            with page.expect_navigation():
                page.keyboard.press("c")  # an incident: its page at the review form
            assert page.url == f"{base}incidents/{incident}/#review"
            page.goto(base + "alerts/")
            page.keyboard.press("j")
            with page.expect_navigation():
                page.keyboard.press("o")
            assert page.url == f"{base}incidents/{incident}/"

            page.goto(base + "alerts/")
            note = page.locator(f"#note-{live_queue['alert_id']}")
            note.click()
            page.keyboard.type("jkdc")  # typing, not shortcuts
            assert note.input_value() == "jkdc"
            assert page.url == base + "alerts/" and current.count() == 1  # focus-selected
            page.locator("h1").click()
            page.keyboard.press("j")
            page.keyboard.press("j")
            assert current.get_attribute("data-alert") == str(live_queue["alert_id"])
            with page.expect_navigation():
                page.keyboard.press("d")  # the alert's own dismiss button, with its note
            assert page.locator("li.alert").count() == 0  # the queue shows new alerts
            page.goto(base + "alerts/?status=dismissed")
            dismissed = page.locator("li.alert .review-note")
            assert "مرفوض" in dismissed.inner_text() and "jkdc" in dismissed.inner_text()
            assert "dismissed" not in dismissed.inner_text()  # the state in the page's language
        finally:
            browser.close()
