"""Passkeys in a real browser (issue 23): Chromium through Playwright, with the DevTools
WebAuthn domain's virtual authenticator (CTAP2, internal, resident keys, user verification)
standing for the person's device, against ``raqib serve`` in a subprocess.

- A reviewer created with ``raqib users create`` opens the admin's invite link
  (``raqib users invite --base-url http://localhost:PORT``), logs in with the password,
  and enrols a passkey; the recovery codes are shown once; they log out, log in with the
  password and the passkey, and reach the dashboard.
- The attacker's case: that session (past the second factor, as a stolen cookie is) has
  no fresh re-authentication, so it cannot add a passkey: the page sends it to the
  re-authentication, and the ceremony's endpoint answers 403 to a forged call (CSRF token
  and all), leaving one passkey. The password alone does not complete the step-up; the
  password followed by the passkey does, and then the page to add one opens.

The origin is http://localhost:PORT (no ``web.public_origin``): WebAuthn needs a host
name, and localhost is a secure context. Screenshot: /tmp/raqib-ui-passkey.png.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ui_helpers import issue_invite_cli

from tests.services import serve_ui

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-reviewer-passphrase"

pytestmark = pytest.mark.slow


def _passkeys(data: Path, username: str) -> int:
    with sqlite3.connect(f"file:{data / 'raqib.sqlite3'}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM django_otp_webauthn_webauthncredential c JOIN auth_user u "
            "ON u.id = c.user_id WHERE u.username = ? AND c.confirmed", (username,)).fetchone()[0]


def _virtual_authenticator(context: object, page: object) -> str:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})["authenticatorId"]


def _ceremony(page: object, button: str, url: str) -> None:
    """Click a passkey button and wait for the page the script then opens; on a timeout,
    say what the script's status line says (the server's answer, in the page's language)."""
    try:
        with page.expect_navigation(url=url, timeout=90_000):
            page.click(button)
    except Exception as exc:
        status = page.locator(".passkey-status").all_inner_texts()
        raise AssertionError(f"{button} did not reach {url} (at {page.url}): {status}") from exc


def _password(page: object, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def test_invite_link_passkey_enrolment_login_and_no_passkey_without_step_up(
        tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs /usr/bin/chromium (scripts/setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    (tmp_path / "raqib.toml").write_text("")
    data = tmp_path / "data"
    env = {**os.environ, "RAQIB_DATA_DIR": str(data), "RAQIB_CONFIG": str(tmp_path / "raqib.toml"),
           "RAQIB_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL", "RAQIB_WEB_PUBLIC_ORIGIN"):
        env.pop(var, None)
    subprocess.run([sys.executable, "-m", "raqib", "users", "create", "nour", "--role",
                    "reviewer"], env=env, check=True, timeout=120, capture_output=True)
    with serve_ui(env) as served, sync_playwright() as p:
        base = served.replace("127.0.0.1", "localhost")
        invite = issue_invite_cli("nour", env=env, base_url=base.rstrip("/"))
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(locale="ar")
        page = context.new_page()
        _virtual_authenticator(context, page)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # the invite link: the login first, then back to the link with the code filled in
        page.goto(invite["link"])
        assert "/login/" in page.url
        _password(page, "nour")
        assert "/account/2fa/enrol/" in page.url
        assert page.input_value("#id_code") == invite["code"]
        with page.expect_navigation():
            page.click("form.invite-form button[type=submit]")
        assert "/account/2fa/setup/" in page.url
        with page.expect_navigation():
            page.click("a.use-passkey")
        assert "/account/passkeys/add/" in page.url
        _ceremony(page, "#passkey-register-button", "**/account/2fa/")
        assert page.locator(".fresh-codes ul.recovery-codes li").count() == 10
        assert page.locator("tr.factor-passkey").count() == 1
        page.screenshot(path="/tmp/raqib-ui-passkey.png", full_page=True)
        assert _passkeys(data, "nour") == 1
        page.reload()  # the codes are shown once
        assert page.locator(".fresh-codes").count() == 0

        # log out, log in with the password and the passkey
        with page.expect_navigation():
            page.click("header form.inline-form:not(.language-switch) button[type=submit]")
        page.goto(base + "login/")
        _password(page, "nour")
        assert "/login/2fa/" in page.url
        _ceremony(page, "#passkey-verification-button", "**/dashboard/")
        assert page.url == base + "dashboard/"

        # the attacker's case: no fresh re-authentication, no new passkey
        page.goto(base + "account/passkeys/add/")
        assert "/account/reauth/" in page.url
        forged = page.evaluate("""async () => {
            const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const r = await fetch("/account/passkeys/register/begin/", {method: "POST",
                credentials: "same-origin", headers: {"X-CSRFToken": csrf}});
            return [r.status, (await r.json()).code];
        }""")
        assert forged == [403, "factor_change_refused"], forged
        page.fill("#id_password", PASSWORD)  # the password alone is no step-up
        with page.expect_navigation():
            page.click("form.reauth-form button[type=submit]")
        assert "/account/reauth/" in page.url
        page.goto(base + "account/passkeys/add/")
        assert "/account/reauth/" in page.url
        assert _passkeys(data, "nour") == 1

        # the password then the passkey: a step-up, and the page to add one opens
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("form.reauth-form button[type=submit]")
        _ceremony(page, "#passkey-verification-button", "**/account/passkeys/add/")
        assert page.locator("#passkey-register-button").count() == 1
        assert not errors, errors
        browser.close()
