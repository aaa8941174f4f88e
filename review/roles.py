"""Roles for the review rules: viewer < reviewer < lead < admin, stored as Django Groups.

The review app's rules (who may propose, confirm or see an incident) are checked here, below
every surface, so the web UI and the command line apply the same rules to the same account.
A user's role is the highest role among their groups (a superuser counts as admin); an
inactive user has none. ``review_ui.roles`` builds its view decorators on these. To add a
role: insert its name in ``ROLES`` at the right rank.
"""

from __future__ import annotations

from typing import Any

ROLES: tuple[str, ...] = ("viewer", "reviewer", "lead", "admin")
RANK = {name: rank for rank, name in enumerate(ROLES)}


def user_role(user: Any) -> str | None:
    """The highest role the user holds, or None (anonymous, inactive or no role)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return "admin"
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    held = [name for name in ROLES if name in names]
    return held[-1] if held else None


def has_role(user: Any, minimum: str) -> bool:
    """True when the user's role ranks at least ``minimum``."""
    if minimum not in RANK:
        raise ValueError(f"unknown role {minimum!r}; roles are {', '.join(ROLES)}")
    role = user_role(user)
    return role is not None and RANK[role] >= RANK[minimum]
