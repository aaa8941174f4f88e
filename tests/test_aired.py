"""The one rule of how an air date is shown (``catalog.aired``) and its reader-facing form
(``review_ui.l10n.shown_aired``): a printed day stays that day whatever the zone; a time is
shown in the outlet's zone with its offset, to the precision it was printed with."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from catalog.aired import AirDate
from review_ui.l10n import shown_aired


def _air(instant: datetime | None, precision: str, day: date | None, zone: str,
         raw: str = "") -> AirDate:
    return AirDate.of(SimpleNamespace(aired_at=instant, aired_precision=precision,
                                      aired_date=day, aired_tz=zone, aired_at_raw=raw))


# (instant UTC, precision, stored day, zone) -> iso, day, offset, shown ar, shown en
CASES = [
    # A printed day, east and west of UTC and in UTC: the same day, no offset.
    ((datetime(2021, 4, 19, 21, 0, tzinfo=UTC), "day", date(2021, 4, 20), "Asia/Damascus"),
     "2021-04-20", date(2021, 4, 20), "", "20 نيسان 2021", "20 Apr 2021"),
    ((datetime(2021, 4, 19, 12, 0, tzinfo=UTC), "day", date(2021, 4, 20), "Pacific/Auckland"),
     "2021-04-20", date(2021, 4, 20), "", "20 نيسان 2021", "20 Apr 2021"),
    ((datetime(2021, 4, 20, 4, 0, tzinfo=UTC), "day", date(2021, 4, 20), "America/New_York"),
     "2021-04-20", date(2021, 4, 20), "", "20 نيسان 2021", "20 Apr 2021"),
    # A time: in the outlet's zone with its offset.
    ((datetime(2021, 4, 20, 18, 30, tzinfo=UTC), "minute", date(2021, 4, 20), "Asia/Damascus"),
     "2021-04-20T21:30+03:00", date(2021, 4, 20), "+03:00", "20 نيسان 2021، 21:30",
     "20 Apr 2021, 21:30"),
    ((datetime(2021, 4, 21, 1, 30, 5, tzinfo=UTC), "second", date(2021, 4, 20),
      "America/New_York"),
     "2021-04-20T21:30:05-04:00", date(2021, 4, 20), "-04:00", "20 نيسان 2021، 21:30:05",
     "20 Apr 2021, 21:30:05"),
    ((datetime(2021, 4, 19, 20, 0, tzinfo=UTC), "minute", date(2021, 4, 20), "Pacific/Auckland"),
     "2021-04-20T08:00+12:00", date(2021, 4, 20), "+12:00", "20 نيسان 2021، 08:00",
     "20 Apr 2021, 08:00"),
    # Unknown precision (an old row not recovered): the instant, to the second, in its zone.
    ((datetime(2021, 4, 19, 21, 0, tzinfo=UTC), "", date(2021, 4, 20), "Asia/Damascus"),
     "2021-04-20T00:00:00+03:00", date(2021, 4, 20), "+03:00", "20 نيسان 2021، 00:00:00",
     "20 Apr 2021, 00:00:00"),
    # No zone: UTC.
    ((datetime(2021, 4, 20, 18, 30, tzinfo=UTC), "minute", None, ""),
     "2021-04-20T18:30+00:00", date(2021, 4, 20), "+00:00", "20 نيسان 2021، 18:30",
     "20 Apr 2021, 18:30"),
]


@pytest.mark.parametrize(("stored", "iso", "day", "offset", "ar", "en"), CASES)
def test_the_air_date_rule(stored: tuple, iso: str, day: date, offset: str, ar: str,
                           en: str) -> None:
    air = _air(*stored)
    assert (air.iso(), air.day(), air.offset()) == (iso, day, offset)
    with translation.override("ar"):
        assert shown_aired(air) == ar
    with translation.override("en"):
        assert shown_aired(air) == en


def test_export_fields_of_a_day_and_of_a_time() -> None:
    day = _air(datetime(2021, 4, 19, 21, tzinfo=UTC), "day", date(2021, 4, 20),
               "Asia/Damascus", "٢٠ نيسان ٢٠٢١")
    assert day.fields() == {"aired_at": "2021-04-20", "aired_precision": "day",
                            "aired_at_utc": None, "aired_tz": "Asia/Damascus",
                            "aired_at_raw": "٢٠ نيسان ٢٠٢١"}
    time = _air(datetime(2021, 4, 20, 18, 30, tzinfo=UTC), "minute", date(2021, 4, 20),
                "Asia/Beirut", "٢١:٣٠")
    assert time.fields()["aired_at"] == "2021-04-20T21:30+03:00"
    assert time.fields()["aired_at_utc"] == "2021-04-20T18:30:00+00:00"


def test_no_date() -> None:
    air = _air(None, "", None, "Asia/Damascus", "قريباً")
    assert not air.known and air.iso() is None and air.day() is None
    assert shown_aired(air) == "" and air.fields()["aired_at"] is None
