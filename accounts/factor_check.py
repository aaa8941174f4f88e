"""The second factor of a session, checked on every request with one plain SQL statement.

django-otp keeps the device that verified a session in the session (its persistent id,
``otp_totp.totpdevice/7``) and its ``OTPMiddleware`` loads that device through the ORM on
every request to check that it still exists, still belongs to the user and is still
confirmed. Building that statement was about 6 % of a search page's Python (issue 26).
``FactorCheckMiddleware`` (in ``MIDDLEWARE`` in its place) makes the same three checks
against the database on every request, as one prepared ``SELECT 1`` per device model: a
device deleted (``remove_factor``, ``reset_second_factor``, a new authenticator replacing
it, even a direct write to the table), unconfirmed or given to someone else stops
verifying the session at its next request, exactly as before. Nothing is kept between
requests. ``user.otp_device`` is the device itself, read only if something uses it
(``django_otp.login`` at sign-in does; ``is_verified()`` does not). A persistent id that
names no device model is no factor. To add a kind of device: nothing here, as long as its
model is a django-otp ``Device`` (with ``user`` and ``confirmed``).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

_STATEMENTS: dict[type[Any], str] = {}


def _device_model(persistent_id: str) -> tuple[type[Any], int] | None:
    """The device model and primary key a persistent id names, or None."""
    try:
        label, pk = persistent_id.rsplit("/", 1)
        model = apps.get_model(*label.split("."))
        return (model, int(pk)) if issubclass(model, Device) else None
    except (ValueError, LookupError, TypeError):
        return None


def _statement(model: type[Any]) -> str:
    sql = _STATEMENTS.get(model)
    if sql is None:
        meta, quote = model._meta, connection.ops.quote_name
        sql = (
            f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s "
            f"AND {quote(meta.get_field('user').column)} = %s "
            f"AND {quote(meta.get_field('confirmed').column)} = %s"
        )
        _STATEMENTS[model] = sql
    return sql


def device_verifies(model: type[Any], pk: int, user_id: Any) -> bool:
    """True when the device exists now, belongs to the user and is confirmed."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(model), [pk, user_id, True])
        return cursor.fetchone() is not None


class FactorCheckMiddleware(OTPMiddleware):
    """django-otp's ``OTPMiddleware`` with the device check as one plain statement."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        self._init_user_fields(user)
        if not user.is_authenticated:
            return user
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        named = (
            _device_model(self._normalize_persistent_id(persistent_id)) if persistent_id else None
        )
        if named is not None and device_verifies(named[0], named[1], user.pk):
            model, pk = named
            user.otp_device = SimpleLazyObject(lambda: model.objects.get(pk=pk))
        elif DEVICE_ID_SESSION_KEY in request.session:  # as django-otp: forget a dead one
            del request.session[DEVICE_ID_SESSION_KEY]
        return user
