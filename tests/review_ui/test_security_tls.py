"""Issue 14: Raqib behind the documented TLS reverse proxy (docs/operations.md).

``raqib serve`` runs in a subprocess with ``web.tls_proxy`` on, as docker-compose.yml
runs it; the test speaks to it as the proxy does (``Host`` of the public name,
``X-Forwarded-Proto: https``, ``X-Forwarded-For``, the browser's ``Origin``) and logs in.
Before issue 14 the login POST failed there ("Origin checking failed"); cookies were not
secure and there was no HSTS. Also: the address a lockout counts is the client's, taken
from X-Forwarded-For only when the request comes from a configured proxy address.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from ui_helpers import issue_invite_cli, make_user, token_for_key

from tests.services import serve_ui

HOST = "raqib.example.org"
PASSWORD = "proxy-test-passphrase"


INVITES: dict[str, str] = {}  # user name -> the enrolment code the fixture issued


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    root = tmp_path_factory.mktemp("tls")
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD,
           "RAQIB_WEB_TLS_PROXY": "1", "RAQIB_WEB_ALLOWED_HOSTS": HOST,
           "RAQIB_WEB_PROXY_ADDRESSES": "127.0.0.1", "PYTHONUNBUFFERED": "1"}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND"):
        env.pop(var, None)
    subprocess.run([sys.executable, "-m", "raqib", "users", "create", "monitor", "--role",
                    "viewer"], env=env, check=True, timeout=120, capture_output=True)
    INVITES["monitor"] = issue_invite_cli("monitor", env=env)["code"]
    with serve_ui(env) as base:
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        yield "127.0.0.1", port


def _request(addr: tuple[str, int], method: str, path: str, cookies: dict[str, str],
             body: str = "", **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(*addr, timeout=30)
    sent = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.23",
            **headers}
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body.encode(), headers=sent)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> list[str]:
    raw = response.headers.get_all("Set-Cookie") or []
    for header in raw:
        parsed = SimpleCookie(header)
        jar.update({k: v.value for k, v in parsed.items()})
    return raw


def _form_post(addr: tuple[str, int], path: str, jar: dict[str, str], origin: str,
               **fields: str) -> http.client.HTTPResponse:
    page = _request(addr, "GET", path, jar)
    _cookies(page, jar)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    sent = _request(addr, "POST", path, jar, urlencode(
        {"csrfmiddlewaretoken": token.decode(), **fields}), Origin=origin,
        Referer=f"{origin}{path}")
    _cookies(sent, jar)
    sent.page = page
    return sent


def _enrol(addr: tuple[str, int], jar: dict[str, str], code: str, origin: str) -> None:
    """The invite code, then an authenticator, over the proxy as a browser would."""
    assert _form_post(addr, "/account/2fa/enrol/", jar, origin, code=code).status == 302
    setup = _request(addr, "GET", "/account/2fa/setup/", jar)
    secret = re.search(rb'id="totp-secret" dir="ltr">([A-Z2-7=]+)<', setup.body).group(1)
    token, _ = token_for_key(base64.b32decode(secret).hex())
    done = _form_post(addr, "/account/2fa/setup/", jar, origin, token=token)
    assert done.status == 200 and b"recovery-codes" in done.body


def test_login_through_the_tls_proxy(proxied_server: tuple[str, int]) -> None:
    jar: dict[str, str] = {}
    page = _request(proxied_server, "GET", "/login/", jar)
    assert page.status == 200
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    set_cookies = _cookies(page, jar)
    csrf = [c for c in set_cookies if c.startswith("__Host-raqib-csrf=")]
    assert csrf and "Secure" in csrf[0] and "Domain" not in csrf[0] and "Path=/" in csrf[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)

    origin = f"https://{HOST}"
    done = _request(proxied_server, "POST", "/login/", jar, urlencode({
        "csrfmiddlewaretoken": token.decode(), "username": "monitor", "password": PASSWORD}),
        Origin=origin, Referer=f"{origin}/login/")
    assert done.status == 302, done.body[:300]
    session = [c for c in _cookies(done, jar) if c.startswith("__Host-raqib-session=")]
    assert session and "Secure" in session[0] and "HttpOnly" in session[0]
    gate = _request(proxied_server, "GET", "/broadcasts/", jar)
    assert gate.status == 302 and gate.headers["Location"].startswith("/account/2fa/enrol/")
    _enrol(proxied_server, jar, INVITES["monitor"], origin)
    home = _request(proxied_server, "GET", "/broadcasts/", jar)
    assert home.status == 200 and b"monitor" in home.body

    forged = _request(proxied_server, "POST", "/logout/", jar, "x=1",
                      Origin="https://evil.example")  # a foreign origin stays refused
    assert forged.status == 403


def test_the_client_address_comes_from_a_trusted_proxy_only(db, settings) -> None:
    from axes.models import AccessFailureLog

    make_user("target", "viewer")
    settings.TLS_PROXY, settings.PROXY_ADDRESSES = True, ["10.0.0.5"]
    Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50").post(
        "/login/", {"username": "target", "password": "wrong-password-1"})
    Client(REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="203.0.113.99").post(
        "/login/", {"username": "target", "password": "wrong-password-1"})
    addresses = set(AccessFailureLog.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.50", "192.0.2.9"}  # the proxy's last hop; else the peer


def test_compose_runs_behind_tls() -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text(encoding="utf-8"))
    web = next(s for name, s in compose["services"].items() if name == "web")
    env = web.get("environment", {})
    env = dict(e.split("=", 1) for e in env) if isinstance(env, list) else env
    assert str(env.get("RAQIB_WEB_TLS_PROXY")).lower() in ("1", "true")
    assert env.get("RAQIB_WEB_PROXY_ADDRESSES")
    assert "proxy" in compose["services"]
    assert (root / "deploy" / "Caddyfile").exists()
