"""The crawler's side of air dates: a source's zone and the air-date fields of an item.

The parser itself lives in ``catalog.outlet_dates`` (the migration that recovered old rows'
days needs it, and the catalog imports nothing above it); it is re-exported here so the
crawler's modules and tests have one place to import from. ``air_fields`` turns the text an
outlet printed into the ``DiscoveredItem`` fields the pipeline stores: the instant, the
precision, the printed day, the zone it was read in and the text itself.

To add a format, see ``catalog.outlet_dates``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from catalog.outlet_dates import (
    DAY,
    MINUTE,
    MONTHS,
    PRECISIONS,
    SECOND,
    AirDateParse,
    fold,
    local_instant,
    normalise_digits,
    parse_air_date,
    parse_aired_at,
    source_timezone,
    zone_named,
)

__all__ = ["DAY", "MINUTE", "MONTHS", "PRECISIONS", "SECOND", "AirDateParse", "air_fields",
           "exact_fields", "fold", "local_instant", "normalise_digits", "parse_air_date",
           "parse_aired_at", "source_timezone", "zone_name", "zone_named"]


def zone_name(source: dict[str, Any]) -> str:
    """The source's IANA zone name as stored beside each air date ("" for UTC)."""
    name = str(source.get("timezone") or "")
    return name if name and zone_named(name) is not UTC else ""


def air_fields(raw: str, source: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """``DiscoveredItem`` keyword arguments for the printed date ``raw`` of an item of
    ``source``: ``aired_at``, ``aired_at_raw``, ``aired_precision``, ``aired_date``,
    ``aired_tz``; ``aired_date`` is the day on the outlet's calendar (for a date without a
    time, the printed day). Unreadable text keeps only ``aired_at_raw``."""
    zone: tzinfo = source_timezone(source)
    parsed = parse_air_date(raw, zone, now=now)
    if parsed is None:
        return {"aired_at": None, "aired_at_raw": raw}
    return {"aired_at": parsed.instant, "aired_at_raw": raw,
            "aired_precision": parsed.precision,
            "aired_date": parsed.day,
            "aired_tz": zone_name(source)}


def exact_fields(instant: datetime, raw: str, source: dict[str, Any]) -> dict[str, Any]:
    """The fields of an instant known to the second (a Unix timestamp, a recording's
    clock), shown in the source's zone."""
    return {"aired_at": instant.astimezone(UTC), "aired_at_raw": raw,
            "aired_precision": SECOND,
            "aired_date": instant.astimezone(source_timezone(source)).date(),
            "aired_tz": zone_name(source)}
