"""Which URLs the catalog stores: absolute ``http``/``https`` ones and nothing else.

A crawled page can hand over ``javascript:``, ``data:`` or ``file:`` links; stored as a
broadcast's page URL they would be rendered as links to reviewers. ``check_http_url``
is the one rule; ``refuse_unsafe_urls`` applies it to every ``URLField`` of every catalog
model before it is saved (connected in ``catalog.apps``), so no path (crawl, live
recording, import, a script) stores one: the save raises ``UnsafeURL`` (a ValueError)
before any SQL, and a caller that stores many items skips the one and goes on. Bulk
``QuerySet.update``/``bulk_create`` bypass ``save``: give them checked values. To allow
another scheme (think twice): add it to ``ALLOWED_SCHEMES``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import models

ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2000


class UnsafeURL(ValueError):
    """A URL the catalog refuses to store (not absolute http/https)."""


def is_http_url(value: object) -> bool:
    """True for an absolute http(s) URL with a host and no control characters."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7f for c in value) or value != value.strip():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.hostname)


def check_http_url(value: str, field: str = "url") -> str:
    """The URL if it is empty or absolute http(s); ``UnsafeURL`` naming the field if not."""
    if value and not is_http_url(value):
        shown = value[:80] + ("…" if len(value) > 80 else "")
        raise UnsafeURL(f"{field}: {shown!r} is not an absolute http(s) URL")
    return value


def refuse_unsafe_urls(sender: type[models.Model], instance: models.Model,
                       **kwargs: Any) -> None:
    """``pre_save`` receiver: every URLField of a catalog model must pass the rule."""
    for field in sender._meta.concrete_fields:
        if isinstance(field, models.URLField):
            check_http_url(getattr(instance, field.attname) or "",
                           f"{sender.__name__}.{field.name}")
