"""The header's navigation: a registry of screens, each shown to the roles that may open it.

``NAVIGATION`` lists the links in order; ``visible_items(user)`` keeps those whose
``role`` the user holds (``roles.has_role``) and resolves their URLs; the template tag
``{% nav_items as items %}`` (``templatetags/nav_ui.py``) hands them to ``base.html``.
Hiding a link is a courtesy, never the check: every view checks its role on the server
with ``role_required``, so an entry's ``role`` should be the minimum role of its view.

To add a screen to the header: one ``NavItem`` below (URL name in the ``review_ui``
namespace, the bilingual label, the minimum role; optionally a CSS class and a badge,
a function returning the number shown next to the label).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import RANK, ROLES, user_role


def _new_alerts() -> int:
    from review_ui.views.alerts import new_alert_count

    return new_alert_count()


@dataclass(frozen=True)
class NavItem:
    """One header link: ``url_name`` in the ``review_ui`` namespace, shown to ``role``."""

    url_name: str
    label: str
    role: str = "viewer"
    css_class: str = ""
    badge: Callable[[], int] | None = None
    badge_label: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles are {', '.join(ROLES)}")


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("dashboard", _("Dashboard")),
    NavItem("search", _("Search")),
    NavItem("broadcast_list", _("Broadcasts")),
    NavItem("alert_queue", _("Review queue"), css_class="nav-alerts",
            badge=_new_alerts, badge_label=_("new alerts")),
    NavItem("watchlist_list", _("Watchlists")),
    NavItem("incident_list", _("Incidents"), role="reviewer"),
    NavItem("person_list", _("Persons"), role="reviewer"),
    NavItem("source_list", _("Sources"), role="admin"),
    NavItem("health", _("Health"), role="admin"),
    NavItem("webhooks", _("Webhooks"), role="admin"),
)


@functools.lru_cache(maxsize=32)
def _hrefs(items: tuple[NavItem, ...], prefix: str, urlconf: str | None,
           root_urlconf: str) -> tuple[str, ...]:
    """The entries' URLs, resolved once per process (per script prefix and URL conf: the
    same for every request of a deployment)."""
    return tuple(reverse(f"review_ui:{item.url_name}") for item in items)


def visible_items(user: Any, items: tuple[NavItem, ...] = NAVIGATION
                  ) -> list[dict[str, Any]]:
    """The entries the user's role allows, as ``{href, label, css_class, badge,
    badge_label}`` (``badge`` None when the entry has none); [] for a signed-out visitor.
    The role is read once (``user_role``) and the URLs once per process; the labels stay
    lazy (the page's language) and the badges are counted for each request."""
    if user is None or not user.is_authenticated:
        return []
    role = user_role(user)
    if role is None:
        return []
    hrefs = _hrefs(items, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    return [{"href": href, "label": item.label,
             "css_class": item.css_class, "badge": item.badge() if item.badge else None,
             "badge_label": item.badge_label}
            for item, href in zip(items, hrefs, strict=True) if RANK[role] >= RANK[item.role]]
