"""Parse the air dates outlets print into timezone-aware UTC datetimes.

Accepted: ISO 8601 (what ``<time datetime="...">`` carries), numeric day-first dates
("20/04/2021 21:30"), and written dates with Arabic (Levantine and Egyptian/Gulf) or
English month names ("الثلاثاء ٢٠ نيسان ٢٠٢١ - ٢١:٣٠", "20 April 2021"), in Western or
Arabic-Indic digits. A date without an offset is read in ``default_tz`` (UTC unless the
caller knows the outlet's zone). Anything unreadable gives ``None``: the raw text is kept
by the caller, so nothing is lost. To add a format: add a month name to ``MONTHS`` or a
parser to ``_PARSERS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

# Arabic-Indic (U+0660..) and Extended Arabic-Indic/Persian (U+06F0..) digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)

MONTHS: dict[str, int] = {
    # Levantine (Syrian) names
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
    # Egyptian / Gulf names
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
# Longest first so "كانون الثاني" wins over a shorter overlapping name.
_MONTH_ALT = "|".join(re.escape(m) for m in sorted(MONTHS, key=len, reverse=True))
_WRITTEN = re.compile(
    rf"(?P<day>\d{{1,2}})\s*(?:/\s*)?(?P<month>{_MONTH_ALT})(?:\s*/\s*\S+)?[\s,،]*"
    rf"(?P<year>\d{{4}})", re.IGNORECASE)
_WRITTEN_MDY = re.compile(
    rf"(?P<month>{_MONTH_ALT})\s+(?P<day>\d{{1,2}})[\s,،]+(?P<year>\d{{4}})", re.IGNORECASE)
_NUMERIC_DMY = re.compile(r"(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-](?P<year>\d{4})")
_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[صمaApP][mM]?)?")


def normalise_digits(text: str) -> str:
    """Replace Arabic-Indic digits with ASCII digits (the rest of the text is unchanged)."""
    return text.translate(_DIGITS)


def _iso(text: str) -> datetime | None:
    candidate = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None


def _time_of_day(text: str) -> tuple[int, int, int]:
    match = _TIME.search(text)
    if not match:
        return 0, 0, 0
    hour, minute = int(match["h"]), int(match["m"])
    second = int(match["s"] or 0)
    ampm = (match["ampm"] or "").lower()
    # "م" (masa', evening) / pm add twelve hours; "ص" (sabah) / am keep the hour.
    if ampm in ("م", "p", "pm") and hour < 12:
        hour += 12
    elif ampm in ("ص", "a", "am") and hour == 12:
        hour = 0
    return hour, minute, second


def _written(text: str) -> datetime | None:
    match = _WRITTEN.search(text) or _WRITTEN_MDY.search(text)
    if not match:
        return None
    month = MONTHS[match["month"].lower()]
    rest = text[:match.start()] + " " + text[match.end():]
    try:
        return datetime(int(match["year"]), month, int(match["day"]), *_time_of_day(rest))
    except ValueError:
        return None


def _numeric(text: str) -> datetime | None:
    match = _NUMERIC_DMY.search(text)
    if not match:
        return None
    rest = text[:match.start()] + " " + text[match.end():]
    try:
        return datetime(int(match["year"]), int(match["month"]), int(match["day"]),
                        *_time_of_day(rest))
    except ValueError:
        return None


_PARSERS: list[Callable[[str], datetime | None]] = [_iso, _written, _numeric]


def parse_aired_at(raw: str, default_tz: tzinfo = UTC) -> datetime | None:
    """Return ``raw`` as an aware UTC datetime, or None when no date can be read from it."""
    if not raw or not raw.strip():
        return None
    text = normalise_digits(" ".join(raw.split()))
    for parser in _PARSERS:
        parsed = parser(text)
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=default_tz)
            return parsed.astimezone(UTC)
    return None
