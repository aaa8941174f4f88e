"""Helpers for the review UI tests (conftest.py's fixtures use them): users with roles
and a broadcast with real bytes on disk, a transcript
and segments (Arabic text stored exactly as captured).

Signing in, with the second factor every role needs (issues 14 and 23):
- ``make_user(name, role, second_factor=True)``: a user with PASSWORD and a confirmed TOTP
  device (``accounts.twofactor``: every role needs one), so they can log in at once.
- ``totp_token(user)``: a token their device accepts now (never one already used).
- ``login_client(client, user_or_name)``: a Django test Client signed in, through the real
  second-factor step (a code computed from the key), with a fresh password entry.
- ``browser_login(page, base_url, username, password, *, data_dir=None, totp_key=None,
  env=None)``: drives the login form in Playwright and then the second-factor step:
  enrolment (with an invite it issues through ``raqib users invite``; it reads the key the
  page shows) or the token (key from ``totp_key``, else the server's SQLite
  database under ``data_dir`` or ``$RAQIB_DATA_DIR``, else a key this process saw at
  enrolment). Works against a ``raqib serve`` subprocess.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import set_role
from accounts.twofactor import TOTP_DEVICE_NAME
from catalog.models import Broadcast, MediaFile, Outlet, Segment, Source, Transcript

PASSWORD = "correct-horse-battery"
SEGMENTS = [
    (0.0, 4.0, "بسم الله الرحمن الرحيم"),
    (4.0, 8.0, "نشرة الأخبار من دمشق"),
    (8.0, 13.5, "أنا أماني وأتبرأ من أخي"),
    (13.5, 20.0, "وهذا ما حدث في النفق"),
]


def make_user(name: str, role: str | None, *, second_factor: bool = True) -> object:
    """A user with PASSWORD and the role; with a confirmed TOTP device unless
    ``second_factor`` is False (as ``raqib users create`` leaves one: enrolment then needs
    an invite)."""
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    if role:
        set_role(user, role)
    if second_factor:
        TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    return user


def token_for_key(hex_key: str, last_t: int = -1, drift: int = 0, step: int = 30,
                  digits: int = 6) -> tuple[str, int]:
    """(token, t) for a TOTP key: the current step's token, or the next step's when the
    current one was used already (the device's tolerance accepts one step ahead)."""
    totp = TOTP(bytes.fromhex(hex_key), step=step, digits=digits, drift=drift)
    totp.time = time.time()
    t = max(totp.t(), last_t + 1)
    totp.drift = drift + (t - totp.t())
    return f"{totp.token():0{digits}d}", t


def totp_token(user: object) -> str:
    """A token the user's (a user object or name) confirmed TOTP device accepts now."""
    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    token, _ = token_for_key(device.key, device.last_t, device.drift, device.step,
                             device.digits)
    return token


def login_client(client: Client, user_or_name: object) -> Client:
    """Sign the test client in as the user (PASSWORD), then through the real second-factor
    step with a TOTP code computed from their device's key (every role needs it); returns
    the client."""
    User = get_user_model()
    user = (User.objects.get(username=user_or_name) if isinstance(user_or_name, str)
            else user_or_name)
    assert client.login(username=user.get_username(), password=PASSWORD), user
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    client.get("/login/2fa/")  # the form, and its CSRF cookie for a client that checks it
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    passed = client.post("/login/2fa/", {"token": totp_token(user),
                                         "csrfmiddlewaretoken": token})
    assert passed.status_code == 302, (user, passed.status_code)
    return client


_SEEN_KEYS: dict[str, tuple[str, int]] = {}  # username -> (hex key, last t used)


def _key_from_db(data_dir: str | os.PathLike, username: str) -> tuple[str, int, int]:
    db = Path(data_dir) / "raqib.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT d.key, d.last_t, d.drift FROM otp_totp_totpdevice d JOIN auth_user u "
            "ON u.id = d.user_id WHERE u.username = ? AND d.confirmed", (username,)).fetchone()
    if row is None:
        raise AssertionError(f"{username} has no confirmed TOTP device in {db}")
    return row[0], int(row[1]), int(row[2])


def issue_invite_cli(username: str, *, data_dir: str | os.PathLike | None = None,
                     env: dict[str, str] | None = None, base_url: str = "",
                     admin: list[str] | None = None) -> dict:
    """``raqib users invite USERNAME --format json`` in a subprocess against the server's
    data (``env``, else this environment with ``RAQIB_DATA_DIR`` = ``data_dir``). Once an
    admin has enrolled a second factor, pass ``admin``: their person arguments (e.g.
    ``["--token-file", PATH]`` of an admin-scoped token); before that none is needed."""
    run_env = dict(env or os.environ)
    if data_dir is not None:
        run_env["RAQIB_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "raqib", "users", "invite", username, "--format", "json"]
    if base_url:
        command += ["--base-url", base_url]
    command += admin or []
    done = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def browser_enrol(page: object, username: str) -> None:
    """On the enrolment page (reached with an invite): read the key the page shows, as a
    person types it into their app, confirm a code, pass the recovery codes."""
    secret = page.locator("#totp-secret").inner_text().strip()
    hex_key = base64.b32decode(secret).hex()
    token, t = token_for_key(hex_key)
    page.fill("#id_token", token)
    with page.expect_navigation():
        page.click("form.otp-form button[type=submit]")
    _SEEN_KEYS[username] = (hex_key, t)
    with page.expect_navigation():
        page.click("a.continue")


def browser_login(page: object, base_url: str, username: str, password: str, *,
                  data_dir: str | os.PathLike | None = None,
                  totp_key: str | None = None, env: dict[str, str] | None = None,
                  invite_code: str | None = None) -> None:
    """Log in through the browser, the second factor included; returns on a page past it
    (``base_url`` ends with a slash). ``totp_key`` is the device's hex key. A user with no
    factor yet types ``invite_code`` (else an invite issued with ``raqib users invite``,
    against ``data_dir`` or ``env``) and enrols."""
    page.goto(base_url + "login/")
    if page.url.startswith(base_url + "login/") and "/login/2fa/" not in page.url:
        page.fill("#id_username", username)  # else: past the password already
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("form button[type=submit]")
    if "/account/2fa/enrol/" in page.url:  # no factor yet: the admin's invite
        where = data_dir or (None if env else os.environ.get("RAQIB_DATA_DIR"))
        code = invite_code or issue_invite_cli(username, data_dir=where, env=env)["code"]
        page.fill("#id_code", code)
        with page.expect_navigation():
            page.click("form.invite-form button[type=submit]")
    if "/account/2fa/setup/" in page.url:
        browser_enrol(page, username)
    elif "/login/2fa/" in page.url:
        where = data_dir or (env or os.environ).get("RAQIB_DATA_DIR")
        drift = 0
        if totp_key is not None:
            hex_key, last_t = totp_key, _SEEN_KEYS.get(username, (totp_key, -1))[1]
        elif where is not None:
            hex_key, last_t, drift = _key_from_db(where, username)
        elif username in _SEEN_KEYS:
            hex_key, last_t = _SEEN_KEYS[username]
        else:
            raise AssertionError(f"{username} needs a TOTP token: pass data_dir or totp_key")
        token, t = token_for_key(hex_key, last_t, drift)
        page.fill("#id_token", token)
        with page.expect_navigation():
            page.click("form.otp-form button[type=submit]")
        _SEEN_KEYS[username] = (hex_key, t)
        if page.locator("section.factor-notice").count():  # "your factor was changed on"
            with page.expect_navigation():  # acknowledged, else shown at each login
                page.click("section.factor-notice .continue")
    if "/login/" in page.url or "/account/2fa/" in page.url:
        raise AssertionError(f"login of {username} did not get through: {page.url}")


def write_media(relative: str, payload: bytes) -> MediaFile:
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return MediaFile.objects.create(sha256=hashlib.sha256(payload).hexdigest(), path=relative,
                                    size=len(payload), mime_type="video/mp4")


def tone_media(folder: Path, relative: str = "media/ab/tone.m4a") -> MediaFile:
    """A real 3-second AAC tone made by ffmpeg in ``folder``, stored as ``relative`` under
    the data dir (media an evidence clip can be cut from)."""
    tone = folder / "tone.m4a"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=duration=3", "-c:a", "aac", "-b:a", "24k", str(tone)],
                   check=True, timeout=60)
    return write_media(relative, tone.read_bytes())


def make_broadcast(media: MediaFile | None = None, title: str = "من النفق إلى النور",
                   segments: list[tuple[float, float, str]] = SEGMENTS,
                   outlet_name: str = "الإخبارية السورية", source_name: str = "ikhbariya",
                   **fields: object) -> Broadcast:
    outlet, _ = Outlet.objects.get_or_create(name=outlet_name)
    source, _ = Source.objects.get_or_create(name=source_name, defaults={
        "outlet": outlet, "kind": "html"})
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id=f"ep-{Broadcast.objects.count() + 1}",
        url="https://example.org/episode/1", title=title, media=media,
        status=Broadcast.Status.TRANSCRIBED, **fields)
    transcript = Transcript.objects.create(broadcast=broadcast, media=media,
                                           engine="faster-whisper", model_id="base")
    Segment.objects.bulk_create(
        Segment(transcript=transcript, number=i, start=s, end=e, text=t)
        for i, (s, e, t) in enumerate(segments))
    return broadcast
