"""Session lifetime, re-authentication stamps and the login audit trail.

A session records when its user logged in (``LOGIN_AT``), last typed their password
(``AUTH_AT``) and last stepped up (``STEP_UP_AT``: password and a current second factor,
both entered on the re-authentication page, never at login; with a passkey, the password
first, then the passkey within ``PASSKEY_STEP_SECONDS``: ``stamp_password_for_passkey``,
``complete_passkey_step``). ``SessionLimitsMiddleware`` ends a session
``SESSION_ABSOLUTE_SECONDS`` after its login however busy it was, and one left unused for
the idle timeout (``SESSION_COOKIE_AGE``): the session's last activity (``SEEN_AT``) is
written at most once every ``SESSION_ACTIVITY_SECONDS`` (a minute), not on every request
(issue 26: the write was a fixed cost of every page), and whenever the session is written
for another reason; each write also renews the row's and the cookie's expiry to
``SEEN_AT`` plus the timeout. A session is refused once ``SEEN_AT`` is more than the timeout
ago, so it ends at most ``SESSION_ACTIVITY_SECONDS`` before the timeout after its last
request, never after.
``review_ui.access.recent_auth_required`` reads ``AUTH_AT``;
``review_ui.access.step_up_required`` (changes of a second factor) reads ``STEP_UP_AT``,
valid ``STEP_UP_SECONDS``. The receivers (connected in ``accounts.apps``) stamp a login
and log every login, logout and failed login (name and address, never the password) to
the ``raqib.auth`` logger; django-axes keeps the same in its tables (``AccessLog``,
``AccessFailureLog``: who, from where, when). Account changes (enrolment, password,
deactivation) go to the custody log. ``end_sessions(user)`` deletes every session of a
user (``raqib users deactivate``, ``reset-2fa``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

LOGIN_AT = "raqib_login_at"
SEEN_AT = "raqib_seen_at"
AUTH_AT = "raqib_auth_at"
STEP_UP_AT = "raqib_step_up_at"
STEP_UP_SECONDS = 5 * 60  # a factor change within 5 minutes of password + current factor
PASSKEY_STEP_AT = "raqib_passkey_step_at"
PASSKEY_STEP_SECONDS = 2 * 60  # the passkey must follow the password within 2 minutes
log = logging.getLogger("raqib.auth")

Handler = Callable[[HttpRequest], HttpResponse]


def stamp_password_entry(request: HttpRequest) -> None:
    """Note that the user has just typed their password (login or re-authentication)."""
    request.session[AUTH_AT] = time.time()


def seconds_since_password(request: HttpRequest) -> float:
    return time.time() - float(request.session.get(AUTH_AT, 0))


def stamp_step_up(request: HttpRequest) -> None:
    """Note that the user has just entered their password and a current second factor."""
    request.session[STEP_UP_AT] = time.time()


def has_recent_step_up(request: HttpRequest) -> bool:
    """True within ``STEP_UP_SECONDS`` of the last step-up of this session."""
    return time.time() - float(request.session.get(STEP_UP_AT, 0)) <= STEP_UP_SECONDS


def stamp_password_for_passkey(request: HttpRequest) -> None:
    """The password was right on the re-authentication page and a passkey is to follow:
    the step-up is complete only when the passkey answers within ``PASSKEY_STEP_SECONDS``
    (``passkey_step_pending``)."""
    request.session[PASSKEY_STEP_AT] = time.time()


def passkey_step_pending(request: HttpRequest) -> bool:
    """True within ``PASSKEY_STEP_SECONDS`` of a right password on the re-authentication
    page of this session, before its passkey answered."""
    return time.time() - float(request.session.get(PASSKEY_STEP_AT, 0)) <= PASSKEY_STEP_SECONDS


def complete_passkey_step(request: HttpRequest) -> None:
    """The passkey answered after the password: a step-up (the pending mark is spent)."""
    request.session.pop(PASSKEY_STEP_AT, None)
    stamp_step_up(request)


class SessionLimitsMiddleware:
    """End a session at the absolute timeout, sending the user back to the login page, and
    one idle past the idle timeout (as if it had expired: the request goes on signed out);
    note the session's activity at most once every ``SESSION_ACTIVITY_SECONDS``."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        now = time.time()
        seen = session.get(SEEN_AT)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = float(session.get(LOGIN_AT, 0))
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                log.info("session of %s ended at the absolute timeout", user.get_username())
                logout(request)
                return redirect_to_login(request.get_full_path())
            if seen is not None and now - float(seen) > settings.SESSION_COOKIE_AGE:
                log.info("session of %s ended at the idle timeout", user.get_username())
                logout(request)  # request.user is now anonymous: the login page follows
                seen = None
        response = self.get_response(request)
        due = seen is None or now - float(seen) >= settings.SESSION_ACTIVITY_SECONDS
        if (due or session.modified) and not session.is_empty():
            session[SEEN_AT] = now  # written (expiry renewed) by SessionMiddleware
        return response


def _address(request: HttpRequest | None) -> str:
    if request is None:
        return "(no request)"
    from accounts.passwords import client_address

    return client_address(request)


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[AUTH_AT] = now
    log.info("login of %s from %s", user.get_username(), _address(request))


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log.info("logout of %s from %s", user.get_username(), _address(request))


def on_login_failed(sender: Any, credentials: dict[str, Any],
                    request: HttpRequest | None = None, **kwargs: Any) -> None:
    name = str(credentials.get("username", ""))[:150]
    address = _address(request)
    log.warning("failed login for %r from %s", name, address)


def end_sessions(user: Any) -> int:
    """Delete every live session that belongs to the user; returns how many."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get("_auth_user_id") == str(user.pk) and BACKEND_SESSION_KEY in data:
            session.delete()
            ended += 1
    return ended
