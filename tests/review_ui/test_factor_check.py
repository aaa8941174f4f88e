"""Issue 26: the second factor of a session is checked with one plain statement per request
(``accounts.factor_check``) instead of django-otp's ORM read. These are the attacks on that
shortcut, on a real database: a device removed, unconfirmed or reset by any path (a direct
write to its table included, which no signal sees) stops verifying the session at its very
next request; a session that names someone else's device, or no device at all, is not
verified; the device itself is still what ``user.otp_device`` gives."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from ui_helpers import PASSWORD, login_client, make_user

from accounts import twofactor

PAGE = "/broadcasts/"


def _refused(client: Client) -> bool:
    """The page is not served: the session is sent back to the second-factor step."""
    response = client.get(PAGE)
    return response.status_code == 302 and response["Location"].startswith(
        ("/login/2fa/", "/account/2fa/enrol/")
    )


def test_a_verified_session_reaches_the_page_and_otp_device_is_its_device(db) -> None:
    user = make_user("verified", "viewer")
    client = login_client(Client(), user)
    response = client.get(PAGE)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    seen = response.wsgi_request.user.otp_device
    assert seen.persistent_id == device.persistent_id and seen.user_id == user.pk
    assert isinstance(seen, TOTPDevice)


def test_a_device_deleted_behind_the_orms_back_stops_the_next_request(db) -> None:
    user = make_user("deleted", "viewer")
    client = login_client(Client(), user)
    assert client.get(PAGE).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    with connection.cursor() as cursor:  # no model, no signal: only the table changes
        cursor.execute(f"DELETE FROM {TOTPDevice._meta.db_table} WHERE id = %s", [device.pk])
    assert _refused(client)
    assert DEVICE_ID_SESSION_KEY not in client.session  # the dead device is forgotten


def test_an_unconfirmed_device_stops_the_next_request(db) -> None:
    user = make_user("unconfirmed", "viewer")
    client = login_client(Client(), user)
    assert client.get(PAGE).status_code == 200
    TOTPDevice.objects.filter(user=user).update(confirmed=False)  # no save(), no signal
    assert _refused(client)


def test_a_reset_second_factor_stops_the_next_request(db) -> None:
    user = make_user("reset", "lead")
    client = login_client(Client(), user)
    assert client.get(PAGE).status_code == 200
    assert twofactor.reset_second_factor(user) == 1  # the rule alone: no session ended
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/enrol/")


def test_a_session_naming_another_users_device_is_not_verified(db) -> None:
    victim = make_user("victim", "admin")
    attacker = make_user("attacker", "viewer")
    client = login_client(Client(), attacker)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=victim).persistent_id
    session.save()
    assert _refused(client)


@pytest.mark.parametrize(
    "persistent_id",
    [
        "auth.user/1",
        "nope.thing/1",
        "otp_totp.totpdevice/abc",
        "otp_totp.totpdevice",
        "otp_totp.totpdevice/999999",
        "",
        "django_otp.plugins.otp_totp.models.TOTPDevice/1",
    ],
)
def test_a_session_naming_no_device_of_the_user_is_not_verified(db, persistent_id) -> None:
    user = make_user("odd", "viewer")
    client = login_client(Client(), user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    if persistent_id.endswith("TOTPDevice/1") and TOTPDevice.objects.get(user=user).pk == 1:
        # django-otp's legacy form of the id (a full import path) names this user's own
        # device: it still verifies, as with django-otp's own middleware
        assert client.get(PAGE).status_code == 200
        return
    assert _refused(client)


def test_new_recovery_codes_end_a_session_verified_with_an_old_one(db) -> None:
    user = make_user("coder", "viewer")
    codes = twofactor.make_recovery_codes(user)
    client = Client()
    client.post("/login/", {"username": "coder", "password": PASSWORD})
    assert client.post("/login/2fa/", {"token": codes[0]}).status_code == 302
    response = client.get(PAGE)
    assert response.status_code == 200
    assert isinstance(response.wsgi_request.user.otp_device, StaticDevice)
    assert not StaticToken.objects.filter(token=codes[0]).exists()  # spent
    twofactor.make_recovery_codes(user)  # the old device is replaced
    assert _refused(client)
