"""``GET /api/v1/search/``: the search screen's search, as JSON.

The same query language (``docs/query-language.md``), filters (outlet, language, tag, air
dates), sorts and facets as ``review_ui.views.search``: the parameters become an
``index.base.SearchRequest`` through the screen's own ``search_request`` and go to the
configured backend. A malformed query is a 400 with the parser's reason; a backend that is
down a 503. Pages are walked with the cursor of ``api.pagination``. Viewer role, read scope.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as out
from api.pagination import decode_page, page_link
from api.views.base import ApiView, ListQuery

DATE = r"^\d{4}-\d{2}(-\d{2})?$"
SEARCH_PAGE_SIZE = 100


class SearchQuery(ListQuery):
    q = serializers.CharField(max_length=500, help_text="the query (docs/query-language.md)")
    outlet = serializers.CharField(required=False, max_length=200)
    lang = serializers.CharField(required=False, max_length=8)
    tag = serializers.CharField(required=False, max_length=64)
    date_from = serializers.RegexField(DATE, required=False, max_length=10,
                                       help_text="YYYY-MM-DD or YYYY-MM")
    date_to = serializers.RegexField(DATE, required=False, max_length=10,
                                     help_text="YYYY-MM-DD or YYYY-MM")
    sort = serializers.ChoiceField(choices=["relevance", "-aired_at", "aired_at"],
                                   required=False, default="relevance")
    page_size = serializers.IntegerField(required=False, min_value=1,
                                         max_value=SEARCH_PAGE_SIZE, default=20)


class SearchView(ApiView):
    access = {"GET": ("viewer", "read")}
    query_serializer = SearchQuery

    @extend_schema(operation_id="search", parameters=[SearchQuery],
                   responses={200: out.SearchPageSerializer}, tags=["search"])
    def get(self, request: Request) -> Response:
        from index.base import QueryError
        from index.registry import get_backend
        from review_ui.views.search import search_request

        data: dict[str, Any] = dict(self.query)
        data["page"] = decode_page(request)
        try:
            search = search_request(data)
        except ValueError as exc:  # a date that does not exist (2024-02-31)
            raise QueryError(str(exc)) from None
        page = get_backend().search_page(search)
        body = page.to_json()
        facets = {name: [{"value": str(v), "count": n} for v, n in values]
                  for name, values in body["facets"].items()}
        return Response({
            "total": page.total, "results": body["hits"], "facets": facets,
            "next": page_link(request, page.page + 1) if page.page < page.pages else None,
            "previous": page_link(request, page.page - 1) if page.page > 1 else None})
