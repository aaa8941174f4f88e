"""Every error the UI answers (400, 403, 404, 405, 413, 429, 500) is a page in the site's
chrome (the Raqib header) and the page's language, with its status code and no detail.

Regression: 403/404 were Django's bare English "403 Forbidden"/"Not Found" without the
header, 405 an empty body, 400/413 a line of English plain text."""

from __future__ import annotations

import re
from html import escape

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation

from review_ui import errors
from tests.review_ui.ui_helpers import PASSWORD, login_client, make_user

# The English sentence of each page: none of its words may appear in the Arabic page.
ENGLISH = {code: str(sentence) for code, (_, sentence) in errors.ERRORS.items()}
LOCKED_EN = "Too many failed logins"


def _client(language: str, role: str | None = "viewer") -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if role:
        login_client(client, make_user(f"err-{role}-{language}", role))
        if language == "en":
            client.post("/language/", {"language": "en", "next": "/"})
    return client


def _answers(client: Client) -> dict[int, object]:
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    return {
        400: client.get("/search/", {"q": "x" * 9000}),
        403: client.get("/sources/new/"),  # an admin page, a viewer asks
        404: client.get("/no-such-page/"),
        405: client.get("/language/"),
        413: client.post("/search/", data=big, content_type="text/plain"),
    }


def _latin_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


def _without_csrf_tokens(body: str) -> str:
    """The page less its random CSRF tokens (64 letters and digits that may spell "KiB")."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"',
                  'name="csrfmiddlewaretoken" value=""', body)


def _main(body: str) -> str:
    return body.split('<main class="content">', 1)[1]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_each_error_code_is_a_page_in_the_chrome_and_the_language(db, language: str) -> None:
    client = _client(language)
    for code, response in _answers(client).items():
        assert response.status_code == code, code
        body = _without_csrf_tokens(response.content.decode())
        assert response["Content-Type"].startswith("text/html"), code
        assert '<header class="site-header">' in body and 'class="brand"' in body, code
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in body
        main = _main(body)
        with translation.override(language):
            title, sentence = (str(part) for part in errors.ERRORS[code])
        assert escape(title) in body and escape(sentence) in main, code
        if language == "ar":
            assert not (_latin_words(main) & _latin_words(ENGLISH[code])), code
            assert "Raqib" not in body and "Forbidden" not in body and "Not Found" not in body
        # no detail leaks: not the exception's text, not the limit, not the path
        assert "raqib.toml" not in body and "KiB" not in body and "no-such-page" not in main


def test_a_signed_in_user_keeps_the_navigation_on_an_error_page(db) -> None:
    body = _client("ar").get("/no-such-page/").content.decode()
    assert 'class="site-nav"' in body and "err-viewer-ar" in body


def test_405_keeps_the_allow_header(db) -> None:
    response = _client("ar").get("/language/")
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_refused_body_is_answered_before_any_session_and_in_the_cookie_language(db) -> None:
    anonymous = _client("en", role=None)
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = anonymous.post("/login/", data=big, content_type="text/plain")
    assert response.status_code == 413 and response["Connection"] == "close"
    assert "What was sent is larger than the site accepts." in response.content.decode()
    assert response["Content-Language"] == "en" and "sessionid" not in response.cookies


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_500_page_is_ours_and_needs_no_database(language: str) -> None:
    request = RequestFactory().get("/")
    with translation.override(language):
        response = errors.server_error(request)
        sentence = str(errors.ERRORS[500][1])
    body = response.content.decode()
    assert response.status_code == 500 and escape(sentence) in body
    assert '<header class="site-header">' in body
    if language == "ar":
        assert not (_latin_words(_main(body)) & _latin_words(ENGLISH[500]))
    assert "Traceback" not in body


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_lockout_429_is_in_the_chrome_and_the_language(db, language: str) -> None:
    make_user("locked-target", "viewer")
    attacker = _client(language, role=None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attacker.post("/login/", {"username": "locked-target",
                                             "password": "wrong-password-x"})
    assert response.status_code == 429
    body = response.content.decode()
    assert '<header class="site-header">' in body
    assert (LOCKED_EN in body) == (language == "en")
    assert PASSWORD not in body
