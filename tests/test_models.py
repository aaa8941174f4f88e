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


def test_a_broadcast_custody_rows_name_is_not_deleted() -> None:
    """Custody rows name broadcasts without a database constraint (merged duplicates keep
    their old id, catalog.sightings); the catalog refuses to delete one they name."""
    source = make_source()
    b = Broadcast.objects.create(source=source, outlet=source.outlet, external_id="1",
                                 url="https://x.test/1")
    CustodyEvent.objects.create(action="captured", actor="t", broadcast=b)
    with pytest.raises(PermissionError), transaction.atomic():
        b.delete()
    with pytest.raises(PermissionError), transaction.atomic():
        Broadcast.objects.filter(pk=b.pk).delete()
    assert Broadcast.objects.filter(pk=b.pk).exists()
