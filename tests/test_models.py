"""Catalog invariants: keys that make retries idempotent, and the append-only custody log."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Broadcast, CustodyEvent, Outlet, Source

pytestmark = pytest.mark.django_db


def make_source() -> Source:
    outlet = Outlet.objects.create(name="سما")
    return Source.objects.create(name="sama", outlet=outlet, kind="site")


def test_custody_events_are_append_only() -> None:
    event = CustodyEvent.objects.create(action="captured", actor="raqib-worker@test",
                                        sha256="0" * 64)
    event.details = {"edited": True}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert CustodyEvent.objects.get(pk=event.pk).details == {}


def test_a_broadcast_is_keyed_by_source_and_external_id() -> None:
    source = make_source()
    fields = {"source": source, "outlet": source.outlet, "external_id": "https://x.test/1",
              "url": "https://x.test/1"}
    Broadcast.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Broadcast.objects.create(**fields)
    assert Broadcast.objects.count() == 1
