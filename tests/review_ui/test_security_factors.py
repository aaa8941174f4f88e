"""Issue 23, findings 2 and 3, and a second factor for every role: the attacks as they were
made, then the ways that stay open to the real user.

- Finding 2: a session that had passed its second factor (a stolen cookie) opened
  ``/account/2fa/setup/``, got a new key and confirmed it: the old device was deleted and
  new recovery codes issued with no password or current code asked.
- Finding 3: a lead with no device enrolled whatever authenticator the first person to
  know the password brought.
- Viewers and reviewers had no second factor at all.

Each test failed on the code before issue 23.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from ui_helpers import PASSWORD, login_client, make_user, token_for_key, totp_token

from catalog.models import CustodyEvent
from raqib.cli import main

SETUP = "/account/2fa/setup/"


def _password_login(client: Client, name: str, password: str = PASSWORD) -> int:
    return client.post("/login/", {"username": name, "password": password}).status_code


def _enrol_from_page(client: Client) -> None:
    """What an attacker does on the enrolment page: read the key, confirm a code."""
    page = client.get(SETUP)
    if page.status_code != 200:
        return
    html = page.content.decode()
    secret = html.split('id="totp-secret" dir="ltr">', 1)[1].split("<", 1)[0]
    client.post(SETUP, {"token": token_for_key(base64.b32decode(secret).hex())[0]})


def _invite(name: str, capsys: pytest.CaptureFixture, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["users", "invite", name, "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("role", ["viewer", "reviewer", "lead", "admin"])
def test_every_role_reaches_no_page_with_the_password_alone(db, role: str) -> None:
    user = make_user(f"{role}1", role)
    client = Client()
    assert _password_login(client, user.username) == 302
    for path in ("/", "/broadcasts/", "/incidents/", "/account/password/", "/account/2fa/",
                 "/account/reauth/", "/language/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/2fa/"), (path, response["Location"])
    assert client.post("/login/2fa/", {"token": totp_token(user)}).status_code == 302
    assert client.get("/broadcasts/").status_code == 200


def test_a_stolen_session_cannot_take_the_second_factor_over(db) -> None:
    lead = make_user("lead1", "lead")
    old = TOTPDevice.objects.get(user=lead)
    codes_before = set(StaticToken.objects.filter(device__user=lead).values_list("token",
                                                                                 flat=True))
    thief = login_client(Client(), lead)  # a session past the second factor
    answer = thief.get(SETUP)
    assert answer.status_code == 302 and answer["Location"].startswith("/account/reauth/")
    _enrol_from_page(thief)
    pending = TOTPDevice.objects.filter(user=lead, confirmed=False).first()
    if pending is not None:  # even a key made on the way is never confirmed without step-up
        thief.post(SETUP, {"token": token_for_key(pending.key)[0]})
    renewed = thief.post("/account/2fa/recovery/")
    assert renewed.status_code == 302 and renewed["Location"].startswith("/account/reauth/")
    # the password without the current code does not make a step-up either
    thief.post("/account/reauth/", {"password": PASSWORD, "token": "000000", "next": SETUP})
    assert thief.get(SETUP).status_code == 302
    assert list(TOTPDevice.objects.filter(user=lead, confirmed=True)) == [old]
    assert set(StaticToken.objects.filter(device__user=lead).values_list(
        "token", flat=True)) == codes_before


def test_replacing_the_factor_needs_password_and_code_and_is_shown_at_next_login(db) -> None:
    lead = make_user("lead2", "lead")
    old = TOTPDevice.objects.get(user=lead)
    session = login_client(Client(), lead)
    stepped = session.post("/account/reauth/", {"password": PASSWORD,
                                                "token": totp_token(lead), "next": SETUP})
    assert stepped.status_code == 302 and stepped["Location"] == SETUP
    _enrol_from_page(session)
    new = TOTPDevice.objects.get(user=lead, confirmed=True)
    assert new.pk != old.pk
    assert CustodyEvent.objects.filter(action="user-2fa-replaced",
                                       details__user="lead2").exists()
    codes = session.post("/account/2fa/recovery/")  # still within the step-up window
    assert codes.status_code == 200 and "recovery-codes" in codes.content.decode()
    assert CustodyEvent.objects.filter(action="user-2fa-recovery-codes",
                                       details__user="lead2").exists()
    # the next logins tell the user, until they acknowledge it
    later = Client()
    _password_login(later, "lead2")
    shown = later.post("/login/2fa/", {"token": totp_token(lead)}, follow=True)
    text = shown.content.decode()
    assert "تم تغيير وسيلة التحقق بخطوتين" in text, text[-2000:]
    again = login_client(Client(), lead)
    assert "تم تغيير وسيلة التحقق بخطوتين" in again.get("/account/2fa/changes/").content.decode()
    again.post("/account/2fa/changes/")  # acknowledged
    third = login_client(Client(), lead)
    assert third.get("/account/2fa/changes/").status_code == 302  # nothing left to show


def test_first_enrolment_needs_the_admins_invite_never_the_password_alone(db, capsys) -> None:
    lead = make_user("newlead", "lead", second_factor=False)
    thief = Client()
    assert _password_login(thief, "newlead") == 302
    landing = thief.get("/broadcasts/")
    assert landing.status_code == 302 and landing["Location"].startswith("/account/2fa/enrol/")
    _enrol_from_page(thief)
    pending = TOTPDevice.objects.filter(user=lead, confirmed=False).first()
    if pending is not None:
        thief.post(SETUP, {"token": token_for_key(pending.key)[0]})
    assert not TOTPDevice.objects.filter(user=lead, confirmed=True).exists()
    assert thief.get("/broadcasts/").status_code == 302
    refused = thief.post("/account/2fa/enrol/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    assert refused.status_code == 200 and not TOTPDevice.objects.filter(
        user=lead, confirmed=True).exists()


def test_an_invite_enrols_once_is_stored_hashed_and_audited(db, capsys) -> None:
    from accounts.models import EnrolmentInvite

    lead = make_user("invited", "lead", second_factor=False)
    other = make_user("other", "viewer", second_factor=False)
    issued = _invite("invited", capsys, "--expires", "2")
    assert set(issued) >= {"name", "code", "link", "expires_at"}
    assert issued["link"].endswith(f"/account/2fa/enrol/?code={issued['code']}")
    row = EnrolmentInvite.objects.get(user=lead)
    assert issued["code"] not in json.dumps([row.code_hash]) and len(row.code_hash) == 64
    event = CustodyEvent.objects.get(action="user-2fa-invited", details__user="invited")
    assert issued["code"] not in json.dumps(event.details)
    # another account's invite is worth nothing here
    stranger = Client()
    _password_login(stranger, "other")
    stranger.post("/account/2fa/enrol/", {"code": issued["code"]})
    assert stranger.get(SETUP).status_code == 302
    assert not TOTPDevice.objects.filter(user=other, confirmed=True).exists()
    # the invited user follows the link, signs in, enrols
    client = Client()
    link_path = issued["link"].split("://", 1)[-1].split("/", 1)[1]
    first = client.get("/" + link_path)
    assert first.status_code == 302 and first["Location"].startswith("/login/")
    assert _password_login(client, "invited") == 302
    page = client.get("/" + link_path)
    assert page.status_code == 200 and issued["code"] in page.content.decode()
    assert client.post("/account/2fa/enrol/", {"code": issued["code"]}).status_code == 302
    _enrol_from_page(client)
    assert TOTPDevice.objects.filter(user=lead, confirmed=True).count() == 1
    assert client.get("/broadcasts/").status_code == 200
    assert EnrolmentInvite.objects.get(user=lead).used_at is not None
    # used once: after a reset the old code enrols nothing
    assert main(["users", "reset-2fa", "invited"]) == 0
    again = Client()
    _password_login(again, "invited")
    again.post("/account/2fa/enrol/", {"code": issued["code"]})
    _enrol_from_page(again)
    assert not TOTPDevice.objects.filter(user=lead, confirmed=True).exists()


def test_an_expired_invite_enrols_nothing(db, capsys) -> None:
    from accounts.models import EnrolmentInvite

    lead = make_user("late", "lead", second_factor=False)
    issued = _invite("late", capsys, "--expires", "1")
    EnrolmentInvite.objects.filter(user=lead).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = Client()
    _password_login(client, "late")
    answer = client.post("/account/2fa/enrol/", {"code": issued["code"]})
    assert answer.status_code == 200
    _enrol_from_page(client)
    assert not TOTPDevice.objects.filter(user=lead, confirmed=True).exists()


def test_invite_refuses_a_user_who_has_a_factor_and_reset_asks_for_an_invite(db,
                                                                            capsys) -> None:
    make_user("enrolled", "reviewer")
    capsys.readouterr()
    assert main(["users", "invite", "enrolled"]) == 2
    assert "reset-2fa" in capsys.readouterr().err
    assert main(["users", "reset-2fa", "enrolled"]) == 0
    assert "raqib users invite enrolled" in capsys.readouterr().out
    assert main(["users", "invite", "nobody-here"]) == 2
    assert main(["users", "invite", "enrolled", "--expires", "0"]) == 2
