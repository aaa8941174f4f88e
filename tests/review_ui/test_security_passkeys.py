"""Passkeys and the management of factors (issue 23): the attacker's tests first, then the
ways that stay open to the real user. The ceremonies themselves (a real authenticator's
signatures) are driven in Chromium by ``test_passkeys_browser.py``; here a passkey is a
``WebAuthnCredential`` row, which is all the rules look at.

- A session past the second factor (a stolen cookie) can neither start a passkey
  registration, nor remove a factor, nor acknowledge... anything but what it is shown,
  without the password and a current factor within the last minutes.
- A user past the password only, or with no factor and no invite, cannot register one.
- The last factor cannot be removed; another user's factor cannot be named.
- Every change is audited and shown at each login until acknowledged (a POST with CSRF).
- A passkey answers only for the relying party: http://localhost without
  ``web.public_origin``, exactly that origin with one.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from ui_helpers import PASSWORD, login_client, make_user, totp_token

from accounts import passkeys, sessions, twofactor
from accounts.models import FactorChange
from catalog.models import CustodyEvent
from raqib.config import ConfigError, load_config

BEGIN = "/account/passkeys/register/begin/"
VERIFY = "/account/passkeys/verify/begin/"
REMOVE = "/account/2fa/remove/"
CHANGES = "/account/2fa/changes/"


def _passkey(user: object, n: int = 1) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user, name=f"passkey {n}", confirmed=True, credential_id=bytes([n]) * 32,
        public_key=b"\x00" * 77, sign_count=0, transports=["internal"])


def _local(client: Client | None = None) -> Client:
    """A client at http://localhost (the relying party when no public origin is set)."""
    client = client or Client()
    client.defaults["HTTP_HOST"] = "localhost"
    return client


def _step_up(client: Client, user: object) -> None:
    answer = client.post("/account/reauth/", {"password": PASSWORD, "token": totp_token(user),
                                               "next": "/account/2fa/"})
    assert answer.status_code == 302 and answer["Location"] == "/account/2fa/", answer


def test_a_stolen_session_cannot_start_a_passkey_registration(db, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would delay the right one
    user = make_user("pk-victim", "lead")
    thief = login_client(_local(), user)  # past the second factor, no step-up
    answer = thief.post(BEGIN)
    assert answer.status_code == 403 and answer.json()["code"] == "factor_change_refused"
    page = thief.get("/account/passkeys/add/")
    assert page.status_code == 302 and page["Location"].startswith("/account/reauth/")
    # the password alone (with a wrong code) makes no step-up
    thief.post("/account/reauth/", {"password": PASSWORD, "token": "000000"})
    assert thief.post(BEGIN).status_code == 403
    _step_up(thief, user)  # the real user's password and current code: allowed
    begun = thief.post(BEGIN)
    assert begun.status_code == 200 and begun.json()["rp"]["id"] == "localhost"
    assert not WebAuthnCredential.objects.filter(user=user).exists()


def test_no_passkey_with_the_password_alone_or_without_an_invite(db, capsys) -> None:
    enrolled = make_user("pk-has-totp", "reviewer")
    half = _local()
    assert half.post("/login/", {"username": "pk-has-totp", "password": PASSWORD}).status_code \
        == 302
    assert half.post(BEGIN).status_code == 403  # a factor, not passed in this session
    fresh = make_user("pk-new", "reviewer", second_factor=False)
    newcomer = _local()
    newcomer.post("/login/", {"username": "pk-new", "password": PASSWORD})
    assert newcomer.post(BEGIN).status_code == 403  # no invite held
    assert newcomer.get("/account/passkeys/add/")["Location"] == "/account/2fa/enrol/"
    from raqib.cli import main

    capsys.readouterr()
    assert main(["users", "invite", "pk-new", "--format", "json"]) == 0
    code = json.loads(capsys.readouterr().out)["code"]
    assert newcomer.post("/account/2fa/enrol/", {"code": code}).status_code == 302
    assert newcomer.get("/account/passkeys/add/").status_code == 200
    assert newcomer.post(BEGIN).status_code == 200  # the invite opens the ceremony
    assert not WebAuthnCredential.objects.filter(user__in=[enrolled, fresh]).exists()


def test_passkeys_only_at_the_relying_partys_origin(db, settings) -> None:
    user = make_user("pk-origin", "lead")
    elsewhere = login_client(Client(HTTP_HOST="127.0.0.1"), user)
    _step_up(elsewhere, user)
    answer = elsewhere.post(BEGIN)  # an address is no WebAuthn host name
    assert answer.status_code == 400 and answer.json()["code"] == "passkeys_unavailable"
    settings.PUBLIC_ORIGIN = "https://raqib.example.org"
    settings.ALLOWED_HOSTS = ["raqib.example.org", "localhost"]
    local = login_client(_local(), user)
    _step_up(local, user)
    assert local.post(BEGIN).status_code == 400  # the public origin only, once it is set


def test_public_origin_setting(tmp_path) -> None:
    (tmp_path / "raqib.toml").write_text("")
    env = {"RAQIB_DATA_DIR": str(tmp_path), "RAQIB_CONFIG": str(tmp_path / "raqib.toml")}
    for bad in ("http://raqib.example.org", "https://raqib.example.org/path", "raqib.org",
                "https://10.0.0.1:8000/x"):
        with pytest.raises(ConfigError, match="web.public_origin"):
            load_config(environ={**env, "RAQIB_WEB_PUBLIC_ORIGIN": bad})
    for good in ("https://raqib.example.org", "https://raqib.example.org:8443/",
                 "http://localhost:8000"):
        assert load_config(environ={**env, "RAQIB_WEB_PUBLIC_ORIGIN": good})


def test_the_relying_party_follows_the_settings(rf, settings) -> None:
    request = rf.get("/", HTTP_HOST="localhost:8123")
    helper = passkeys.RaqibWebAuthnHelper(request)
    assert helper.get_allowed_origins() == ["http://localhost:8123"]
    assert passkeys.available(request)
    other = rf.get("/", HTTP_HOST="127.0.0.1:8123")
    assert not passkeys.available(other)
    assert passkeys.RaqibWebAuthnHelper(other).get_allowed_origins() == ["http://localhost"]
    settings.PUBLIC_ORIGIN = "https://raqib.example.org"
    settings.OTP_WEBAUTHN_RP_ID = "raqib.example.org"
    settings.ALLOWED_HOSTS = ["raqib.example.org", "localhost"]
    assert passkeys.RaqibWebAuthnHelper(request).get_allowed_origins() == [
        "https://raqib.example.org"]
    assert passkeys.RaqibWebAuthnHelper(request).get_relying_party_domain() == \
        "raqib.example.org"
    assert not passkeys.available(request)


def test_a_passkey_step_up_needs_the_password_first_and_expires(db, monkeypatch) -> None:
    user = make_user("pk-stepper", "lead")
    _passkey(user)
    client = login_client(_local(), user)
    assert client.post(VERIFY).json()["code"] == "nothing_to_verify"  # verified, no reauth
    wrong = client.post("/account/reauth/", {"password": "not-the-password"})
    assert wrong.status_code == 200 and client.post(VERIFY).status_code == 403
    right = client.post("/account/reauth/", {"password": PASSWORD, "next": "/account/2fa/"})
    assert right.status_code == 200 and "passkey-verification-placeholder" in \
        right.content.decode()
    assert client.post(BEGIN).status_code == 403  # the password alone is no step-up
    begun = client.post(VERIFY)
    assert begun.status_code == 200
    assert [c["id"] for c in begun.json()["allowCredentials"]]  # only this user's
    later = time.time() + sessions.PASSKEY_STEP_SECONDS + 1
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert client.post(VERIFY).status_code == 403


def test_second_step_offers_the_passkey_and_recovery_codes_still_work(db) -> None:
    user = make_user("pk-only", "reviewer", second_factor=False)
    _passkey(user)
    codes = twofactor.make_recovery_codes(user)
    client = _local()
    client.post("/login/", {"username": "pk-only", "password": PASSWORD})
    assert client.get("/account/2fa/enrol/")["Location"] == "/login/2fa/"  # has a factor
    page = client.get("/login/2fa/").content.decode()
    assert 'id="passkey-verification-placeholder"' in page and "otp_webauthn_config" in page
    assert "otp_webauthn_auth.js" in page and "<script>" not in page  # no inline script
    assert client.post(VERIFY).status_code == 200  # past the password: the ceremony opens
    passed = client.post("/login/2fa/", {"token": codes[0]})
    assert passed.status_code == 302
    assert client.get("/broadcasts/").status_code == 200


def test_anonymous_cannot_use_a_passkey_without_the_password(db) -> None:
    user = make_user("pk-anon", "admin")
    _passkey(user)
    client = _local()
    answer = client.post(VERIFY)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


def test_factors_listed_removed_after_step_up_never_the_last(db) -> None:
    user = make_user("pk-owner", "lead")
    key = _passkey(user, 1)
    other = make_user("pk-other", "lead")
    foreign = _passkey(other, 2)
    twofactor.make_recovery_codes(user)
    client = login_client(_local(), user)
    page = client.get("/account/2fa/").content.decode()
    assert page.count('class="factor-totp"') == 1 and page.count('class="factor-passkey"') == 1
    assert "passkey 1" in page and "10" in page
    # no step-up: sent to the re-authentication, coming back to the factors page
    refused = client.post(REMOVE, {"kind": "passkey", "device": key.pk,
                                   "next": "/account/2fa/"})
    assert refused.status_code == 302
    assert refused["Location"] == "/account/reauth/?next=%2Faccount%2F2fa%2F"
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    _step_up(client, user)
    client.post(REMOVE, {"kind": "passkey", "device": foreign.pk})  # another user's
    assert WebAuthnCredential.objects.filter(pk=foreign.pk).exists()
    client.post(REMOVE, {"kind": "passkey", "device": key.pk})
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert CustodyEvent.objects.filter(action="user-2fa-passkey-removed",
                                       details__user="pk-owner",
                                       details__factor="passkey 1").exists()
    totp = TOTPDevice.objects.get(user=user)
    last = client.post(REMOVE, {"kind": "totp", "device": totp.pk}, follow=True)
    assert TOTPDevice.objects.filter(pk=totp.pk).exists()  # the last factor stays
    assert "notice" in last.content.decode()
    with pytest.raises(twofactor.FactorError):
        twofactor.remove_factor(user, "totp", totp.pk)


def test_changes_shown_at_each_login_until_acknowledged_with_csrf(db) -> None:
    user = make_user("pk-told", "reviewer")
    _passkey(user, 3)
    twofactor.remove_factor(user, "passkey", WebAuthnCredential.objects.get(user=user).pk)
    twofactor.new_recovery_codes(user)
    for _ in range(2):  # shown at each login while not acknowledged
        client = Client(enforce_csrf_checks=True)
        client.get("/login/")
        csrf = client.cookies["csrftoken"].value
        client.post("/login/", {"username": "pk-told", "password": PASSWORD,
                                "csrfmiddlewaretoken": csrf})
        client.get("/login/2fa/")
        csrf = client.cookies["csrftoken"].value
        passed = client.post("/login/2fa/", {"token": totp_token(user), "next": "/incidents/",
                                             "csrfmiddlewaretoken": csrf})
        assert passed["Location"] == f"{CHANGES}?next=%2Fincidents%2F"
        notice = client.get(passed["Location"]).content.decode()
        assert "تم تغيير وسيلة التحقق بخطوتين" in notice and "passkey 3" in notice
        assert client.post(CHANGES, {"next": "/incidents/"}).status_code == 403  # no token
    assert len(twofactor.unacknowledged_changes(user)) == 2
    csrf = client.cookies["csrftoken"].value
    done = client.post(CHANGES, {"next": "/incidents/", "csrfmiddlewaretoken": csrf})
    assert done["Location"] == "/incidents/"
    assert not twofactor.unacknowledged_changes(user)
    assert FactorChange.objects.filter(user=user, seen_at__isnull=False).count() == 2
    again = login_client(Client(), user)
    assert again.get(CHANGES)["Location"] == "/"  # nothing left to show


def test_the_passkey_pages_and_scripts_speak_arabic(db) -> None:
    user = make_user("pk-arabic", "viewer")
    _passkey(user, 4)
    client = login_client(_local(), user)
    catalog = client.get("/account/passkeys/messages.js")
    assert catalog.status_code == 200 and catalog["Content-Type"].startswith("text/javascript")
    text = catalog.content.decode()  # JSON: \\uXXXX escapes
    assert json.dumps("التحقق بمفتاح المرور")[1:-1] in text
    assert json.dumps("تم التسجيل بنجاح")[1:-1] in text
    page = client.get("/account/2fa/").content.decode()
    assert "وسائل تسجيل الدخول" in page and "مفتاح مرور" in page
    assert "script-src 'self'" in client.get("/account/2fa/")["Content-Security-Policy"]


def test_users_list_and_reset_count_passkeys_as_factors(db, capsys) -> None:
    from raqib.cli import main

    user = make_user("pk-listed", "reviewer", second_factor=False)
    _passkey(user, 5)
    capsys.readouterr()
    assert main(["users", "list", "--format", "json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["pk-listed"]["second_factor"] is True  # a passkey alone is a factor
    assert main(["users", "invite", "pk-listed"]) == 2  # has a factor: no invite
    assert main(["users", "reset-2fa", "pk-listed"]) == 0
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert main(["users", "invite", "pk-listed"]) == 0
