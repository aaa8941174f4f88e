"""Security middleware of the review UI: strict response headers and login everywhere.

``SecurityHeadersMiddleware`` adds a strict Content-Security-Policy (no inline script or
style, no third-party origin), Referrer-Policy and Permissions-Policy, and keeps private
pages out of shared caches. ``LoginRequiredEverywhereMiddleware`` sends every anonymous
request to the login page except the paths in ``PUBLIC_PREFIXES``; it is a second line
of defence behind each view's own ``role_required`` check. To open a new public path
(think twice): add its prefix to ``PUBLIC_PREFIXES``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

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
        if response.headers.get("Content-Type", "").startswith("text/html"):
            # Transcripts of detainees are sensitive: never keep them in a shared cache.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


def public_prefixes() -> tuple[str, ...]:
    """Paths an anonymous visitor may reach: the login page and static files."""
    return ("/login/", settings.STATIC_URL or "/static/")


class LoginRequiredEverywhereMiddleware:
    """Redirect anonymous requests to ``/login/?next=...`` except for public paths."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.public = public_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.public) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
