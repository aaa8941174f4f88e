"""The UI language follows the user (issue 12): a signed-in user's switch is stored
(``UserLanguage``, audited) and applied at their next login on another browser, through
the real login form; the cookie still serves anonymous pages; bad values change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from ui_helpers import PASSWORD, login_client, make_user, totp_token

from catalog.models import CustodyEvent
from review_ui.models import UserLanguage

pytestmark = pytest.mark.django_db


def lang(client: Client, path: str = "/dashboard/") -> str:
    html = client.get(path).content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def form_login(name: str) -> Client:
    """A fresh browser (no cookie) signed in through the login form and the second
    factor."""
    client = Client()
    done = client.post("/login/", {"username": name, "password": PASSWORD})
    assert done.status_code == 302, done.content[:300]
    passed = client.post("/login/2fa/", {"token": totp_token(name)})
    assert passed.status_code == 302, passed.content[:300]
    return client


def test_the_choice_follows_the_user_to_another_browser() -> None:
    make_user("rev", "reviewer")
    make_user("other", "reviewer")
    first = login_client(Client(), "rev")
    assert lang(first) == "ar"  # the default until a choice is made
    first.post("/language/", {"language": "en", "next": "/dashboard/"})
    assert UserLanguage.objects.get(user__username="rev").language == "en"
    entry = CustodyEvent.objects.filter(action="ui-language-set").latest("id")
    assert entry.actor == "rev" and entry.details == {"language": "en"}

    second = form_login("rev")  # another browser: no language cookie
    page = second.get("/dashboard/")
    assert '<html lang="en" dir="ltr">' in page.content.decode()
    assert second.cookies["raqib-language"].value == "en"  # this browser now follows
    second.post("/logout/")
    assert lang(second, "/login/") == "en"  # anonymous: the cookie
    assert lang(Client(), "/login/") == "ar"  # a browser nobody chose for
    assert lang(form_login("other")) == "ar"  # another user keeps the default


def test_a_user_choice_beats_a_stale_cookie_and_bad_values_change_nothing() -> None:
    make_user("rev", "reviewer")
    UserLanguage.objects.create(user=make_user("lead", "lead"), language="ar")
    browser = Client()
    browser.cookies["raqib-language"] = "en"  # left by someone else on this machine
    browser = login_client(browser, "lead")
    assert lang(browser) == "ar"
    before = CustodyEvent.objects.filter(action="ui-language-set").count()
    for bad in ("xx", "", "en-GB", "<script>"):
        browser.post("/language/", {"language": bad, "next": "/dashboard/"})
    assert UserLanguage.objects.get(user__username="lead").language == "ar"
    assert CustodyEvent.objects.filter(action="ui-language-set").count() == before
    assert lang(browser) == "ar"
    assert browser.get("/language/").status_code == 405  # a GET stores nothing
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/language/", {"language": "en"}).status_code in (302, 403)
    assert not UserLanguage.objects.filter(language="en").exists()


@pytest.mark.parametrize(("header", "expected"), [
    ("en-GB,en;q=0.9", "en"),
    ("fr-FR,fr;q=0.9,en;q=0.5", "en"),  # the first the site speaks
    ("ar-SY,en;q=0.8", "ar"),
    ("en;q=0.4,ar;q=0.9", "ar"),  # by preference, not by order
    ("fr-FR,de;q=0.9", "ar"),  # names neither: Arabic stays the default
    ("*", "ar"),
    ("en;q=0", "ar"),  # q=0: "not English"
    ("", "ar"),
])
def test_the_browser_header_picks_the_language_until_a_choice(header: str,
                                                              expected: str) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE=header)
    page = browser.get("/login/")
    assert lang(browser, "/login/") == expected
    assert "Accept-Language" in page["Vary"]


def test_a_choice_on_the_login_page_beats_the_header_and_the_user_choice_beats_both() -> None:
    make_user("rev", "reviewer")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = browser.get("/login/").content.decode()
    assert lang(browser, "/login/") == "en"
    # the login page offers the switch (a form with CSRF, anonymous)
    switch = page.split('class="inline-form language-switch"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken"' in switch and 'value="ar"' in switch
    done = browser.post("/language/", {"language": "ar", "next": "/login/"})
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert lang(browser, "/login/") == "ar"  # the cookie now beats the header
    assert not UserLanguage.objects.exists()  # anonymous: the cookie only
    UserLanguage.objects.create(user=make_user("lead", "lead"), language="en")
    signed = Client(HTTP_ACCEPT_LANGUAGE="ar")
    done = signed.post("/login/", {"username": "lead", "password": PASSWORD})
    signed.post("/login/2fa/", {"token": totp_token("lead")})
    assert lang(signed) == "en"  # the stored choice beats the header


def test_an_anonymous_switch_is_csrf_protected_and_refuses_an_off_site_next() -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/language/", {"language": "en"}).status_code == 403
    browser = Client()
    away = browser.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert away.status_code == 302 and away["Location"] == "/"
    assert browser.get("/dashboard/")["Location"].startswith("/login/")  # no page opened
