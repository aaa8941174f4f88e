"""Values read by plain SQL, converted as the ORM would give them.

The hot reads written as plain statements (``catalog.reads``, ``catalog.sightings``,
``index.hits``) get what the database driver returns: SQLite gives datetimes and dates as
text, PostgreSQL as Python objects. These turn either into what the model field would
give. To add a field type: one function here, tested through a read that uses it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.utils.dateparse import parse_datetime


def aware_datetime(value: object) -> datetime | None:
    """A DateTimeField value as the ORM gives it: aware, UTC when stored naive."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    return parsed.replace(tzinfo=UTC) if parsed and parsed.tzinfo is None else parsed


def day(value: object) -> date | None:
    """A DateField value as the ORM gives it."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
