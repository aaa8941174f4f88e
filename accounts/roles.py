"""Roles: viewer < reviewer < lead < admin, stored as Django Groups (the one roles module).

The review app's rules (who may propose, confirm or see an incident), the web UI's view
decorators (``review_ui.access``) and the command line (``raqib users``) all read roles
here, so every door applies the same rule to the same account. A user's role is the
highest role among their groups (a superuser counts as admin); an inactive user has none.
``set_role`` gives a user exactly one role; ``ensure_roles`` creates the groups (the
``review_ui`` data migration does it too). To add a role: insert its name in ``ROLES`` at
the right rank.

The role groups a user holds are read from the database once per user object and kept on
it (a page asks ``has_role`` a dozen times: the view, the templates, the navigation). The
web loads a new user object for every request, so a role changed anywhere (another
process included) applies from the next request. Within a process, any change of group
membership (``user.groups.add/remove/set/clear``, ``group.user_set...``, ``set_role``) or a
role group saved or deleted bumps ``_generation`` (``forget_roles``, connected to Django's
signals in ``accounts.apps``), which makes every kept answer stale at once. ``is_active`` and
``is_superuser`` are read from the user object each time, never kept.
"""

from __future__ import annotations

import contextlib
from typing import Any

ROLES: tuple[str, ...] = ("viewer", "reviewer", "lead", "admin")
RANK = {name: rank for rank, name in enumerate(ROLES)}

_CACHE_ATTR = "_raqib_role_groups"  # (generation, frozenset of role group names)
_generation = 0


def forget_roles(*_args: Any, **_kwargs: Any) -> None:
    """Make every user object's kept role groups stale (a signal receiver: membership or
    a group changed)."""
    global _generation
    _generation += 1


_ROLE_STATEMENTS: dict[type[Any], str] = {}


def _read_role_groups(user_model: type[Any], user_id: Any) -> frozenset[str]:
    """The role groups the user is in, in one plain statement written once per process
    (every request asks; the ORM took longer to build this join than the database to run
    it, issue 26). The same rows as ``user.groups.filter(name__in=ROLES)``."""
    from django.db import connection  # here: ``raqib users``' parser imports ROLES, no Django

    sql = _ROLE_STATEMENTS.get(user_model)
    if sql is None:
        quote = connection.ops.quote_name
        through = user_model.groups.through._meta
        group = user_model.groups.field.related_model._meta
        member = through.get_field(user_model._meta.model_name).column
        sql = (f"SELECT g.{quote(group.get_field('name').column)} "
               f"FROM {quote(group.db_table)} g JOIN {quote(through.db_table)} m "
               f"ON m.{quote(through.get_field('group').column)} = g.{quote(group.pk.column)} "
               f"WHERE m.{quote(member)} = %s "
               f"AND g.{quote(group.get_field('name').column)} IN "
               f"({', '.join(['%s'] * len(ROLES))})")
        _ROLE_STATEMENTS[user_model] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, *ROLES])
        return frozenset(name for (name,) in cursor.fetchall())


def _role_groups(user: Any) -> frozenset[str]:
    kept = getattr(user, _CACHE_ATTR, None)
    if kept is not None and kept[0] == _generation:
        return kept[1]
    generation = _generation  # read before the query: a change meanwhile makes it stale
    names = _read_role_groups(user.__class__, user.pk)  # the class behind a lazy user
    with contextlib.suppress(AttributeError):  # an object without attributes: asked again
        setattr(user, _CACHE_ATTR, (generation, names))
    return names


def user_role(user: Any) -> str | None:
    """The highest role the user holds, or None (anonymous, inactive or no role)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return "admin"
    names = _role_groups(user)
    held = [name for name in ROLES if name in names]
    return held[-1] if held else None


def has_role(user: Any, minimum: str) -> bool:
    """True when the user's role ranks at least ``minimum``."""
    if minimum not in RANK:
        raise ValueError(f"unknown role {minimum!r}; roles are {', '.join(ROLES)}")
    role = user_role(user)
    return role is not None and RANK[role] >= RANK[minimum]


def ensure_roles() -> None:
    """Create the role groups if they are missing (safe to call any number of times)."""
    from django.contrib.auth.models import Group

    for name in ROLES:
        Group.objects.get_or_create(name=name)


def set_role(user: Any, role: str) -> None:
    """Give the user exactly one role group (other role groups are removed)."""
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    from django.contrib.auth.models import Group

    ensure_roles()
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
