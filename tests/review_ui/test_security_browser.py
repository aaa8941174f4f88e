"""Issues 14 and 23 in a real browser (Chromium through Playwright) against ``raqib serve``
in a subprocess: a lead created with ``raqib users create`` reaches only the invite page
with their password; the admin's invite link (``raqib users invite --base-url``), opened
in the browser, leads through the login to the enrolment, where the lead enrols an
authenticator (key read from the page, as a person types it into the app), sees the
recovery codes and reaches the pages; a second login in a fresh browser asks for the
token (``ui_helpers.browser_login`` reads the key from the server's database). No page
opens in between without the second factor. Screenshot: /tmp/raqib-ui-2fa.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ui_helpers import browser_enrol, browser_login, issue_invite_cli

from tests.services import serve_ui

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-lead-passphrase"

pytestmark = pytest.mark.slow


def test_lead_enrols_then_logs_in_with_a_token(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (scripts/setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    (tmp_path / "raqib.toml").write_text("")
    data = tmp_path / "data"
    env = {**os.environ, "RAQIB_DATA_DIR": str(data), "RAQIB_CONFIG": str(tmp_path / "raqib.toml"),
           "RAQIB_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL"):
        env.pop(var, None)
    subprocess.run([sys.executable, "-m", "raqib", "users", "create", "lina", "--role", "lead"],
                   env=env, check=True, timeout=120, capture_output=True)
    with serve_ui(env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        first = browser.new_context(locale="ar").new_page()
        first.goto(base + "login/")
        first.fill("#id_username", "lina")
        first.fill("#id_password", PASSWORD)
        with first.expect_navigation():
            first.click("form button[type=submit]")
        assert "/account/2fa/enrol/" in first.url  # the password alone enrols nothing
        first.goto(base + "account/2fa/setup/")
        assert "/account/2fa/enrol/" in first.url
        first.goto(base + "incidents/")  # nothing else opens before the second factor
        assert "/account/2fa/enrol/" in first.url

        invite = issue_invite_cli("lina", env=env, base_url=base.rstrip("/"))
        assert invite["link"].startswith(base + "account/2fa/enrol/?code=")
        linked = browser.new_context(locale="ar").new_page()
        linked.goto(invite["link"])  # not signed in: the login page, then back to the link
        assert "/login/" in linked.url
        linked.fill("#id_username", "lina")
        linked.fill("#id_password", PASSWORD)
        with linked.expect_navigation():
            linked.click("form button[type=submit]")
        assert "/account/2fa/enrol/" in linked.url
        assert linked.input_value("#id_code") == invite["code"]
        with linked.expect_navigation():
            linked.click("form.invite-form button[type=submit]")
        assert "/account/2fa/setup/" in linked.url
        assert linked.locator("img.totp-qr").evaluate("el => el.naturalWidth") > 0
        linked.screenshot(path="/tmp/raqib-ui-2fa.png", full_page=True)
        browser_enrol(linked, "lina")
        linked.goto(base + "incidents/")
        assert linked.url == base + "incidents/"

        second = browser.new_context(locale="ar").new_page()
        browser_login(second, base, "lina", PASSWORD, data_dir=data)
        second.goto(base + "vocabulary/")
        assert second.url == base + "vocabulary/"
        again = browser.new_context(locale="ar").new_page()  # the link works once
        again.goto(invite["link"])
        again.fill("#id_username", "lina")
        again.fill("#id_password", PASSWORD)
        with again.expect_navigation():
            again.click("form button[type=submit]")
        assert "/login/2fa/" in again.url
        browser.close()
