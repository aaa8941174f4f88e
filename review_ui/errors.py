"""Error pages that obey the UI's rules: the site's chrome, the page's language, no detail.

Every error the UI answers (400, 403, 404, 405, 413, 429, 500 and the CSRF failure) is
rendered by ``render_error`` through one template, ``review_ui/error.html``: the Raqib
header (with the navigation when the request carries a signed-in user), a title and one
sentence from ``ERRORS`` in the active language, and the status code kept. The
exception's own text is never shown (it may name a rule, a path or a file), nor the
requested path (the language switch returns to "/"), so a hidden record's 404 is the
same page as a missing one's but for the CSRF token. Django calls
``bad_request``/``permission_denied``/``page_not_found``/``server_error`` through the
``handlerNNN`` names in ``raqib/urls.py``; ``csrf_failure`` is named by
``CSRF_FAILURE_VIEW``; ``ErrorPagesMiddleware`` gives a bare 405 (``require_POST`` and
friends) the same page; ``RequestSizeLimitMiddleware`` renders its 400/413 with
``render_error(..., bare=True)``. To add a code: an entry in ``ERRORS`` (both catalogs)
and a caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

Handler = Callable[[HttpRequest], HttpResponse]

ERRORS: dict[int, tuple[Any, Any]] = {
    400: (_("Request not understood"),
          _("The request could not be understood. Go back and try again.")),
    403: (_("Not allowed"),
          _("Your role does not allow this page or this action.")),
    404: (_("Page not found"),
          _("There is no page at this address, or it is not open to you.")),
    405: (_("Action not possible here"),
          _("This page does not accept that kind of request. Use the page's own buttons.")),
    413: (_("Request too large"),
          _("What was sent is larger than the site accepts.")),
    429: (_("Too many attempts"),
          _("Too many attempts in a short time. Wait a while and try again.")),
    500: (_("Something went wrong"),
          _("The site could not answer this request. The error has been logged; "
            "try again later or tell an administrator.")),
}


def render_error(request: HttpRequest | None, status: int, message: Any = None, *,
                 title: Any = None, bare: bool = False) -> HttpResponse:
    """The error page for ``status`` in the active language. ``bare``: render without the
    request (no session, user or database is touched: the 500 page, a refused body)."""
    default_title, sentence = ERRORS.get(status, ERRORS[400])
    context = {"status": status, "error_title": title if title is not None else default_title,
               "error_message": message if message is not None else sentence}
    html = loader.render_to_string("review_ui/error.html", context,
                                   None if bare else request)
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a malformed request (bad Host header, suspicious operation)."""
    return render_error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: the role does not reach this page or action."""
    return render_error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: no such page, or a record the user may not see."""
    return render_error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: rendered bare, so a broken database or session cannot break it."""
    return render_error(request, 500, bare=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A 403 for a form sent without a valid CSRF token (expired page, cookies off)."""
    return render_error(request, 403, title=_("Form not accepted"), message=_(
        "The page expired or cookies are disabled (CSRF check failed). Reload the page "
        "and try again."))


def refused_body(request: HttpRequest, status: int) -> HttpResponse:
    """The 400/413 of ``RequestSizeLimitMiddleware``, before sessions and language run:
    rendered bare in the language the cookie (or the default) names."""
    from review_ui.i18n import chosen_language

    with translation.override(chosen_language(request)):
        response = render_error(request, status, bare=True)
    response.headers["Content-Language"] = chosen_language(request)
    return response


class ErrorPagesMiddleware:
    """Give a bare 405 (empty body from ``require_http_methods``) the error page; the
    ``Allow`` header stays."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            page = render_error(request, 405)
            if response.has_header("Allow"):
                page.headers["Allow"] = response.headers["Allow"]
            return page
        return response
