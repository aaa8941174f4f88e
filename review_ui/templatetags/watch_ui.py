"""Template tags of watchlists: the count of new alerts shown in the navigation.

To add a tag for the watchlist pages: define it here with ``@register.simple_tag``.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def new_alert_count(context: template.Context) -> int:
    """New alerts of active watchlists (display only; 0 for a signed-out visitor)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    from review_ui.watch_views import new_alert_count as count

    return count()
