"""Air-date parsing: ISO 8601, Arabic and English month names, Arabic-Indic digits."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.dates import normalise_digits, parse_aired_at


@pytest.mark.parametrize(("raw", "expected"), [
    ("2021-04-20T21:30:00+03:00", datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20T18:30:00Z", datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20", datetime(2021, 4, 20)),
    ("الثلاثاء ٢٠ نيسان ٢٠٢١", datetime(2021, 4, 20)),
    ("٢٠ نيسان ٢٠٢١ - ٢١:٣٠", datetime(2021, 4, 20, 21, 30)),
    ("20 أبريل 2021 09:15 م", datetime(2021, 4, 20, 21, 15)),
    ("3 كانون الثاني 2020", datetime(2020, 1, 3)),
    ("١٥ تشرين الأول ٢٠١٩", datetime(2019, 10, 15)),
    ("20 نيسان/أبريل 2021", datetime(2021, 4, 20)),
    ("April 20, 2021", datetime(2021, 4, 20)),
    ("20 April 2021 21:30", datetime(2021, 4, 20, 21, 30)),
    ("20/04/2021 21:30", datetime(2021, 4, 20, 21, 30)),
])
def test_formats(raw: str, expected: datetime) -> None:
    assert parse_aired_at(raw) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", "   ", "قريباً", "31 شباط 2021", "99/99/2021"])
def test_unreadable_gives_none(raw: str) -> None:
    assert parse_aired_at(raw) is None


def test_naive_dates_use_the_given_zone() -> None:
    parsed = parse_aired_at("٢٠ نيسان ٢٠٢١ - ٢١:٣٠", default_tz=ZoneInfo("Asia/Damascus"))
    assert parsed == datetime(2021, 4, 20, 18, 30, tzinfo=UTC)  # EEST, UTC+3 in April 2021
    assert parsed.tzinfo == UTC


def test_normalise_digits() -> None:
    assert normalise_digits("٠١٢٣٤٥٦٧٨٩ ۱۲") == "0123456789 12"
