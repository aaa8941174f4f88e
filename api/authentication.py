"""Who is calling: a personal access token in ``Authorization: Bearer <token>``, nothing else.

``BearerTokenAuthentication`` hands the raw token to ``accounts.tokens.authenticate`` (which
checks its hash, expiry and revocation, and records last use and a new address). Any
rejection, whatever the reason, is the same 401 with no detail, so a caller cannot tell a
wrong token from an expired or revoked one. There is no session authentication on the API:
a browser's session cookie is ignored, so CSRF cannot reach a state change here. A token
put in the URL is refused before anything else (``query_token``: 400), since URLs end up in
logs, histories and Referer headers. To accept another credential: another authentication
class in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]`` (think twice).
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

REALM = 'Bearer realm="raqib-api"'
TOKEN_SHAPE = re.compile(r"raqib_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")
# Query parameter names that mean "a credential"; their presence alone is refused.
CREDENTIAL_PARAMS = re.compile(r"^(access_?token|token|api_?key|key|bearer|auth(orization)?"
                               r"|secret|password)$", re.IGNORECASE)


class NotAuthenticated(AuthenticationFailed):
    """A missing, malformed, unknown, expired or revoked token: one answer for all."""

    default_detail = "Authentication credentials were missing or not accepted."


def query_token(request: Any) -> bool:
    """True when the query string carries something that looks like a credential: a
    parameter named like one, or a value that the token module would try as a token."""
    params = getattr(request, "query_params", None) or request.GET
    for name, values in params.lists():
        if CREDENTIAL_PARAMS.match(name):
            return True
        if any(looks_like_token(value) for value in values):
            return True
    return False


def looks_like_token(value: str) -> bool:
    """True for a value holding a personal access token (``raqib_<key id>_<secret>``,
    ``accounts.tokens``), anywhere in it."""
    return bool(TOKEN_SHAPE.search(value))


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` → (the token's user, the token)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw or " " in raw or len(raw) > 512:
            raise NotAuthenticated()
        from accounts.passwords import client_address
        from accounts.tokens import TokenRejected, authenticate

        try:
            token = authenticate(raw, client_address(request._request))
        except TokenRejected:
            raise NotAuthenticated() from None
        user = token.user
        if not user.is_active:
            raise NotAuthenticated()
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return REALM
