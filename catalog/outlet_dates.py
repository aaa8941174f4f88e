"""Read the air dates outlets print: the instant, its precision and the printed day.

This is the catalog's one parser of printed air dates, used by the crawler (through
``crawler.dates``) and by the migration that recovered the day of rows stored before
precision was kept (``0009_air_date_precision``), which may import nothing above the catalog.

Accepted:
- ISO 8601 (what ``<time datetime="...">`` and Atom feeds carry) and RFC 2822 (RSS
  ``pubDate``: "Tue, 20 Apr 2021 18:30:00 +0300");
- numeric dates, day first ("20/04/2021 21:30", "20-04-2021") or year first
  ("2021/04/20");
- written dates with Levantine (كانون الثاني … كانون الأول), Egyptian/Gulf (يناير …
  ديسمبر, with spelling variants such as مايو/ماي, يوليو/يوليه, أغسطس/اغسطس), Maghrebi
  (جانفي, أفريل, جوان, جويلية, أوت; Moroccan ماي, يوليوز, غشت, شتنبر, نونبر, دجنبر …) or
  English month names, in Western, Arabic-Indic or Persian digits
  ("الثلاثاء ٢٠ نيسان ٢٠٢١ - ٢١:٣٠", "20 April 2021");
- relative dates, counted back from ``now`` (the crawl time): "منذ ٣ ساعات",
  "منذ دقيقتين", "منذ يومين", "قبل أسبوع", "منذ ثلاثة أيام", "3 hours ago", and the days
  "اليوم", "أمس"/"البارحة", "أول أمس";
- a time of day beside any of them: "٢١:٣٠", "الساعة ٨:٣٠ مساءً", "9:15 ص", "8 مساءً".

``parse_air_date`` returns an ``AirDateParse``: the ``instant`` (aware, UTC: for sorting
and filtering), the ``precision`` and the ``day``:
- ``day``: the text names a day and no time ("٢٠ نيسان ٢٠٢١", "2021-04-20", "أمس",
  "منذ يومين"). ``day`` is the printed day, never moved by a zone; the instant is that
  day's first moment in the source's zone (a counted-back day: ``now`` minus the days), for
  sorting only.
- ``minute`` / ``second``: the text has a time of day (with seconds: ``second``), or counts
  back hours, minutes or seconds ("منذ ٣ ساعات": ``minute``). ``day`` is the instant's day in
  the source's zone.

A date-time without an offset is local to ``default_tz``, the source's ``timezone`` (UTC
when it has none). Local times a zone change makes odd are read deliberately, never with
an error:
- a time that does not exist (the hour skipped when clocks go forward, e.g. 00:30 on
  Damascus's spring-forward night, 02:30 in New York) is read with the offset in force
  before the change, so it lands as many minutes after the change as it was printed
  after the skipped hour's start (00:30 +02:00 = 01:30 +03:00);
- a time that happens twice (the hour repeated when clocks go back) is read as its first
  occurrence, with the summer offset (``fold=0``).
Counted-back dates are exact instants; a month counts as 30 days and a year as 365.
Anything unreadable gives ``None``: the caller keeps the raw text, so nothing is lost.
Matching folds hamza/alef variants and strips diacritics, so a new month name is written
once in its plain form.

To add a format: add a month name to ``MONTHS``, a unit word to ``_UNITS`` or a parser to
``_PARSERS`` (a function of the digit-normalised text and a ``_Context`` that returns a
datetime and its precision, or None).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Arabic-Indic (U+0660..) and Extended Arabic-Indic/Persian (U+06F0..) digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# Diacritics (tashkeel, superscript alef) and tatweel are dropped; alef forms are unified.
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})

MONTHS: dict[str, int] = {
    # Levantine (Syrian) names
    "كانون الثاني": 1, "كانون ثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين أول": 10,
    "تشرين الثاني": 11, "تشرين ثاني": 11, "كانون الأول": 12, "كانون أول": 12,
    # Egyptian / Gulf names and spellings
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "مايو": 5, "ماي": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "أغستس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Maghrebi names
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "جوان": 6, "جويلية": 7, "يوليوز": 7, "أوت": 8,
    "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}


def fold(text: str) -> str:
    """Text folded for matching (never for storage): digits to ASCII, diacritics and
    tatweel dropped, alef/ya/ta-marbuta variants unified, lower case."""
    return _DIACRITICS.sub("", text.translate(_DIGITS)).translate(_FOLD).lower()


_MONTH_LOOKUP = {fold(name): number for name, number in MONTHS.items()}
# Longest first so "كانون الثاني" wins over a shorter overlapping name.
_MONTH_ALT = "|".join(re.escape(m) for m in sorted(_MONTH_LOOKUP, key=len, reverse=True))
_WRITTEN = re.compile(
    rf"(?P<day>\d{{1,2}})\s*(?:/\s*)?(?P<month>{_MONTH_ALT})(?:\s*/\s*\S+)?[\s,،]*"
    rf"(?P<year>\d{{4}})(?!\d)", re.IGNORECASE)
_WRITTEN_MDY = re.compile(
    rf"(?<!\w)(?P<month>{_MONTH_ALT})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s,،]+"
    rf"(?P<year>\d{{4}})(?!\d)", re.IGNORECASE)
_NUMERIC_DMY = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-](?P<year>\d{4})(?!\d)")
_NUMERIC_YMD = re.compile(
    r"(?<!\d)(?P<year>\d{4})[/.\-](?P<month>\d{1,2})[/.\-](?P<day>\d{1,2})(?!\d)")
_RFC2822 = re.compile(r"^\s*(?:[a-z]{3},?\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}",
                      re.IGNORECASE)

# Times of day; the words (folded) say which half of the day.
_PM_WORDS = ("مساء", "عصرا", "عصر", "ظهرا", "ظهر", "pm", "p.m.", "p.m", "م")
_AM_WORDS = ("صباحا", "صباح", "فجرا", "فجر", "am", "a.m.", "a.m", "ص")
_AMPM_ALT = "|".join(re.escape(w) for w in sorted(_PM_WORDS + _AM_WORDS, key=len,
                                                     reverse=True))
_TIME = re.compile(
    rf"(?<!\d)(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?\s*(?P<ampm>(?:{_AMPM_ALT})"
    rf"(?!\w))?", re.IGNORECASE)
# "الساعة 8 مساء", "8 مساءً": a bare hour needs a day-half word (or "الساعة" before it).
_BARE_HOUR = re.compile(
    r"(?:الساعه\s*(?P<h1>\d{1,2})(?!\d)(?!\s*[/.\-:]\d)\s*(?P<ampm1>(?:"
    + _AMPM_ALT + r")(?!\w))?)|(?:(?<![\d:])(?P<h2>\d{1,2})\s*(?P<ampm2>مساء|صباحا|صباح|"
    r"ظهرا|عصرا|فجرا|pm|am)(?!\w))", re.IGNORECASE)


Precision = Literal["day", "minute", "second"]
DAY: Precision = "day"
MINUTE: Precision = "minute"
SECOND: Precision = "second"
PRECISIONS: tuple[Precision, ...] = (DAY, MINUTE, SECOND)

# What a parser found: a datetime (naive: local to the source's zone) and its precision.
_Found = tuple[datetime, Precision]


@dataclass(frozen=True)
class AirDateParse:
    """What a printed air date says: ``instant`` (aware, UTC; for a day, its first moment
    in the source's zone: for sorting only), ``precision`` and ``day`` (for ``day``
    precision the printed day; otherwise the instant's day in the source's zone)."""

    instant: datetime
    precision: Precision
    day: date


@dataclass(frozen=True)
class _Context:
    default_tz: tzinfo
    now: datetime  # aware


def normalise_digits(text: str) -> str:
    """Replace Arabic-Indic and Persian digits with ASCII digits (the rest is unchanged)."""
    return text.translate(_DIGITS)


def zone_named(name: str | None) -> tzinfo:
    """The IANA zone ``name`` ("Asia/Damascus"); UTC when empty or unknown (a source's
    zone is checked when the config is loaded, so unknown here means an old row)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def source_timezone(source: Mapping[str, Any]) -> tzinfo:
    """The zone a source's dates without an offset are read in: its ``timezone`` key
    (an IANA name such as "Asia/Damascus", checked when the config is loaded), else UTC."""
    return zone_named(source.get("timezone"))


def local_instant(naive: datetime, zone: tzinfo) -> datetime:
    """The aware instant of the wall-clock time ``naive`` in ``zone``, read as the module
    docstring says. ``fold=0`` is, by PEP 495, the offset in force before a change: for a
    repeated time its first occurrence, for a skipped time the reading chosen above.
    Never raises on a DST edge."""
    return naive.replace(tzinfo=zone, fold=0)


def _hour_for(hour: int, ampm: str) -> int:
    word = ampm.lower()
    if word in _PM_WORDS and hour < 12:
        return hour + 12
    if word in _AM_WORDS and hour == 12:
        return 0
    return hour


def _time_of_day(text: str) -> tuple[int, int, int] | None:
    """(hour, minute, second) of the first time of day in ``text``, or None."""
    match = _TIME.search(text)
    if match:
        hour = _hour_for(int(match["h"]), match["ampm"] or "")
        return hour, int(match["m"]), int(match["s"] or 0)
    match = _BARE_HOUR.search(text)
    if match:
        hour_text = match["h1"] or match["h2"]
        return _hour_for(int(hour_text), match["ampm1"] or match["ampm2"] or ""), 0, 0
    return None


def _clock(rest: str) -> tuple[tuple[int, int, int], Precision]:
    clock = _time_of_day(rest)
    if clock is None:
        return (0, 0, 0), DAY
    has_seconds = _TIME.search(rest)
    return clock, SECOND if has_seconds and has_seconds["s"] else MINUTE


def _at(year: int, month: int, day: int, rest: str) -> _Found | None:
    clock, precision = _clock(rest)
    try:
        return datetime(year, month, day, *clock), precision
    except ValueError:
        return None


_ISO_DATE = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_ISO_SECONDS = re.compile(r"T\d{2}:\d{2}:\d{2}|\s\d{2}:\d{2}:\d{2}|T\d{6}")


def _iso(text: str, ctx: _Context) -> _Found | None:
    candidate = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if _ISO_DATE.match(candidate):
        return parsed, DAY
    return parsed, SECOND if _ISO_SECONDS.search(candidate) else MINUTE


def _rfc2822(text: str, ctx: _Context) -> _Found | None:
    if not _RFC2822.match(text):
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed, SECOND if re.search(r"\d:\d{2}:\d{2}", text) else MINUTE


def _written(text: str, ctx: _Context) -> _Found | None:
    text = fold(text)
    match = _WRITTEN.search(text) or _WRITTEN_MDY.search(text)
    if not match:
        return None
    month = _MONTH_LOOKUP[match["month"].lower()]
    rest = text[:match.start()] + " " + text[match.end():]
    return _at(int(match["year"]), month, int(match["day"]), rest)


def _numeric(text: str, ctx: _Context) -> _Found | None:
    text = fold(text)
    match = _NUMERIC_YMD.search(text) or _NUMERIC_DMY.search(text)
    if not match:
        return None
    rest = text[:match.start()] + " " + text[match.end():]
    return _at(int(match["year"]), int(match["month"]), int(match["day"]), rest)


# Relative dates. Unit words are written folded (see ``fold``): singular, dual, plurals.
_UNITS: dict[str, timedelta] = {}
for _words, _unit in (
    (("ثانيه", "ثانيتين", "ثانيتان", "ثوان", "ثواني", "second", "seconds", "sec", "secs"),
     timedelta(seconds=1)),
    (("دقيقه", "دقيقتين", "دقيقتان", "دقائق", "دقايق", "minute", "minutes", "min", "mins"),
     timedelta(minutes=1)),
    (("ساعه", "ساعتين", "ساعتان", "ساعات", "hour", "hours", "hr", "hrs"), timedelta(hours=1)),
    (("يوم", "يومين", "يومان", "ايام", "day", "days"), timedelta(days=1)),
    (("اسبوع", "اسبوعين", "اسبوعان", "اسابيع", "week", "weeks"), timedelta(weeks=1)),
    (("شهر", "شهرين", "شهران", "اشهر", "شهور", "month", "months"), timedelta(days=30)),
    (("سنه", "سنتين", "سنتان", "سنوات", "سنين", "عام", "عامين", "عامان", "اعوام", "year",
      "years"), timedelta(days=365)),
):
    _UNITS.update(dict.fromkeys(_words, _unit))
# A dual form alone ("منذ ساعتين") means two; any other unit word alone means one.
_DUALS = {"ثانيتين", "ثانيتان", "دقيقتين", "دقيقتان", "ساعتين", "ساعتان", "يومين", "يومان",
          "اسبوعين", "اسبوعان", "شهرين", "شهران", "سنتين", "سنتان", "عامين", "عامان"}
_NUMBER_WORDS = {
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنتين": 2, "اثنان": 2, "ثلاث": 3, "ثلاثه": 3,
    "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7,
    "ثمان": 8, "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3,
}
_UNIT_ALT = "|".join(re.escape(w) for w in sorted(_UNITS, key=len, reverse=True))
_NUMBER_ALT = "|".join(re.escape(w) for w in sorted(_NUMBER_WORDS, key=len, reverse=True))
_AGO_AR = re.compile(
    rf"(?:منذ|قبل)\s+(?:(?:حوالي|نحو|حوالى|ما\s+يقارب|اكثر\s+من)\s+)?"
    rf"(?:(?P<n>\d+|{_NUMBER_ALT})\s*)?(?P<unit>{_UNIT_ALT})(?!\w)")
_AGO_EN = re.compile(rf"(?<!\w)(?P<n>\d+|{_NUMBER_ALT})\s+(?P<unit>{_UNIT_ALT})\s+ago(?!\w)")
_JUST_NOW = re.compile(r"(?:^|\s)(?:الان|منذ\s+لحظات|منذ\s+قليل|just\s+now)(?:\s|$)")
# Day words, as days before today; longer phrases first ("اول امس" before "امس").
_DAY_WORDS = (("اول امس", 2), ("امس الاول", 2), ("البارحه", 1), ("امس", 1), ("اليوم", 0),
              ("today", 0), ("yesterday", 1))
_DAY_ALT = re.compile(r"(?<!\w)(?P<word>" + "|".join(re.escape(w) for w, _ in _DAY_WORDS)
                      + r")(?!\w)")


def _counted_back(unit: timedelta) -> Precision:
    if unit >= timedelta(days=1):
        return DAY  # "منذ يومين": a day, not an instant to the second
    return SECOND if unit < timedelta(minutes=1) else MINUTE


def _relative(text: str, ctx: _Context) -> _Found | None:
    folded = fold(text)
    match = _AGO_AR.search(folded) or _AGO_EN.search(folded)
    if match:
        unit, count = _UNITS[match["unit"]], match["n"]
        implied = 2 if match["unit"] in _DUALS else 1
        number = (int(count) if count and count.isdigit()
                  else _NUMBER_WORDS.get(count or "", implied))
        return ctx.now - unit * number, _counted_back(unit)
    match = _DAY_ALT.search(folded)
    if match:
        back = dict(_DAY_WORDS)[match["word"]]
        day = (ctx.now.astimezone(ctx.default_tz) - timedelta(days=back)).date()
        rest = folded[:match.start()] + " " + folded[match.end():]
        clock, precision = _clock(rest)
        return datetime(day.year, day.month, day.day, *clock), precision
    if _JUST_NOW.search(folded):
        return ctx.now, MINUTE
    return None


_PARSERS: list[Callable[[str, _Context], _Found | None]] = [
    _iso, _rfc2822, _written, _numeric, _relative]


def parse_air_date(raw: str, default_tz: tzinfo = UTC,
                   now: datetime | None = None) -> AirDateParse | None:
    """What ``raw`` says (see the module docstring), or None when no date can be read.

    ``default_tz`` is the zone of dates without an offset; ``now`` (aware; default: the
    current time) is what relative dates such as "منذ ٣ ساعات" count back from."""
    if not raw or not raw.strip():
        return None
    current = now or datetime.now(UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=UTC)
    ctx = _Context(default_tz=default_tz, now=current)
    text = normalise_digits(" ".join(raw.split()))
    for parser in _PARSERS:
        found = parser(text, ctx)
        if found is None:
            continue
        parsed, precision = found
        if precision == DAY and parsed.tzinfo is None:
            day = parsed.date()
            start = local_instant(datetime(day.year, day.month, day.day), default_tz)
            return AirDateParse(start.astimezone(UTC), DAY, day)
        if parsed.tzinfo is None:
            parsed = local_instant(parsed, default_tz)
        instant = parsed.astimezone(UTC)
        return AirDateParse(instant, precision, instant.astimezone(default_tz).date())
    return None


def parse_aired_at(raw: str, default_tz: tzinfo = UTC,
                   now: datetime | None = None) -> datetime | None:
    """``raw`` as an aware UTC datetime (``parse_air_date``'s instant), or None."""
    parsed = parse_air_date(raw, default_tz, now)
    return parsed.instant if parsed else None
