"""What every API view shares: the order of checks, the query-string rules and helpers.

``ApiView.initial`` runs, in order: a credential in the URL → 400 (before anything else, so
the token is never tried); a method the route does not take → 405; then DRF's
authentication (401), the view's ``access`` declaration (403, ``api.permissions``) and the
per-token throttle (429); then the query
parameters against the view's ``query_serializer``: an unknown or repeated parameter, or an
invalid value, → 400. ``body(serializer_class)`` reads a strict JSON body. To add a query
parameter: a field in the view's query serializer (it joins the OpenAPI document).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import MethodNotAllowed, ParseError, ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from api.authentication import query_token
from api.pagination import MAX_PAGE_SIZE

MAX_ID = 2**63 - 1
LIST_PARAMS = ("cursor", "page_size")


class NoQuery(serializers.Serializer):
    """No query parameters."""


class ListQuery(serializers.Serializer):
    """The paging parameters of every list."""

    cursor = serializers.CharField(required=False, max_length=200,
                                   help_text="from the previous answer's next/previous")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class ApiView(APIView):
    """The base of every API view (see the module's docstring)."""

    access: Any = None
    # no OPTIONS (its metadata would be a second, unchecked description of the API)
    http_method_names = ["get", "post", "patch", "delete", "head"]
    query_serializer: type[serializers.Serializer] = NoQuery
    query: dict[str, Any]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if query_token(request):
            raise ParseError("Tokens go in the Authorization header, never in the URL.")
        if not hasattr(self, request.method.lower()):
            raise MethodNotAllowed(request.method)  # the route's shape, before any credential
        super().initial(request, *args, **kwargs)
        self.query = self.read_query(request)

    def read_query(self, request: Request) -> dict[str, Any]:
        serializer = self.query_serializer(data={})
        allowed = set(serializer.fields)
        errors: dict[str, list[str]] = {}
        values: dict[str, str] = {}
        for name, given in request.query_params.lists():
            if name not in allowed:
                errors[name] = ["unknown parameter"]
            elif len(given) > 1:
                errors[name] = ["give it once"]
            else:
                values[name] = given[0]
        if errors:
            raise ValidationError(errors)
        serializer = self.query_serializer(data=values)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def body(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def object_id(value: int) -> int:
    """A path id, or 404 when no database row can have it."""
    if not 0 < int(value) <= MAX_ID:
        raise Http404("no such object")
    return int(value)
