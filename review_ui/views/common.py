"""Helpers shared by the list screens (broadcasts, search, alerts): query parameters,
pages of results and the query strings their filter and pager links carry.

Every helper only reads the request's parameters and drops values it does not know, so a
crafted URL can narrow a list but never widen it or inject markup (templates still
autoescape); a number no database column can hold answers 400 (``BadRequest``), never a
500. Lists paged with ``paginate`` share ``templates/review_ui/_pager.html``, which
takes the ``Page`` as ``page`` and ``filter_query(...)`` as ``filters``. To add a shared
helper: put it here when a second screen needs it, not before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import BadRequest
from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from review.errors import as_html

PER_PAGE = 50
MAX_ID = 2**63 - 1  # the largest id a database row can have


def choice_param(query: QueryDict, name: str, allowed: Iterable[str],
                 default: str = "") -> str:
    """The parameter's value when it is one of ``allowed`` (``default`` when absent),
    else "" (no filter)."""
    value = query.get(name, default)
    return value if value in set(allowed) else ""


def digits_param(query: QueryDict, name: str) -> str:
    """The parameter's value when it is a non-negative integer (an id), else "";
    ``BadRequest`` (400) for one past ``MAX_ID`` (no database integer holds it)."""
    value = query.get(name, "")
    if not (value.isascii() and value.isdigit()):
        return ""
    if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
        raise BadRequest(f"{name}: {value[:20]}… is out of range")
    return value


def date_param(query: QueryDict, name: str) -> str:
    """The parameter when it is a real ``YYYY-MM-DD`` date, else "" (no filter)."""
    import datetime

    value = query.get(name, "")
    if len(value) != 10:
        return ""
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        return ""


def paginate(items: Any, query: QueryDict, per_page: int = PER_PAGE) -> Page:
    """The page of ``items`` named by the ``page`` parameter (the first or last page when
    it is missing, garbled or past the end)."""
    return Paginator(items, per_page).get_page(query.get("page"))


def filter_query(**params: str) -> str:
    """The non-empty filters as a query string, for links that keep them (the pager)."""
    return urlencode({key: value for key, value in params.items() if value})


def with_params(query: QueryDict, **changes: str) -> str:
    """The current query string with some parameters changed and ``page`` dropped unless
    it is one of the changes."""
    # what ``query.copy()``, ``pop("page")``, setting each change and ``urlencode()`` give,
    # without copying the QueryDict for each link (a search page makes dozens: issue 26)
    lists = {key: values for key, values in query.lists() if key != "page"}
    for key, value in changes.items():
        lists[key] = [value]
    encoding = query.encoding
    return "&".join(urlencode({key.encode(encoding): str(value).encode(encoding)})
                    for key, values in lists.items() for value in values)


def page_links(query: QueryDict, number: int, pages: int) -> dict[str, str]:
    """``prev_query``/``next_query`` for a page ``number`` of ``pages`` (only the links
    that exist), keeping the other parameters."""
    links = {}
    if number > 1:
        links["prev_query"] = with_params(query, page=str(number - 1))
    if number < pages:
        links["next_query"] = with_params(query, page=str(number + 1))
    return links


def form_errors(form: forms.Form) -> str:
    """All of a bound form's errors in one line, for a message or an error banner."""
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def with_reason(template: str, exc: Exception) -> SafeString:
    """``template`` (translated, with ``%(reason)s``) around a refusal's message, as HTML:
    a rule error (``review.errors.RuleError``) keeps its values in ``<bdi>``, other text is
    escaped. For ``messages`` and the error page: the ``refusal`` filter shows it as is."""
    return mark_safe(escape(template) % {"reason": as_html(exc)})  # noqa: S308
