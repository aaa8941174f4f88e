"""The outlet-date table: what a printed air date says (instant, precision, printed day),
over date-only and date-time text, with and without an offset, Arabic-Indic and Latin digits,
Levantine, Egyptian and Maghrebi month names, zones east and west of UTC, and the DST nights
where a local time is skipped or repeated (read as ``catalog.outlet_dates`` documents:
a skipped time with the offset before the change, a repeated one as its first occurrence).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.dates import DAY, MINUTE, SECOND, air_fields, parse_air_date

NOW = datetime(2021, 12, 1, 12, 0, tzinfo=UTC)

# (printed text, the outlet's zone, precision, printed day, instant in UTC)
TABLE = [
    # A date without a time is a day: the printed day whatever the zone.
    ("٢٠ نيسان ٢٠٢١", "Asia/Damascus", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 21, 0)),
    ("20 نيسان 2021", "Asia/Damascus", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 21, 0)),
    ("الثلاثاء ٢٠ نيسان ٢٠٢١", "Asia/Beirut", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 21)),
    ("١ تشرين الأول ٢٠٢١", "Asia/Damascus", DAY, date(2021, 10, 1), datetime(2021, 9, 30, 21)),
    ("٢٠ أبريل ٢٠٢١", "Africa/Cairo", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 22, 0)),
    ("3 أكتوبر 2021", "Africa/Cairo", DAY, date(2021, 10, 3), datetime(2021, 10, 2, 22, 0)),
    # Morocco keeps +00:00 in Ramadan (13 April - 16 May 2021), +01:00 otherwise.
    ("20 أبريل 2021", "Africa/Casablanca", DAY, date(2021, 4, 20), datetime(2021, 4, 20, 0)),
    ("5 ماي 2021", "Africa/Casablanca", DAY, date(2021, 5, 5), datetime(2021, 5, 5, 0, 0)),
    ("6 يونيو 2021", "Africa/Casablanca", DAY, date(2021, 6, 6), datetime(2021, 6, 5, 23, 0)),
    ("9 يوليوز 2021", "Africa/Casablanca", DAY, date(2021, 7, 9), datetime(2021, 7, 8, 23, 0)),
    ("12 غشت 2021", "Africa/Casablanca", DAY, date(2021, 8, 12), datetime(2021, 8, 11, 23, 0)),
    ("15 شتنبر 2021", "Africa/Casablanca", DAY, date(2021, 9, 15), datetime(2021, 9, 14, 23)),
    ("2 نونبر 2021", "Africa/Casablanca", DAY, date(2021, 11, 2), datetime(2021, 11, 1, 23, 0)),
    ("٣١ دجنبر ٢٠٢١", "Africa/Casablanca", DAY, date(2021, 12, 31), datetime(2021, 12, 30, 23)),
    ("20 أفريل 2021", "Africa/Algiers", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 23, 0)),
    ("2021-04-20", "Asia/Tehran", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 19, 30)),
    ("20/04/2021", "Europe/Moscow", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 21, 0)),
    ("20 April 2021", "Pacific/Auckland", DAY, date(2021, 4, 20), datetime(2021, 4, 19, 12, 0)),
    ("20 April 2021", "America/New_York", DAY, date(2021, 4, 20), datetime(2021, 4, 20, 4, 0)),
    ("20 April 2021", "UTC", DAY, date(2021, 4, 20), datetime(2021, 4, 20, 0, 0)),
    # A day whose midnight the zone skips (Damascus and Beirut go forward at 00:00): still
    # that day, its instant the first moment that exists (01:00 +03:00).
    ("٢٦ آذار ٢٠٢١", "Asia/Damascus", DAY, date(2021, 3, 26), datetime(2021, 3, 25, 22, 0)),
    ("28 آذار 2021", "Asia/Beirut", DAY, date(2021, 3, 28), datetime(2021, 3, 27, 22, 0)),
    ("٢٩ تشرين الأول ٢٠٢١", "Asia/Damascus", DAY, date(2021, 10, 29),
     datetime(2021, 10, 28, 22, 0)),
    # A time without an offset is local to the outlet.
    ("الثلاثاء ٢٠ نيسان ٢٠٢١ - ٢١:٣٠", "Asia/Damascus", MINUTE, date(2021, 4, 20),
     datetime(2021, 4, 20, 18, 30)),
    ("٢٠ نيسان ٢٠٢١ الساعة ٨:٣٠ مساءً", "Asia/Beirut", MINUTE, date(2021, 4, 20),
     datetime(2021, 4, 20, 17, 30)),
    ("20/04/2021 21:30:15", "Asia/Tehran", SECOND, date(2021, 4, 20),
     datetime(2021, 4, 20, 17, 0, 15)),
    ("20 April 2021 21:30", "Europe/Moscow", MINUTE, date(2021, 4, 20),
     datetime(2021, 4, 20, 18, 30)),
    ("20 April 2021 21:30", "America/New_York", MINUTE, date(2021, 4, 20),
     datetime(2021, 4, 21, 1, 30)),
    ("20 April 2021 08:00", "Pacific/Auckland", MINUTE, date(2021, 4, 20),
     datetime(2021, 4, 19, 20, 0)),
    # A time with an offset is that instant; its day is the outlet's calendar day.
    ("2021-04-20T21:30:00+03:00", "Asia/Damascus", SECOND, date(2021, 4, 20),
     datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20T21:30+03:00", "Asia/Damascus", MINUTE, date(2021, 4, 20),
     datetime(2021, 4, 20, 18, 30)),
    ("Tue, 20 Apr 2021 21:30:00 +0300", "Asia/Beirut", SECOND, date(2021, 4, 20),
     datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20T23:30:00Z", "Asia/Damascus", SECOND, date(2021, 4, 21),
     datetime(2021, 4, 20, 23, 30)),
    ("2021-04-20T01:30:00Z", "America/New_York", SECOND, date(2021, 4, 19),
     datetime(2021, 4, 20, 1, 30)),
    # Skipped times (spring forward): read with the offset before the change.
    ("٢٦ آذار ٢٠٢١ ٠٠:٣٠", "Asia/Damascus", MINUTE, date(2021, 3, 26),
     datetime(2021, 3, 25, 22, 30)),
    ("28 آذار 2021 00:30", "Asia/Beirut", MINUTE, date(2021, 3, 28),
     datetime(2021, 3, 27, 22, 30)),
    ("14 March 2021 02:30", "America/New_York", MINUTE, date(2021, 3, 14),
     datetime(2021, 3, 14, 7, 30)),
    ("28 March 2010 02:30", "Europe/Moscow", MINUTE, date(2010, 3, 28),
     datetime(2010, 3, 27, 23, 30)),
    ("26 September 2021 02:30", "Pacific/Auckland", MINUTE, date(2021, 9, 26),
     datetime(2021, 9, 25, 14, 30)),
    ("22 March 2021 00:30", "Asia/Tehran", MINUTE, date(2021, 3, 22),
     datetime(2021, 3, 21, 21, 0)),
    # Repeated times (fall back): the first occurrence, with the summer offset.
    ("٢٨ تشرين الأول ٢٠٢١ ٢٣:٣٠", "Asia/Damascus", MINUTE, date(2021, 10, 28),
     datetime(2021, 10, 28, 20, 30)),
    ("30 تشرين الأول 2021 23:30", "Asia/Beirut", MINUTE, date(2021, 10, 30),
     datetime(2021, 10, 30, 20, 30)),
    ("7 November 2021 01:30", "America/New_York", MINUTE, date(2021, 11, 7),
     datetime(2021, 11, 7, 5, 30)),
    ("31 October 2010 02:30", "Europe/Moscow", MINUTE, date(2010, 10, 31),
     datetime(2010, 10, 30, 22, 30)),
    ("4 April 2021 02:30", "Pacific/Auckland", MINUTE, date(2021, 4, 4),
     datetime(2021, 4, 3, 13, 30)),
]


@pytest.mark.parametrize(("raw", "zone", "precision", "day", "instant"), TABLE,
                         ids=[f"{row[1]}:{row[0]}" for row in TABLE])
def test_outlet_date_table(raw: str, zone: str, precision: str, day: date,
                           instant: datetime) -> None:
    parsed = parse_air_date(raw, ZoneInfo(zone), now=NOW)
    assert parsed is not None
    assert (parsed.precision, parsed.day) == (precision, day)
    assert parsed.instant == instant.replace(tzinfo=UTC)


RELATIVE = [
    ("منذ ٣ ساعات", MINUTE, date(2021, 12, 1)),
    ("منذ يومين", DAY, date(2021, 11, 29)),
    ("أمس", DAY, date(2021, 11, 30)),
    ("أمس الساعة ٩:١٥ مساءً", MINUTE, date(2021, 11, 30)),
    ("منذ ٣٠ ثانية", SECOND, date(2021, 12, 1)),
]


@pytest.mark.parametrize(("raw", "precision", "day"), RELATIVE)
def test_relative_dates_have_their_precision(raw: str, precision: str, day: date) -> None:
    parsed = parse_air_date(raw, ZoneInfo("Asia/Damascus"), now=NOW)
    assert parsed is not None and (parsed.precision, parsed.day) == (precision, day)


@pytest.mark.parametrize("raw", ["", "   ", "قريباً", "31 شباط 2021", "2021-13-45",
                                 "٢٩ شباط ٢٠٢١ ٢٥:٩٩"])
def test_unreadable_or_impossible_dates_give_none_not_an_error(raw: str) -> None:
    assert parse_air_date(raw, ZoneInfo("Asia/Damascus"), now=NOW) is None


def test_air_fields_keep_the_text_the_day_and_the_zone() -> None:
    fields = air_fields("٢٠ نيسان ٢٠٢١", {"timezone": "Asia/Damascus"}, now=NOW)
    assert fields == {"aired_at": datetime(2021, 4, 19, 21, 0, tzinfo=UTC),
                      "aired_at_raw": "٢٠ نيسان ٢٠٢١", "aired_precision": DAY,
                      "aired_date": date(2021, 4, 20), "aired_tz": "Asia/Damascus"}
    assert air_fields("soon", {"timezone": "Asia/Damascus"}) == {
        "aired_at": None, "aired_at_raw": "soon"}
    # No zone configured: read in UTC, stored as "" (UTC).
    assert air_fields("20 April 2021", {})["aired_tz"] == ""
