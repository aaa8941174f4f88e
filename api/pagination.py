"""Cursor pagination for every API list: ``?cursor=`` (opaque, from the previous answer's
``next``) and ``?page_size=`` (1 to ``MAX_PAGE_SIZE``; more, or not a number: 400).

Database lists use DRF's ``CursorPagination`` on a unique, stable ordering (``-id``), so a
row added or removed while a client walks the list never makes it skip or repeat one. The
search backend pages by number; its cursor (``SearchCursor``) is the next page number,
encoded, and walks the same way. A cursor that does not decode is a 400, not a 404. To page
a new list: give its view ``pagination_class = IdCursorPagination`` (or a subclass with
another unique ordering).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size_param(request: Request, default: int = DEFAULT_PAGE_SIZE,
                    maximum: int = MAX_PAGE_SIZE) -> int:
    """The requested page size, or ``ValidationError`` (400) when it is not 1..maximum."""
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= maximum:
        raise ValidationError({"page_size": [f"must be a whole number from 1 to {maximum}"]})
    return int(raw)


class IdCursorPagination(CursorPagination):
    """Newest first by id; ``results``, ``next`` and ``previous``."""

    ordering = "-id"
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return page_size_param(request, self.page_size, self.max_page_size)

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": ["not a cursor this API gave out"]}) from None


class OrderedCursorPagination(IdCursorPagination):
    """Oldest first by id (transcript segments in their order)."""

    ordering = "id"


def encode_page(number: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": number}).encode()).decode().rstrip("=")


def decode_page(request: Request) -> int:
    """The page number the ``cursor`` parameter names (1 without one); 400 for a bad one."""
    raw = request.query_params.get("cursor")
    if raw is None:
        return 1
    try:
        padded = raw + "=" * (-len(raw) % 4)
        number = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["p"]
        if not isinstance(number, int) or not 1 <= number <= 100000:
            raise ValueError(number)
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise ValidationError({"cursor": ["not a cursor this API gave out"]}) from None
    return number


def page_link(request: Request, number: int) -> str:
    """The request's URL with ``cursor`` set to page ``number``."""
    params = request.query_params.copy()
    params["cursor"] = encode_page(number)
    return request.build_absolute_uri(request.path) + "?" + params.urlencode()
