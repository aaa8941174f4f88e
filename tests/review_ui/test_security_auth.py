"""Issue 14, authentication as an attacker would try it: the second factor (no page
without it, enrolment with an invite since issue 23, recovery codes), login throttling and lockout,
password rules on every path, password change, re-authentication, session timeouts.

Each test here failed on the code before issue 14 (no second factor, no lockout, weak
passwords accepted, 14-day sessions)."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from ui_helpers import PASSWORD, login_client, make_user, token_for_key, totp_token

from accounts.roles import ROLES
from accounts.sessions import AUTH_AT, LOGIN_AT, SEEN_AT


def _password_login(client: Client, name: str, password: str = PASSWORD) -> object:
    return client.post("/login/", {"username": name, "password": password})


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_lead_and_admin_reach_no_page_with_the_password_alone(db, role: str) -> None:
    user = make_user(f"{role}1", role)
    client = Client()
    assert _password_login(client, user.username).status_code == 302
    for path in ("/", "/broadcasts/", "/alerts/", "/watchlists/", "/sources/",
                 "/account/password/", "/account/reauth/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/2fa/"), (path, response["Location"])
    assert client.post("/watchlists/new/", {"name": "x", "query": "y"}).status_code == 302
    page = client.get("/login/2fa/")
    assert page.status_code == 200 and 'name="token"' in page.content.decode()
    wrong = client.post("/login/2fa/", {"token": "000000" if totp_token(user) != "000000"
                                        else "111111"})
    assert wrong.status_code == 200 and "الرمز غير صحيح" in wrong.content.decode()
    assert client.get("/broadcasts/").status_code == 302
    throttled = client.post("/login/2fa/", {"token": totp_token(user)})  # right, but too soon
    assert throttled.status_code == 429 and "محاولات خاطئة كثيرة" in throttled.content.decode()
    TOTPDevice.objects.get(user=user).throttle_reset()  # as the wait would
    assert client.post("/login/2fa/", {"token": totp_token(user)}).status_code == 302
    assert client.get("/broadcasts/").status_code == 200


def test_enrolment_then_recovery_code_works_once(db) -> None:
    from django.contrib.auth import get_user_model

    from accounts.invites import issue_invite
    from accounts.roles import set_role

    user = get_user_model().objects.create_user("newlead", password=PASSWORD)
    set_role(user, "lead")  # as `raqib users create --role lead` does: no device yet
    code, _ = issue_invite(user)  # as `raqib users invite newlead` does
    client = Client()
    _password_login(client, "newlead")
    assert client.get("/").headers["Location"].startswith("/account/2fa/enrol/")
    assert client.post("/account/2fa/enrol/", {"code": code.lower()}).status_code == 302
    page = client.get("/account/2fa/setup/").content.decode()
    secret = page.split('id="totp-secret" dir="ltr">', 1)[1].split("<", 1)[0]
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code, allowed by the CSP
    token, _ = token_for_key(base64.b32decode(secret).hex())
    codes_page = client.post("/account/2fa/setup/", {"token": token})
    assert codes_page.status_code == 200
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10 and all(c in codes_page.content.decode() for c in codes)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/broadcasts/").status_code == 200

    again = Client()
    _password_login(again, "newlead")
    assert again.get("/").headers["Location"].startswith("/login/2fa/")
    assert again.get("/account/2fa/setup/").headers["Location"] == "/login/2fa/"  # no re-enrol
    assert again.post("/login/2fa/", {"token": codes[0]}).status_code == 302
    assert again.get("/broadcasts/").status_code == 200
    third = Client()
    _password_login(third, "newlead")
    assert third.post("/login/2fa/", {"token": codes[0]}).status_code == 200  # used up


def test_login_client_helper_passes_every_role(db) -> None:
    for role in ROLES:
        client = login_client(Client(), make_user(f"h-{role}", role))
        assert client.get("/broadcasts/").status_code == 200, role


def test_lockout_per_account_with_a_readable_message_and_cli_unlock(db, settings) -> None:
    make_user("target", "viewer")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(1, limit + 1):  # the limit-th failure is answered by the lockout page
        status = _password_login(attacker, "target", "wrong-password-x").status_code
        assert status == (429 if n == limit else 200), n
    locked = _password_login(Client(REMOTE_ADDR="198.51.100.9"), "target")  # right password
    assert locked.status_code == 429
    assert "محاولات دخول خاطئة كثيرة" in locked.content.decode()
    from axes.models import AccessFailureLog

    assert AccessFailureLog.objects.filter(username="target").count() >= 5
    from raqib.cli import main

    assert main(["users", "unlock", "target"]) == 0
    assert _password_login(Client(REMOTE_ADDR="198.51.100.9"), "target").status_code == 302


def test_lockout_per_address_across_accounts(db, settings) -> None:
    make_user("someone", "viewer")
    attacker = Client(REMOTE_ADDR="203.0.113.8")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _password_login(attacker, f"guess{n}", "wrong-password-x")
    assert _password_login(attacker, "someone").status_code == 429
    assert _password_login(Client(REMOTE_ADDR="203.0.113.9"), "someone").status_code == 302


def test_failed_logins_are_logged_without_the_password(db, caplog) -> None:
    make_user("v1", "viewer")
    with caplog.at_level("WARNING", logger="raqib.auth"):
        _password_login(Client(REMOTE_ADDR="192.0.2.44"), "v1", "hunter2-wrong-pass")
    text = caplog.text
    assert "failed login" in text and "'v1'" in text and "192.0.2.44" in text
    assert "hunter2" not in text


@pytest.mark.parametrize("password", ["1234567890", "password12", " " * 10, "adminuser1",
                                      "aaaaaaaaaaaaaaa", "short1"])
def test_weak_passwords_are_refused_by_the_cli_for_an_admin(db, monkeypatch, capsys,
                                                            password: str) -> None:
    from django.contrib.auth import get_user_model

    from raqib.cli import main

    monkeypatch.setenv("RAQIB_PASSWORD", password)
    assert main(["users", "create", "adminuser1", "--role", "admin"]) != 0
    assert "password refused" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="adminuser1").exists()


@pytest.mark.parametrize("name", ["<b>x</b>", "rana\u202e", "a b", "\u2066evil", "x\"y"])
def test_user_names_with_markup_or_bidi_are_refused(db, monkeypatch, capsys,
                                                    name: str) -> None:
    from django.contrib.auth import get_user_model

    from raqib.cli import main

    monkeypatch.setenv("RAQIB_PASSWORD", PASSWORD)
    assert main(["users", "create", name, "--role", "viewer"]) != 0
    assert "user name" in capsys.readouterr().err
    assert not get_user_model().objects.exists()


def test_password_change_applies_the_validators_and_works(db) -> None:
    user = make_user("changer", "reviewer")
    client = login_client(Client(), user)
    weak = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": "1234567890", "new_password2": "1234567890"})
    assert weak.status_code == 200 and 'class="error" role="alert"' in weak.content.decode()
    assert Client().login(username="changer", password=PASSWORD)  # unchanged
    new = "a-much-better-passphrase"
    done = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.get("/broadcasts/").status_code == 200  # this session goes on
    assert Client().login(username="changer", password=new)


def test_sessions_idle_and_absolute_timeouts(db, settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    client = login_client(Client(), make_user("sleepy", "viewer"))
    session = client.session
    assert session.get_expiry_age() <= 30 * 60
    session[LOGIN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get("/broadcasts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/broadcasts/").status_code == 302  # logged out for good


def _stored_session(client: Client) -> tuple[dict, object]:
    """The session as the database holds it now (its data and its expiry)."""
    from django.contrib.sessions.models import Session

    row = Session.objects.get(session_key=client.session.session_key)
    return row.get_decoded(), row.expire_date


def _last_seen(client: Client, seconds_ago: float) -> None:
    session = client.session
    session[SEEN_AT] = time.time() - seconds_ago
    session.save()  # the row's own expiry is renewed: only the stamp says how idle it is


def test_a_session_idle_past_the_timeout_is_refused(db, settings) -> None:
    """Issue 26: the last activity is written at most once a minute, not on every request;
    the idle timeout is still enforced from it, on the server, whatever the row's expiry."""
    client = login_client(Client(), make_user("idler", "viewer"))
    assert client.get("/broadcasts/").status_code == 200
    from django.contrib.sessions.models import Session

    _last_seen(client, 30 * 60 + 1)
    key = client.session.session_key
    response = client.get("/broadcasts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/broadcasts/").status_code == 302  # logged out for good
    assert not Session.objects.filter(session_key=key).exists()  # the row is gone


def test_a_session_just_under_the_idle_timeout_is_kept_and_renewed(db, settings) -> None:
    client = login_client(Client(), make_user("almost", "viewer"))
    _last_seen(client, 30 * 60 - 5)
    assert client.get("/broadcasts/").status_code == 200
    data, expires = _stored_session(client)
    assert time.time() - data[SEEN_AT] < 5  # the activity was written: a minute had passed
    assert (expires - timezone.now()).total_seconds() > 30 * 60 - 10
    _last_seen(client, 30 * 60 - 5)  # idle again, just under: still kept
    assert client.get("/broadcasts/").status_code == 200


def test_the_activity_is_written_at_most_once_a_minute(db, settings) -> None:
    assert settings.SESSION_ACTIVITY_SECONDS == 60 and not settings.SESSION_SAVE_EVERY_REQUEST
    client = login_client(Client(), make_user("busy", "viewer"))
    _last_seen(client, 50)
    before = _stored_session(client)
    response = client.get("/broadcasts/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # no write, no new cookie
    assert _stored_session(client) == before
    _last_seen(client, 61)
    response = client.get("/broadcasts/")
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME in response.cookies
    data, _ = _stored_session(client)
    assert time.time() - data[SEEN_AT] < 5
    # so a session is refused at most a minute early, never late: its stamp is at most
    # SESSION_ACTIVITY_SECONDS older than its last request
    _last_seen(client, 30 * 60 + 1)
    assert client.get("/broadcasts/").status_code == 302


def test_an_expired_session_row_is_refused(db) -> None:
    """The database's own expiry (the last write plus the idle timeout) still holds."""
    from django.contrib.sessions.models import Session

    client = login_client(Client(), make_user("stale", "viewer"))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/broadcasts/").status_code == 302


def test_the_session_store_reads_what_djangos_database_store_reads(db, settings) -> None:
    """Issue 26: ``accounts.session_store`` reads the row in plain SQL; for a live, an
    expired, an unknown, an empty and a malformed key it loads what Django's own database
    store loads, and forgets the key exactly when Django's would."""
    from django.contrib.sessions.backends import db as django_db
    from django.contrib.sessions.models import Session

    from accounts.session_store import SessionStore

    assert settings.SESSION_ENGINE == "accounts.session_store"
    live = login_client(Client(), make_user("reader", "viewer")).session.session_key
    expired = login_client(Client(), make_user("expired", "viewer")).session.session_key
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    for key in (live, expired, "x" * 32, None, "", "short", "bad'; --key-0123456789"):
        ours, django = SessionStore(key), django_db.SessionStore(key)
        assert ours.load() == django.load(), key
        assert ours.session_key == django.session_key, key
    assert SessionStore(live).load()["_auth_user_id"]
    assert SessionStore(expired).load() == {}


def test_recent_auth_required_asks_for_the_password_again(db) -> None:
    admin = make_user("admin1", "admin")
    client = login_client(Client(), admin)
    assert client.get("/sources/new/").status_code == 200
    session = client.session
    session[AUTH_AT] = time.time() - 3600
    session.save()
    response = client.get("/sources/new/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("review_ui:reauth"))
    wrong = client.post("/account/reauth/", {"password": "wrong-one-here", "token": "1",
                                             "next": "/sources/new/"})
    assert wrong.status_code == 200
    ok = client.post("/account/reauth/", {"password": PASSWORD, "token": totp_token(admin),
                                          "next": "/sources/new/"})
    assert ok.status_code == 302 and ok["Location"] == "/sources/new/"
    assert client.get("/sources/new/").status_code == 200


def test_deactivate_ends_every_session_of_the_user(db, capsys) -> None:
    import json

    from accounts import tokens
    from raqib.cli import main

    user = make_user("leaver", "reviewer")
    _, raw = tokens.issue(user, name="script", scopes=["read"], by=None)
    laptop, phone = login_client(Client(), user), login_client(Client(), user)
    other = login_client(Client(), make_user("stayer", "viewer"))
    assert laptop.get("/broadcasts/").status_code == 200
    capsys.readouterr()
    assert main(["users", "deactivate", "leaver", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"name": "leaver", "active": False, "sessions_ended": 2,
                   "tokens_revoked": 1}
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(raw)
    for client in (laptop, phone):
        assert client.get("/broadcasts/").status_code == 302
    assert other.get("/broadcasts/").status_code == 200
    assert _password_login(Client(), "leaver").status_code == 200  # refused
    assert main(["users", "deactivate", "nobody"]) != 0


def test_reset_2fa_makes_the_next_login_wait_for_a_new_invite(db, capsys) -> None:
    from raqib.cli import main

    lead = make_user("lostphone", "lead")
    session = login_client(Client(), lead)
    assert main(["users", "reset-2fa", "lostphone"]) == 0
    assert "removed 1 second-factor device" in capsys.readouterr().out
    assert session.get("/broadcasts/").status_code == 302  # the old session ended
    fresh = Client()
    _password_login(fresh, "lostphone")
    assert fresh.get("/").headers["Location"].startswith("/account/2fa/enrol/")
    assert fresh.get("/account/2fa/setup/").headers["Location"] == "/account/2fa/enrol/"
    assert not TOTPDevice.objects.filter(user=lead, confirmed=True).exists()
