"""The role a user object keeps (accounts.roles): read once, and never stale after a change.

A page asks ``has_role`` a dozen times; the role groups are read from the database once per
user object. Each test here changes a role in a way the UI or a command can, and checks the
very next check (or the next request) sees it: these fail if the kept answer is not made
stale by the change.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import ensure_roles, has_role, set_role, user_role
from tests.review_ui.ui_helpers import PASSWORD, login_client


def _user(name: str, role: str | None) -> object:
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    if role:
        set_role(user, role)
    return user


def _role_queries(captured: CaptureQueriesContext) -> int:
    return sum("auth_user_groups" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_role_groups_are_read_once_per_user_object() -> None:
    user = get_user_model().objects.get(pk=_user("once", "reviewer").pk)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(12):
            assert has_role(user, "viewer") and has_role(user, "reviewer")
            assert not has_role(user, "lead")
    assert _role_queries(captured) == 1


@pytest.mark.django_db
def test_set_role_applies_to_the_same_object_at_once() -> None:
    user = _user("promoted", "viewer")
    assert user_role(user) == "viewer" and not has_role(user, "reviewer")
    set_role(user, "reviewer")
    assert user_role(user) == "reviewer" and has_role(user, "reviewer")
    set_role(user, "viewer")
    assert not has_role(user, "reviewer")


@pytest.mark.django_db
def test_membership_changed_from_the_group_side_or_cleared() -> None:
    user = _user("member", "reviewer")
    assert has_role(user, "reviewer")
    Group.objects.get(name="reviewer").user_set.remove(user)  # reverse side, another object
    assert user_role(user) is None
    Group.objects.get(name="viewer").user_set.add(user)
    assert user_role(user) == "viewer"
    user.groups.clear()
    assert user_role(user) is None


@pytest.mark.django_db
def test_a_role_group_deleted_or_renamed_is_seen() -> None:
    user = _user("grouped", "reviewer")
    assert has_role(user, "reviewer")
    group = Group.objects.get(name="reviewer")
    group.name = "former-reviewer"
    group.save()
    assert user_role(user) is None
    ensure_roles()
    set_role(user, "reviewer")
    assert has_role(user, "reviewer")
    Group.objects.get(name="reviewer").delete()  # the membership rows go with it (cascade)
    assert user_role(user) is None


@pytest.mark.django_db
def test_deactivated_or_superuser_read_live() -> None:
    user = _user("flags", "reviewer")
    assert user_role(user) == "reviewer"
    user.is_active = False
    assert user_role(user) is None
    user.is_active, user.is_superuser = True, True
    assert user_role(user) == "admin"


@pytest.mark.django_db
def test_a_role_removed_elsewhere_applies_from_the_next_request() -> None:
    # another process (``raqib users``) removes the role: no signal reaches this one, the
    # membership row is simply gone; the next request loads a new user object
    user = _user("demoted", "reviewer")
    client = login_client(Client(), "demoted")
    assert client.get("/incidents/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM auth_user_groups WHERE user_id = %s", [user.pk])
    assert client.get("/incidents/").status_code == 403
    set_role(get_user_model().objects.get(pk=user.pk), "reviewer")
    assert client.get("/incidents/").status_code == 200


@pytest.mark.django_db
def test_search_page_reads_the_role_once() -> None:
    _user("searcher", "reviewer")
    client = login_client(Client(), "searcher")
    client.get("/?q=x")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/?q=x")
    assert response.status_code == 200
    assert _role_queries(captured) == 1


@pytest.mark.django_db
def test_the_plain_role_statement_reads_what_the_orm_reads() -> None:
    """Issue 26: the role groups are read with one plain statement; for users with no
    group, other groups, one role, several roles and an inactive account it returns the
    rows of ``user.groups.filter(name__in=ROLES)``."""
    from accounts.roles import ROLES, _read_role_groups

    ensure_roles()
    other = Group.objects.create(name="not-a-role")
    users = [_user("none", None), _user("one", "reviewer"), _user("other", None),
             _user("two", "viewer"), _user("gone", "lead")]
    users[2].groups.add(other)
    users[3].groups.add(Group.objects.get(name="admin"), other)
    users[4].is_active = False
    users[4].save()
    for user in users:
        expected = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        assert _read_role_groups(type(user), user.pk) == expected, user.username
    assert user_role(users[3]) == "admin" and user_role(users[4]) is None
