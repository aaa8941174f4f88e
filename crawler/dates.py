"""Parse the air dates outlets print into timezone-aware UTC datetimes.

Accepted:
- ISO 8601 (what ``<time datetime="...">`` and Atom feeds carry) and RFC 2822 (RSS
  ``pubDate``: "Tue, 20 Apr 2021 18:30:00 +0300");
- numeric dates, day first ("20/04/2021 21:30", "20-04-2021") or year first
  ("2021/04/20");
- written dates with Levantine (كانون الثاني … كانون الأول), Egyptian/Gulf (يناير …
  ديسمبر, with spelling variants such as مايو/ماي, يوليو/يوليه, أغسطس/اغسطس), Maghrebi
  (جانفي, أفريل, جوان, جويلية, أوت …) or English month names, in Western, Arabic-Indic
  or Persian digits ("الثلاثاء ٢٠ نيسان ٢٠٢١ - ٢١:٣٠", "20 April 2021");
- relative dates, counted back from ``now`` (the crawl time): "منذ ٣ ساعات",
  "منذ دقيقتين", "منذ يومين", "قبل أسبوع", "منذ ثلاثة أيام", "3 hours ago", and the days
  "اليوم", "أمس"/"البارحة", "أول أمس";
- a time of day beside any of them: "٢١:٣٠", "الساعة ٨:٣٠ مساءً", "9:15 ص", "8 مساءً".

A date without an offset (and a day word such as "أمس") is read in ``default_tz``: the
source's ``timezone`` (see ``source_timezone``), UTC when the source has none. Counted-back
dates are exact instants ("منذ ٣ ساعات" is ``now`` minus three hours); a month counts as
30 days and a year as 365. Anything unreadable gives ``None``: the caller keeps the raw
text, so nothing is lost. Matching folds hamza/alef variants and strips diacritics, so a
new month name is written once in its plain form.

To add a format: add a month name to ``MONTHS``, a unit word to ``_UNITS`` or a parser to
``_PARSERS`` (a function of the digit-normalised text and a ``_Context``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
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


@dataclass(frozen=True)
class _Context:
    default_tz: tzinfo
    now: datetime  # aware


def normalise_digits(text: str) -> str:
    """Replace Arabic-Indic and Persian digits with ASCII digits (the rest is unchanged)."""
    return text.translate(_DIGITS)


def source_timezone(source: Mapping[str, Any]) -> tzinfo:
    """The zone a source's dates without an offset are read in: its ``timezone`` key
    (an IANA name such as "Asia/Damascus", checked when the config is loaded), else UTC."""
    name = source.get("timezone")
    if not name:
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


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


def _at(year: int, month: int, day: int, rest: str) -> datetime | None:
    try:
        return datetime(year, month, day, *(_time_of_day(rest) or (0, 0, 0)))
    except ValueError:
        return None


def _iso(text: str, ctx: _Context) -> datetime | None:
    candidate = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _rfc2822(text: str, ctx: _Context) -> datetime | None:
    if not _RFC2822.match(text):
        return None
    try:
        return parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None


def _written(text: str, ctx: _Context) -> datetime | None:
    text = fold(text)
    match = _WRITTEN.search(text) or _WRITTEN_MDY.search(text)
    if not match:
        return None
    month = _MONTH_LOOKUP[match["month"].lower()]
    rest = text[:match.start()] + " " + text[match.end():]
    return _at(int(match["year"]), month, int(match["day"]), rest)


def _numeric(text: str, ctx: _Context) -> datetime | None:
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


def _relative(text: str, ctx: _Context) -> datetime | None:
    folded = fold(text)
    match = _AGO_AR.search(folded) or _AGO_EN.search(folded)
    if match:
        unit, count = _UNITS[match["unit"]], match["n"]
        implied = 2 if match["unit"] in _DUALS else 1
        number = (int(count) if count and count.isdigit()
                  else _NUMBER_WORDS.get(count or "", implied))
        return ctx.now - unit * number
    match = _DAY_ALT.search(folded)
    if match:
        back = dict(_DAY_WORDS)[match["word"]]
        day = (ctx.now.astimezone(ctx.default_tz) - timedelta(days=back)).date()
        rest = folded[:match.start()] + " " + folded[match.end():]
        clock = _time_of_day(rest) or (0, 0, 0)
        return datetime(day.year, day.month, day.day, *clock, tzinfo=ctx.default_tz)
    if _JUST_NOW.search(folded):
        return ctx.now
    return None


_PARSERS: list[Callable[[str, _Context], datetime | None]] = [
    _iso, _rfc2822, _written, _numeric, _relative]


def parse_aired_at(raw: str, default_tz: tzinfo = UTC,
                   now: datetime | None = None) -> datetime | None:
    """Return ``raw`` as an aware UTC datetime, or None when no date can be read from it.

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
        parsed = parser(text, ctx)
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=default_tz)
            return parsed.astimezone(UTC)
    return None
