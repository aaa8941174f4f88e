"""The header's navigation comes from ``review_ui.navigation``: each role sees the links it
may open, every entry names a real view whose server-side role matches the entry's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve, reverse
from ui_helpers import login_client, make_user

from review_ui.navigation import NAVIGATION, NavItem, visible_items

# English msgids; the page shows them in the chosen language
LABELS = ["Dashboard", "Search", "Broadcasts", "Review queue", "Watchlists", "Incidents", "Persons",
          "Sources", "Health", "Webhooks"]
ARABIC = ["لوحة المتابعة", "بحث", "البثّ", "قائمة المراجعة", "قوائم المراقبة", "الحوادث", "الأشخاص",
          "المصادر", "الحالة", "خطافات الويب"]


def test_every_entry_names_a_view_with_the_same_minimum_role() -> None:
    from django.utils import translation

    with translation.override("en"):
        assert [str(item.label) for item in NAVIGATION] == LABELS
    with translation.override("ar"):
        assert [str(item.label) for item in NAVIGATION] == ARABIC
    for item in NAVIGATION:
        view = resolve(reverse(f"review_ui:{item.url_name}")).func
        assert view.minimum_role == item.role, item.url_name


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError):
        NavItem("search", "x", role="emperor")


@pytest.mark.parametrize(("role", "sources"), [("viewer", False), ("reviewer", False),
                                               ("lead", False), ("admin", True)])
def test_each_role_sees_what_it_may_open(db, role: str, sources: bool) -> None:
    client = login_client(Client(), make_user(f"nav-{role}", role))
    html = client.get("/broadcasts/").content.decode()
    for label in ARABIC[:4]:  # Arabic until the user chooses English
        assert f"{label}</a>" in html or f"{label} <span" in html
    assert 'class="nav-alerts">قائمة المراجعة <span class="nav-count"' in html
    assert ('<a href="/sources/">المصادر</a>' in html) is sources
    reviewer_up = role != "viewer"
    assert ('<a href="/incidents/">الحوادث</a>' in html) is reviewer_up
    assert ('<a href="/persons/">الأشخاص</a>' in html) is reviewer_up
    client.cookies["raqib-language"] = "en"
    english = client.get("/broadcasts/").content.decode()
    assert 'class="nav-alerts">Review queue <span class="nav-count"' in english
    assert ('<a href="/incidents/">Incidents</a>' in english) is reviewer_up


def test_no_links_for_a_visitor_or_a_user_without_role(db) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert visible_items(AnonymousUser()) == []
    assert visible_items(make_user("nobody", None)) == []
    assert "site-nav" not in Client().get("/login/").content.decode()
