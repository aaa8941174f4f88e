"""Personal access tokens on the account page (issue 24): created only after the password
and a current second factor are typed again, shown once (never stored, never cached),
within the role; listed and revoked by their owner, and by admins for anyone; every change
CSRF-protected and audited; the page in Arabic.

The attacker's cases first: no step-up, no token; a scope beyond the role, no token; a
stranger's revoke, 403; a forged POST without the CSRF token, 403.
"""

from __future__ import annotations

import pytest
from django.test import Client
from ui_helpers import PASSWORD, login_client, make_user, totp_token

from accounts import tokens
from accounts.models import AccessToken
from catalog.models import CustodyEvent

pytestmark = pytest.mark.django_db
NEW = "/account/tokens/new/"


def _step_up(client: Client, user: object) -> None:
    answer = client.post("/account/reauth/", {"password": PASSWORD, "token": totp_token(user),
                                              "next": NEW})
    assert answer.status_code == 302 and answer["Location"] == NEW, answer


def _create(client: Client, **fields: object) -> object:
    data = {"name": "partner sync", "scopes": ["read"], "expires_days": 30} | fields
    return client.post(NEW, data)


def test_no_token_without_a_fresh_password_and_second_factor() -> None:
    rana = make_user("rana", "reviewer")
    client = login_client(Client(), rana)  # logged in with both, but not stepped up
    for answer in (client.get(NEW), _create(client)):
        assert answer.status_code == 302 and answer["Location"].startswith(
            "/account/reauth/"), answer
    wrong = client.post("/account/reauth/", {"password": PASSWORD, "token": "000000",
                                             "next": NEW})
    assert wrong.status_code == 200
    assert _create(client).status_code == 302
    assert not AccessToken.objects.exists()


def test_a_scope_beyond_the_role_is_refused() -> None:
    rana = make_user("rana", "reviewer")
    client = login_client(Client(), rana)
    _step_up(client, rana)
    form = client.get(NEW).content.decode()
    assert 'value="read"' in form and 'value="review"' in form and 'value="admin"' not in form
    answer = _create(client, scopes=["read", "admin"])
    assert answer.status_code == 200 and b"new-token-value" not in answer.content
    assert not AccessToken.objects.exists()


def test_created_once_shown_once_and_it_works() -> None:
    rana = make_user("rana", "reviewer")
    client = login_client(Client(), rana)
    _step_up(client, rana)
    answer = _create(client, scopes=["read", "review"], name="nightly <b>sync</b>")
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    html = answer.content.decode()
    raw = html.split('id="new-token-value" dir="ltr">')[1].split("<")[0]
    assert raw.startswith("raqib_") and "<b>sync" not in html  # the name is escaped
    token = tokens.authenticate(raw, "192.0.2.9")
    assert token.user == rana and token.scopes == ["read", "review"]
    event = CustodyEvent.objects.get(action="token-created")
    assert event.actor == "rana" and raw.split("_", 2)[2] not in str(event.details)
    listing = client.get("/account/tokens/").content.decode()
    assert token.key_id in listing and raw not in listing  # listed, never shown again
    assert raw not in client.get(NEW).content.decode()


def test_owners_and_admins_revoke_strangers_do_not() -> None:
    rana, sami = make_user("rana", "reviewer"), make_user("sami", "lead")
    admin = make_user("amal", "admin")
    token, _ = tokens.issue(rana, name="script", scopes=["read"], by=None)
    other, _ = tokens.issue(rana, name="other", scopes=["read"], by=None)
    stranger = login_client(Client(), sami)
    assert token.key_id not in stranger.get("/account/tokens/").content.decode()
    assert stranger.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    assert stranger.post("/account/tokens/999999/revoke/").status_code == 404
    assert AccessToken.objects.get(pk=token.pk).revoked_at is None
    owner = login_client(Client(), rana)
    assert owner.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert owner.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert AccessToken.objects.get(pk=token.pk).revoked_by == rana
    boss = login_client(Client(), admin)
    assert other.key_id in boss.get("/account/tokens/").content.decode()  # everyone's
    assert boss.post(f"/account/tokens/{other.pk}/revoke/").status_code == 302
    assert AccessToken.objects.get(pk=other.pk).revoked_by == admin
    assert [e.actor for e in CustodyEvent.objects.filter(action="token-revoked")] == [
        "rana", "amal"]


def test_a_forged_post_without_the_csrf_token_changes_nothing() -> None:
    rana = make_user("rana", "reviewer")
    token, _ = tokens.issue(rana, name="script", scopes=["read"], by=None)
    client = login_client(Client(enforce_csrf_checks=True), rana)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    assert client.post(NEW, {"name": "x", "scopes": ["read"],
                             "expires_days": 1}).status_code == 403
    assert AccessToken.objects.get(pk=token.pk).revoked_at is None
    assert AccessToken.objects.count() == 1


def test_the_page_is_in_arabic_by_default_and_in_english() -> None:
    rana = make_user("rana", "reviewer")
    tokens.issue(rana, name="مزامنة", scopes=["read", "review"], by=None)
    client = login_client(Client(), rana)
    html = client.get("/account/tokens/").content.decode()
    for text in ("رموز الوصول", "رموزك", "قراءة", "مراجعة", "ساري", "إلغاء", "إنشاء رمز"):
        assert text in html, text
    client.post("/language/", {"language": "en", "next": "/"})
    html = client.get("/account/tokens/").content.decode()
    assert "Your tokens" in html and "Revoke" in html
