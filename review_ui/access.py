"""Who may open each view of the review UI: the view decorators (the roles themselves are
``accounts.roles``).

Every view checks the role on the server with ``role_required(minimum)``; templates may
hide links, but hiding is never the check. Every view declares who may open it (the
authorization matrix test fails on one that does not): ``role_required(minimum)``,
``signed_in_view`` (any signed-in user, even with no role: their own account pages) or
``public_view`` (the login page). Sensitive actions (admin changes, evidence exports) add
``recent_auth_required`` under the role check: the user must have typed their password
within ``REAUTH_SECONDS``; changes of a second factor add ``step_up_required`` (password
and a current factor, through the re-authentication page, within
``accounts.sessions.STEP_UP_SECONDS``). To add a kind of check: a decorator here that
sets ``minimum_role`` (or another attribute the matrix test reads).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.roles import RANK, ROLES, has_role


def role_required(minimum: str) -> Callable[[Callable[..., HttpResponse]],
                                            Callable[..., HttpResponse]]:
    """View decorator: anonymous users go to the login page; too low a role gets 403."""
    if minimum not in RANK:
        raise ValueError(f"unknown role {minimum!r}; roles are {', '.join(ROLES)}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, minimum):
                raise PermissionDenied(f"this page needs the {minimum} role or higher")
            return view(request, *args, **kwargs)

        wrapped.minimum_role = minimum  # type: ignore[attr-defined]  # lets tests audit views
        return wrapped

    return decorator


def public_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Declare a view open to anonymous visitors (its path must also be in
    ``middleware.public_prefixes``)."""
    view.minimum_role = "public"  # type: ignore[attr-defined]
    return view


def signed_in_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: any signed-in user (whatever their role); anonymous: login page."""
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.minimum_role = "signed-in"  # type: ignore[attr-defined]
    return wrapped


def recent_auth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator for sensitive actions: a user whose last password entry is older
    than ``settings.REAUTH_SECONDS`` is sent to the re-authentication page first (a GET
    comes back afterwards; a POST is refused there and must be sent again). Put it under
    ``role_required``: ``@role_required("admin")`` then ``@recent_auth_required``."""
    from django.conf import settings

    from accounts.sessions import seconds_since_password

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if seconds_since_password(request) > settings.REAUTH_SECONDS:
            back = request.get_full_path() if request.method == "GET" else request.path
            return HttpResponseRedirect(
                f"{reverse('review_ui:reauth')}?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    wrapped.recent_auth = True  # type: ignore[attr-defined]
    return wrapped


def step_up_redirect(request: HttpRequest) -> HttpResponse | None:
    """None when the session stepped up (password and a current second factor on the
    re-authentication page) within ``accounts.sessions.STEP_UP_SECONDS``; else the redirect
    there (a GET comes back afterwards; a POST must be sent again)."""
    from accounts.sessions import has_recent_step_up

    if has_recent_step_up(request):
        return None
    return HttpResponseRedirect(f"{reverse('review_ui:reauth')}?"
                                f"{urlencode({'next': _come_back_to(request)})}")


def _come_back_to(request: HttpRequest) -> str:
    """Where the re-authentication page sends the user back: the page itself for a GET;
    for a POST, the form's own ``next`` when it is a path of this site (the page the form
    was on), else the POST's path."""
    if request.method == "GET":
        return request.get_full_path()
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return request.path


def step_up_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator for changes of a second factor: a recent step-up first (see
    ``step_up_redirect``). Put it under the access declaration."""
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return step_up_redirect(request) or view(request, *args, **kwargs)

    wrapped.step_up = True  # type: ignore[attr-defined]
    return wrapped


def factor_change_refusal(request: HttpRequest) -> str | None:
    """``accounts.twofactor.change_refusal`` for this request's user and session: None
    when they may enrol or change a factor now, else "enrol", "verify" or "step-up"."""
    from accounts import invites, twofactor
    from accounts.sessions import has_recent_step_up

    check = getattr(request.user, "is_verified", None)
    held = invites.held_invite(request.user, request.session.get(invites.INVITE_SESSION_KEY))
    return twofactor.change_refusal(request.user, verified=bool(check and check()),
                                    invite_held=held is not None,
                                    stepped_up=has_recent_step_up(request))


def factor_change_redirect(request: HttpRequest) -> HttpResponse | None:
    """None when the user may enrol or change a factor now; else the redirect to what
    they must do first: the invite code, the second-factor step, or the re-authentication
    page (a GET comes back afterwards; a POST must be sent again)."""
    refusal = factor_change_refusal(request)
    if refusal is None:
        return None
    if refusal == "enrol":
        return HttpResponseRedirect(reverse("review_ui:enrol"))
    if refusal == "verify":
        return HttpResponseRedirect(reverse("review_ui:login_2fa"))
    return HttpResponseRedirect(f"{reverse('review_ui:reauth')}?"
                                f"{urlencode({'next': _come_back_to(request)})}")
