"""Air-date parsing: ISO 8601, RFC 2822, Arabic (Levantine, Egyptian/Gulf, Maghrebi) and
English month names, Arabic-Indic and Persian digits, relative dates counted back from the
crawl time, times of day with ص/م, and the source's timezone for dates without an offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.dates import MONTHS, fold, normalise_digits, parse_aired_at, source_timezone

DAMASCUS = ZoneInfo("Asia/Damascus")  # UTC+3 in summer 2021, UTC+2 in winter 2020/21
NOW = datetime(2021, 4, 20, 12, 0, tzinfo=UTC)  # the crawl time relative dates count from


@pytest.mark.parametrize(("raw", "expected"), [
    ("2021-04-20T21:30:00+03:00", datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20T18:30:00Z", datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20", datetime(2021, 4, 20)),
    ("2021-04-20 21:30", datetime(2021, 4, 20, 21, 30)),
    ("Tue, 20 Apr 2021 18:30:00 +0300", datetime(2021, 4, 20, 15, 30)),
    ("Tue, 20 Apr 2021 18:30:00 GMT", datetime(2021, 4, 20, 18, 30)),
    ("الثلاثاء ٢٠ نيسان ٢٠٢١", datetime(2021, 4, 20)),
    ("٢٠ نيسان ٢٠٢١ - ٢١:٣٠", datetime(2021, 4, 20, 21, 30)),
    ("20 أبريل 2021 09:15 م", datetime(2021, 4, 20, 21, 15)),
    ("20 نيسان/أبريل 2021", datetime(2021, 4, 20)),
    ("April 20, 2021", datetime(2021, 4, 20)),
    ("April 20th, 2021", datetime(2021, 4, 20)),
    ("20 April 2021 21:30", datetime(2021, 4, 20, 21, 30)),
    ("20/04/2021 21:30", datetime(2021, 4, 20, 21, 30)),
    ("12/03/2021", datetime(2021, 3, 12)),
    ("12-03-2021", datetime(2021, 3, 12)),
    ("12.03.2021", datetime(2021, 3, 12)),
    ("2021/03/12", datetime(2021, 3, 12)),
    ("١٢/٠٣/٢٠٢١", datetime(2021, 3, 12)),
    ("۱۲/۰۳/۲۰۲۱", datetime(2021, 3, 12)),
])
def test_absolute_formats(raw: str, expected: datetime) -> None:
    assert parse_aired_at(raw) == expected.replace(tzinfo=UTC)


LEVANTINE = [("كانون الثاني", 1), ("شباط", 2), ("آذار", 3), ("اذار", 3), ("نيسان", 4),
             ("أيار", 5), ("ايار", 5), ("حزيران", 6), ("تموز", 7), ("آب", 8), ("اب", 8),
             ("أيلول", 9), ("ايلول", 9), ("تشرين الأول", 10), ("تشرين الاول", 10),
             ("تشرين الثاني", 11), ("كانون الأول", 12), ("كانون الاول", 12),
             ("كانون ثاني", 1), ("تشرين أول", 10)]
EGYPTIAN_GULF = [("يناير", 1), ("فبراير", 2), ("مارس", 3), ("أبريل", 4), ("ابريل", 4),
                 ("إبريل", 4), ("مايو", 5), ("ماي", 5), ("يونيو", 6), ("يونيه", 6),
                 ("يوليو", 7), ("يوليه", 7), ("أغسطس", 8), ("اغسطس", 8), ("سبتمبر", 9),
                 ("أكتوبر", 10), ("اكتوبر", 10), ("نوفمبر", 11), ("ديسمبر", 12)]
MAGHREBI = [("جانفي", 1), ("فيفري", 2), ("أفريل", 4), ("جوان", 6), ("جويلية", 7),
            ("أوت", 8), ("غشت", 8), ("شتنبر", 9), ("نونبر", 11), ("دجنبر", 12)]


@pytest.mark.parametrize(("name", "month"), LEVANTINE + EGYPTIAN_GULF + MAGHREBI)
def test_every_arabic_month_name(name: str, month: int) -> None:
    assert parse_aired_at(f"السبت ٣ {name} ٢٠٢٠") == datetime(2020, month, 3, tzinfo=UTC)
    # With diacritics and a time, as some sites print them.
    assert parse_aired_at(f"3 {name} 2020 - 10:05 صباحاً") == datetime(
        2020, month, 3, 10, 5, tzinfo=UTC)


def test_every_month_number_is_covered() -> None:
    for names in (LEVANTINE, EGYPTIAN_GULF):
        assert {m for _, m in names} == set(range(1, 13))
    assert all(fold(n) for n in MONTHS)


@pytest.mark.parametrize(("raw", "expected"), [
    ("منذ ٣ ساعات", datetime(2021, 4, 20, 9, 0)),
    ("منذ 3 ساعات", datetime(2021, 4, 20, 9, 0)),
    ("منذ ساعة", datetime(2021, 4, 20, 11, 0)),
    ("منذ ساعتين", datetime(2021, 4, 20, 10, 0)),
    ("منذ دقيقتين", datetime(2021, 4, 20, 11, 58)),
    ("منذ ١٠ دقائق", datetime(2021, 4, 20, 11, 50)),
    ("منذ 30 ثانية", datetime(2021, 4, 20, 11, 59, 30)),
    ("منذ يومين", datetime(2021, 4, 18, 12, 0)),
    ("منذ ثلاثة أيام", datetime(2021, 4, 17, 12, 0)),
    ("قبل ٤ أيام", datetime(2021, 4, 16, 12, 0)),
    ("قبل أسبوع", datetime(2021, 4, 13, 12, 0)),
    ("قبل أسبوعين", datetime(2021, 4, 6, 12, 0)),
    ("منذ شهر", datetime(2021, 3, 21, 12, 0)),
    ("منذ حوالي ساعة", datetime(2021, 4, 20, 11, 0)),
    ("منذ لحظات", datetime(2021, 4, 20, 12, 0)),
    ("3 hours ago", datetime(2021, 4, 20, 9, 0)),
    ("an hour ago", datetime(2021, 4, 20, 11, 0)),
    # Day words are calendar days in the source's zone (Damascus, UTC+3 in April 2021).
    ("اليوم", datetime(2021, 4, 19, 21, 0)),
    ("أمس", datetime(2021, 4, 18, 21, 0)),
    ("البارحة", datetime(2021, 4, 18, 21, 0)),
    ("أول أمس", datetime(2021, 4, 17, 21, 0)),
    ("أمس الساعة ٨:٣٠ مساءً", datetime(2021, 4, 19, 17, 30)),
    ("اليوم 9:15 ص", datetime(2021, 4, 20, 6, 15)),
    ("البارحة الساعة 8 مساء", datetime(2021, 4, 19, 17, 0)),
])
def test_relative_dates_count_back_from_the_crawl_time(raw: str, expected: datetime) -> None:
    assert parse_aired_at(raw, DAMASCUS, now=NOW) == expected.replace(tzinfo=UTC)


def test_relative_dates_follow_now() -> None:
    later = datetime(2022, 1, 1, 0, 30, tzinfo=UTC)
    assert parse_aired_at("منذ ٣ ساعات", now=later) == datetime(2021, 12, 31, 21, 30,
                                                                 tzinfo=UTC)
    # 02:30 in Damascus (UTC+2 that winter): "today" there is already 1 January.
    assert parse_aired_at("اليوم", DAMASCUS, now=later) == datetime(2021, 12, 31, 22, 0,
                                                                     tzinfo=UTC)


@pytest.mark.parametrize(("raw", "hour", "minute"), [
    ("20 نيسان 2021 الساعة ٨:٣٠ مساءً", 20, 30),
    ("20 نيسان 2021 الساعة ٨:٣٠ صباحاً", 8, 30),
    ("20 نيسان 2021 12:30 ص", 0, 30),
    ("20 نيسان 2021 12:30 م", 12, 30),
    ("20 نيسان 2021 الساعة 8 مساءً", 20, 0),
    ("20 نيسان 2021 الساعة 3 عصراً", 15, 0),
    ("20 نيسان 2021 الساعة ٩", 9, 0),
    ("الساعة ٨:٣٠ مساءً - ٢٠ نيسان ٢٠٢١", 20, 30),
    ("20/04/2021 - 8:30 PM", 20, 30),
    ("20 April 2021 8:30 am", 8, 30),
])
def test_times_of_day(raw: str, hour: int, minute: int) -> None:
    assert parse_aired_at(raw) == datetime(2021, 4, 20, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", "   ", "قريباً", "31 شباط 2021", "99/99/2021",
                                 "الحلقة ٣", "حصري"])
def test_unreadable_gives_none(raw: str) -> None:
    assert parse_aired_at(raw, now=NOW) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("٢٠ نيسان ٢٠٢١ - ٢١:٣٠", datetime(2021, 4, 20, 18, 30)),  # EEST, UTC+3
    ("١٥ كانون الثاني ٢٠٢١ - ٢١:٣٠", datetime(2021, 1, 15, 19, 30)),  # EET, UTC+2
    ("20/04/2021 21:30", datetime(2021, 4, 20, 18, 30)),
    ("2021-04-20T21:30:00", datetime(2021, 4, 20, 18, 30)),
    # An explicit offset wins over the source's zone.
    ("2021-04-20T21:30:00+00:00", datetime(2021, 4, 20, 21, 30)),
    ("Tue, 20 Apr 2021 21:30:00 +0000", datetime(2021, 4, 20, 21, 30)),
])
def test_naive_dates_use_the_given_zone(raw: str, expected: datetime) -> None:
    parsed = parse_aired_at(raw, default_tz=DAMASCUS)
    assert parsed == expected.replace(tzinfo=UTC)
    assert parsed.tzinfo == UTC


def test_source_timezone() -> None:
    assert source_timezone({"timezone": "Asia/Damascus"}) == DAMASCUS
    assert source_timezone({}) is UTC
    assert source_timezone({"timezone": ""}) is UTC


def test_normalise_digits_and_fold() -> None:
    assert normalise_digits("٠١٢٣٤٥٦٧٨٩ ۱۲") == "0123456789 12"
    assert fold("أيارُ آذار إبريل") == "ايار اذار ابريل"
    assert fold("مساءً") == "مساء"
