"""How an air date is shown, exported and counted: the one rule every surface calls.

A broadcast's air date is what the outlet printed (``Broadcast.aired_*``, see
``catalog.outlet_dates`` for how it is read):
- a ``day`` (no time printed) is that day, everywhere: never an instant, never moved by a
  zone ("٢٠ نيسان ٢٠٢١" is 20 April 2021 in the UI, CSV, JSON and evidence packages);
- a ``minute`` or ``second`` is an instant, shown in the outlet's zone (``aired_tz``) with
  its offset: "2021-04-20T21:30+03:00", "20 Apr 2021 21:30 +03:00";
- an unknown precision (an old row the migration could not recover) is shown as the instant
  it always was, in the outlet's zone with its offset, to the second.

``Broadcast.aired_date`` holds that day for every precision (the printed day, or the
instant's day in the outlet's zone), so a database filter by day is ``day_filter``.

``AirDate.of(obj)`` reads any object with the ``aired_*`` attributes (a ``Broadcast``, a
search ``Hit``); ``day()`` is the day to count it under (dashboard buckets, an incident's
first-aired day, retaliation latency); ``iso()`` the machine-readable value (JSON, CSV,
``<time datetime>``); ``fields()`` the JSON keys every export writes; ``local()`` the
instant in the outlet's zone for a reader-facing format (``review_ui.l10n.shown_aired``).
To add a form: a method here, called by the surfaces that need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from django.db.models import Q

from catalog.outlet_dates import DAY, MINUTE, zone_named

__all__ = ["DAY", "MINUTE", "AirDate", "day_filter"]


@dataclass(frozen=True)
class AirDate:
    instant: datetime | None  # aware; for a day, its first moment (for sorting only)
    precision: str  # "day", "minute", "second", or "" (unknown)
    printed_day: date | None  # the day on the outlet's calendar (for "day": as printed)
    zone: str  # the outlet's IANA zone ("" = UTC)
    raw: str  # the text as the outlet printed it

    @classmethod
    def of(cls, obj: Any) -> AirDate:
        """The air date of a ``Broadcast`` or anything with its ``aired_*`` attributes."""
        return cls(instant=getattr(obj, "aired_at", None),
                   precision=getattr(obj, "aired_precision", "") or "",
                   printed_day=getattr(obj, "aired_date", None),
                   zone=getattr(obj, "aired_tz", "") or "",
                   raw=getattr(obj, "aired_at_raw", "") or "")

    @property
    def known(self) -> bool:
        """True when there is a date to show (else show ``raw``, if any)."""
        return self.is_day or self.instant is not None

    @property
    def is_day(self) -> bool:
        return self.precision == DAY and self.printed_day is not None

    @property
    def tz(self) -> tzinfo:
        return zone_named(self.zone)

    def local(self) -> datetime | None:
        """The instant in the outlet's zone (None for a day: a day has no instant)."""
        if self.is_day or self.instant is None:
            return None
        instant = self.instant if self.instant.tzinfo else self.instant.replace(tzinfo=UTC)
        return instant.astimezone(self.tz)

    def day(self) -> date | None:
        """The day it aired: the printed day, or the instant's day in the outlet's zone."""
        if self.is_day:
            return self.printed_day
        local = self.local()
        return local.date() if local else self.printed_day

    def offset(self) -> str:
        """The outlet's UTC offset at the instant, "+03:00" ("" for a day or no date)."""
        local = self.local()
        return local.isoformat()[-6:] if local else ""

    def iso(self) -> str | None:
        """ISO 8601: "2021-04-20" for a day, "2021-04-20T21:30+03:00" for a minute,
        "2021-04-20T21:30:05+03:00" for a second (and an unknown precision); None: no date."""
        if self.is_day:
            return self.printed_day.isoformat()
        local = self.local()
        if local is None:
            return None
        return local.isoformat(timespec="minutes" if self.precision == MINUTE else "seconds")

    def fields(self) -> dict[str, Any]:
        """The keys every export writes: ``aired_at`` (``iso()``), ``aired_precision``
        (None when unknown), ``aired_at_utc`` (the instant, for sorting; None for a day),
        ``aired_tz`` and ``aired_at_raw``."""
        instant = None if self.is_day or self.instant is None else (
            self.instant.astimezone(UTC).isoformat())
        return {"aired_at": self.iso(), "aired_precision": self.precision or None,
                "aired_at_utc": instant, "aired_tz": self.zone or "UTC",
                "aired_at_raw": self.raw}


def day_filter(prefix: str, first: date | None, last: date | None) -> Q:
    """A filter for rows (``prefix`` leads to a broadcast: "" or "broadcast__") that aired
    from ``first`` to ``last`` (inclusive, either may be None) by the outlet's calendar;
    a row stored without ``aired_date`` falls back to the instant's UTC day."""
    by_day, by_instant = Q(), Q(**{f"{prefix}aired_date__isnull": True})
    if first:
        by_day &= Q(**{f"{prefix}aired_date__gte": first})
        by_instant &= Q(**{f"{prefix}aired_at__date__gte": first})
    if last:
        by_day &= Q(**{f"{prefix}aired_date__lte": last})
        by_instant &= Q(**{f"{prefix}aired_at__date__lte": last})
    return (by_day & Q(**{f"{prefix}aired_date__isnull": False})) | by_instant
