"""Login everywhere, roles checked on the server, strict security headers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver
from ui_helpers import PASSWORD, login_client, make_user, totp_token

from accounts.roles import ROLES, ensure_roles, has_role, user_role
from review_ui.middleware import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/", "/?q=x", "/broadcasts/", "/broadcasts/1/?t=5",
                                  "/media/1/", "/no-such-page/"])
def test_anonymous_is_sent_to_login(client: Client, path: str, db) -> None:
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/login/"
    assert parse_qs(location.query)["next"] == [path]


def test_login_page_is_public_rtl_and_arabic_first(client: Client, db) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "تسجيل الدخول" in html and "csrfmiddlewaretoken" in html


def test_security_headers_on_public_and_private_pages(client: Client, viewer_client: Client
                                                      ) -> None:
    for response in (client.get("/login/"), viewer_client.get("/broadcasts/")):
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in viewer_client.get("/broadcasts/")["Cache-Control"]


def test_no_inline_script_or_style_in_pages(viewer_client: Client, broadcast) -> None:
    for path in ("/", "/broadcasts/", f"/broadcasts/{broadcast.pk}/"):
        html = viewer_client.get(path).content.decode()
        assert "<script>" not in html and "<style" not in html
        assert " onclick=" not in html and ' style="' not in html


def test_login_then_logout_needs_post(client: Client, db) -> None:
    make_user("reviewer1", "reviewer")
    response = client.post("/login/", {"username": "reviewer1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/broadcasts/").status_code == 302  # the second factor first
    passed = client.post("/login/2fa/", {"token": totp_token("reviewer1"), "next": "/dashboard/"})
    assert passed.status_code == 302 and passed["Location"] == "/dashboard/"
    assert client.get("/broadcasts/").status_code == 200
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/broadcasts/").status_code == 302


def test_wrong_password_shows_message(client: Client, db) -> None:
    make_user("viewer2", "viewer")
    response = client.post("/login/", {"username": "viewer2", "password": "nope"})
    assert response.status_code == 200
    assert "غير صحيحة" in response.content.decode()


def test_user_without_role_is_forbidden(client: Client, broadcast) -> None:
    make_user("norole", None)
    login_client(client, "norole")
    for path in ("/", "/broadcasts/", f"/broadcasts/{broadcast.pk}/", f"/media/{broadcast.pk}/"):
        assert client.get(path).status_code == 403, path


def test_every_view_declares_a_minimum_role() -> None:
    # tests/review_ui/test_security_matrix.py walks each one with every role (the HTTP
    # API's routes: tests/api/test_api_matrix.py).
    (ui,) = [r for r in get_resolver().url_patterns
             if getattr(r, "namespace", None) == "review_ui"]
    assert len(ui.url_patterns) > 50
    for pattern in ui.url_patterns:
        assert getattr(pattern.callback, "minimum_role", None) in (
            *ROLES, "public", "signed-in"), pattern.name


def test_roles_rank_and_are_idempotent(db) -> None:
    ensure_roles()
    ensure_roles()
    lead = make_user("lead1", "lead")
    assert user_role(lead) == "lead"
    assert has_role(lead, "viewer") and has_role(lead, "lead")
    assert not has_role(lead, "admin")
    from accounts.roles import set_role

    set_role(lead, "viewer")
    assert user_role(lead) == "viewer"
    with pytest.raises(ValueError):
        has_role(lead, "emperor")
