"""Security middleware of the review UI: strict response headers and login everywhere.

``SecurityHeadersMiddleware`` adds a strict Content-Security-Policy (no inline script or
style, no third-party origin), Referrer-Policy and Permissions-Policy, and keeps private
pages and media out of every cache. ``LoginRequiredEverywhereMiddleware`` sends every
anonymous request to the login page except the paths in ``PUBLIC_PREFIXES``; it is a
second line of defence behind each view's own ``role_required`` check. To open a new
public path (think twice): add its prefix to ``PUBLIC_PREFIXES``.

Four guards stand before everything else (first in ``MIDDLEWARE``):
``ProxyHeadersMiddleware`` keeps X-Forwarded-* only from the configured TLS proxy;
``HeadWithoutBodyMiddleware`` answers HEAD with the headers of the GET and no body (a
body on HEAD desynchronises keep-alive connections through a pooling proxy);
``RequestSizeLimitMiddleware`` refuses, unread, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(413) and a query string or Range header too long to be honest (400), both as the UI's
error page (``review_ui.errors``);
``BidiNeutralisingMiddleware`` replaces bidi embedding, override and isolate controls in
every HTML page by U+FFFD, wherever the text sits (text, attributes, options, echoed form
values), so no captured or typed text can reorder what a reviewer reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from review_ui.errors import refused_body

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_REPLACEMENT = "\ufffd"
MAX_QUERY_STRING = 8192  # bytes; the search box takes 500 characters
MAX_RANGE_HEADER = 200

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
REFERRER_POLICY = "same-origin"

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """Add CSP, Referrer-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        ctype = response.headers.get("Content-Type", "")
        if ctype.startswith(("text/html", "video/", "audio/", "application/octet-stream")) \
                or response.has_header("Content-Range") or response.has_header("Accept-Ranges"):
            # Transcripts and footage of detainees: never kept in any cache, shared or not.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


PROXY_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")


class ProxyHeadersMiddleware:
    """Drop X-Forwarded-* unless Raqib runs behind the TLS proxy (``web.tls_proxy``) and,
    when ``web.proxy_addresses`` is set, the request comes from one of those addresses."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts.passwords import from_proxy

        if not settings.TLS_PROXY or (settings.PROXY_ADDRESSES and not from_proxy(request)):
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class HeadWithoutBodyMiddleware:
    """HEAD gets the GET's status and headers (Content-Length included) and no body."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            # The file stays registered for closing; the server sends nothing of it.
            response.streaming_content = iter(())
        else:
            if not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            response.content = b""
        return response


class RequestSizeLimitMiddleware:
    """413 for a declared body over the limit (never read), 400 for absurd headers."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or len(declared) > 18:
            return refused_body(request, 400)
        if limit is not None and int(declared) > limit:
            response = refused_body(request, 413)
            response.headers["Connection"] = "close"
            return response
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING \
                or len(request.META.get("HTTP_RANGE", "")) > MAX_RANGE_HEADER:
            return refused_body(request, 400)
        return self.get_response(request)


class BidiNeutralisingMiddleware:
    """Replace bidi embedding/override/isolate controls in HTML responses by U+FFFD."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.streaming or not response.headers.get(
                "Content-Type", "").startswith("text/html"):
            return response
        charset = response.charset or "utf-8"
        text = response.content.decode(charset, errors="replace")
        if BIDI_CONTROLS.search(text):
            response.content = BIDI_CONTROLS.sub(BIDI_REPLACEMENT, text).encode(charset)
            if response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
        return response


def public_prefixes() -> tuple[str, ...]:
    """Paths an anonymous visitor may reach: the login page, the language switch (a POST
    that only sets the language cookie) and static files; and the HTTP API, which
    authenticates each request by its own token (``api.authentication``) and refuses
    everything undeclared (``api.permissions``), never by the session."""
    return ("/login/", "/language/", settings.STATIC_URL or "/static/", "/api/")


class LoginRequiredEverywhereMiddleware:
    """Redirect anonymous requests to ``/login/?next=...`` except for public paths."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.public = public_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.public) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
