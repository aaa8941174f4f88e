"""Passwords, user names and the login backend of the review UI.

``VarietyValidator`` completes Django's validators (``AUTH_PASSWORD_VALIDATORS``): a
password of ten spaces or one character repeated passes a length check but not this.
``check_username`` refuses names with markup or bidi controls (a name is shown in every
page header and in the audit log). ``AxesLoginBackend`` is django-axes' backend, consulted
for every login the web UI handles; ``client_address`` is the address axes counts failures
under (the proxy's X-Forwarded-For only when the request came from a configured proxy).
To add a rule for passwords: a validator class here, listed in ``raqib/settings.py``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.http import HttpRequest

MIN_DISTINCT_CHARACTERS = 5
USERNAME_MAX_LENGTH = 150


class VarietyValidator:
    """Refuse passwords that are only white space or have too few different characters."""

    def validate(self, password: str, user: Any = None) -> None:
        if not password.strip():
            raise ValidationError("This password is only white space.", code="password_blank")
        if len(set(password)) < MIN_DISTINCT_CHARACTERS:
            raise ValidationError(
                f"This password has fewer than {MIN_DISTINCT_CHARACTERS} different characters.",
                code="password_too_uniform")

    def get_help_text(self) -> str:
        return (f"Your password must not be only white space and must hold at least "
                f"{MIN_DISTINCT_CHARACTERS} different characters.")


def check_username(name: str) -> str:
    """The user name if it is acceptable (letters, digits and . @ + - _ only, which leaves
    out markup, spaces and every bidi or other invisible control); ValidationError if not."""
    if not name or len(name) > USERNAME_MAX_LENGTH:
        raise ValidationError(f"a user name has 1 to {USERNAME_MAX_LENGTH} characters")
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError as exc:
        raise ValidationError(
            f"user name {name!r} refused: only letters, digits and . @ + - _ are allowed "
            "(no spaces, markup or direction controls)") from exc
    return name


class AxesLoginBackend(AxesStandaloneBackend):
    """django-axes' check for every login that comes with a request (the web UI's).

    Code that authenticates without a request (the Django test client's ``login``, a
    management command) has no address to throttle; axes would refuse it outright, so this
    backend steps aside there and ``ModelBackend`` checks the password alone.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _in_proxies(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.PROXY_ADDRESSES:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def from_proxy(request: HttpRequest) -> bool:
    """True when the request's peer is one of ``web.proxy_addresses``."""
    return _in_proxies(request.META.get("REMOTE_ADDR", ""))


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the last X-Forwarded-For hop when REMOTE_ADDR
    is one of ``web.proxy_addresses`` (a client can prepend anything, never append)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and _in_proxies(remote):
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            return remote
    return remote
