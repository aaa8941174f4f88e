"""Errors as RFC 9457 problem details (``application/problem+json``), for every API answer.

``exception_handler`` (DRF's ``EXCEPTION_HANDLER``) turns each refusal raised in a view into
``{"type", "title", "status", "detail"}`` (and ``errors`` for field-level validation), an
unexpected exception into a logged 500 that says nothing of its cause, and keeps the
headers HTTP wants (``WWW-Authenticate`` on 401, ``Retry-After`` on 429, ``Allow`` on 405).
``ApiProblemMiddleware`` (first in ``MIDDLEWARE``) does the same for what happens outside a
view under ``/api/``: an unknown path (404), a body over the size limit (413), a query
string too long (400), a server error before a view ran (500); whatever answer is an error
without a problem body gets one. The rules modules' errors map as the UI maps them:
``IncidentConflict`` → 409, ``ReviewRuleError`` → 403, other input errors → 400. To add a
kind of problem: an entry in ``TITLES`` and, for a new exception, a line in ``_status_of``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from rest_framework import exceptions
from rest_framework.response import Response

log = logging.getLogger(__name__)
PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"
TYPE_BASE = "https://raqib.example/problems/"  # stable identifiers, documented in docs/api.md
TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Request not understood"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Changed since you read it"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    416: ("range-not-satisfiable", "Range not satisfiable"),
    422: ("unprocessable", "Could not be done"),
    429: ("throttled", "Too many requests"),
    500: ("server-error", "Server error"),
    503: ("unavailable", "Service unavailable"),
}
KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow", "Content-Range")


def problem(status: int, detail: str = "", **extra: Any) -> dict[str, Any]:
    """The problem document for ``status`` (``detail`` one sentence for the caller)."""
    slug, title = TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem_response(status: int, detail: str = "", **extra: Any) -> HttpResponse:
    """A plain Django response holding a problem document (outside DRF's views)."""
    return HttpResponse(json.dumps(problem(status, detail, **extra), ensure_ascii=False),
                        status=status, content_type=PROBLEM_TYPE)


def _status_of(exc: Exception) -> int | None:
    from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
    from django.http import Http404

    from index.base import BackendError, QueryError
    from review.alerts import AlertError
    from review.incidents import IncidentConflict, IncidentError, ReviewRuleError
    from review.persons import PersonError
    from review.tagging import TagError
    from review.watchlists import WatchlistError

    if isinstance(exc, IncidentConflict):
        return 409
    if isinstance(exc, ReviewRuleError | PermissionDenied):
        return 403
    if isinstance(exc, Http404):
        return 404
    if isinstance(exc, BackendError):
        return 503
    if isinstance(exc, IncidentError | PersonError | TagError | WatchlistError | AlertError
                  | QueryError | BadRequest | SuspiciousOperation):
        return 400
    return None


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested validation errors as ``[{"field", "message"}]``."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            out.extend(_flatten(value, f"{prefix}.{name}" if prefix and name else
                                prefix or name))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, str):
                out.extend(_flatten(value, f"{prefix}[{index}]"))
            else:
                out.append({"field": prefix, "message": str(value)})
        return out
    return [{"field": prefix, "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's exception handler: every refusal as a problem document."""
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.APIException):
        status = exc.status_code
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            status, detail = 401, "Send a valid personal access token in the Authorization header."
            view = context.get("view")
            request = context.get("request")
            if view is not None and request is not None:
                header = view.get_authenticate_header(request)
                if header:
                    headers["WWW-Authenticate"] = header
        elif isinstance(exc, exceptions.ValidationError):
            errors = _flatten(exc.detail)
            detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                               for e in errors)
            return Response(problem(400, detail, errors=errors), status=400,
                            content_type=PROBLEM_TYPE)
        else:
            detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else ""
        if isinstance(exc, exceptions.Throttled):
            wait = int(exc.wait or 1) + (0 if float(exc.wait or 1).is_integer() else 1)
            headers["Retry-After"] = str(max(1, wait))
            detail = f"Rate limit reached; retry after {headers['Retry-After']} seconds."
        if isinstance(exc, exceptions.MethodNotAllowed):
            view = context.get("view")
            if view is not None:
                headers["Allow"] = ", ".join(view.allowed_methods)
        return Response(problem(status, detail), status=status, headers=headers,
                        content_type=PROBLEM_TYPE)
    status = _status_of(exc)
    if status is None:
        log.exception("API view failed", exc_info=exc)
        return Response(problem(500, "The server could not answer; the error is logged."),
                        status=500, content_type=PROBLEM_TYPE)
    with translation.override("en"):  # problem details are English (rule errors translate)
        detail = {404: "No such resource, or it is not open to you.",
                  503: "The search backend failed; the server log has the details."}.get(
            status, str(exc))
    if status == 503:
        log.error("search backend failed: %s", exc)
    return Response(problem(status, detail), status=status, content_type=PROBLEM_TYPE)


class ApiProblemMiddleware:
    """Under ``/api/``, any error answer without a problem body gets one (status and the
    headers in ``KEPT_HEADERS`` kept); an exception that escaped is a logged 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except Exception:  # noqa: BLE001 - last line: nothing of the cause goes out
            log.exception("API request failed outside a view")
            return problem_response(500, "The server could not answer; the error is logged.")
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
                PROBLEM_TYPE):
            return response
        replaced = problem_response(response.status_code)
        for name in KEPT_HEADERS:
            if response.has_header(name):
                replaced[name] = response[name]
        if response.status_code >= 500:
            log.error("API answered %s for %s %s", response.status_code, request.method,
                      request.path)
        return replaced
