"""Template tag of the header's navigation: the links the signed-in user's role allows.

``{% nav_items as items %}`` gives ``navigation.visible_items(request.user)`` (display
only; the views check roles themselves). To change the links: edit
``review_ui/navigation.py``, not the template.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context: template.Context) -> list[dict[str, Any]]:
    """The header's links for the current user ([] for a signed-out visitor)."""
    from review_ui.navigation import visible_items

    return visible_items(context.get("user"))
