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
