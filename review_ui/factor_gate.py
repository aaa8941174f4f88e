"""The gate of the second factor: a user signed in with a password only reaches nothing but
the second-factor pages (the rules of who must pass it are ``accounts.twofactor``).

``SecondFactorRequiredMiddleware`` sends such a user to the token step when they have a
confirmed device, to the invite-code page otherwise (a first factor is enrolled only with
an admin's invite); every other page answers with a redirect there. To open another page
before the second factor: add its URL to ``open_paths`` below (never a page with data).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.twofactor import has_factor, needs_second_factor

Handler = Callable[[HttpRequest], HttpResponse]
# The pages of the step itself besides the token and invite pages: enrolment (each view
# checks the invite) and the passkey ceremonies (each checks what waits for it).
FACTOR_STEP = ("totp_setup", "logout", "passkey_add", "passkey_register_begin",
               "passkey_register_complete", "passkey_auth_begin", "passkey_auth_complete",
               "passkey_js_catalog")


def _verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


class SecondFactorRequiredMiddleware:
    """A user who needs the second factor and has not passed it reaches only the
    second-factor pages (exactly those paths), logout and static files; anything else
    redirects to the right step: the token when they have a factor, else the invite code."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path.startswith("/api/"):  # token-authenticated: no session user there
            return self.get_response(request)
        if user is None or not needs_second_factor(user) or _verified(request):
            return self.get_response(request)
        verify, enrol = reverse("review_ui:login_2fa"), reverse("review_ui:enrol")
        open_paths = (verify, enrol, *(reverse(f"review_ui:{name}") for name in FACTOR_STEP),
                      settings.STATIC_URL or "/static/")
        if request.path in open_paths or request.path.startswith(open_paths[-1]):
            return self.get_response(request)
        target = verify if has_factor(user) else enrol
        nxt = request.get_full_path()
        if request.method == "GET" and nxt not in ("/", reverse("review_ui:login")):
            target = f"{target}?{urlencode({'next': nxt})}"
        return HttpResponseRedirect(target)
