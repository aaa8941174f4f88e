"""Times within a broadcast as reviewers write them: ``760``, ``760.5``, ``12:40``,
``0:12:40.5``; and back (``format_time``). Used by the incident commands and screens."""

from __future__ import annotations

import math
import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from review.errors import RuleError

_TIME = re.compile(r"^(?:(\d{1,3}):)?(?:(\d{1,4}):)?(\d{1,6}(?:\.\d{1,3})?)$")
MAX_SECONDS = 7 * 24 * 3600.0  # a week: longer than any recording Raqib keeps as one item
_FIELDS = {"start": pgettext_lazy("field", "start"), "end": pgettext_lazy("field", "end"),
           "time": pgettext_lazy("field", "time")}


class TimecodeError(RuleError, ValueError):
    """A time that is not ``SECONDS``, ``MM:SS`` or ``HH:MM:SS``."""


def parse_time(value: object, field: str = "time") -> float:
    """Seconds from ``SECONDS``, ``MM:SS`` or ``HH:MM:SS`` (fractions allowed on seconds)."""
    name = _FIELDS.get(field, field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value or "").strip()
        match = _TIME.match(text)
        if not match:
            raise TimecodeError(_("%(field)s %(value)s is not a time: use seconds (760), "
                                  "MM:SS (12:40) or HH:MM:SS (0:12:40)"), field=name,
                                value=repr(text))
        first, second, last = match.groups()
        parts = [float(p) for p in (first, second) if p is not None]
        if parts and float(last) >= 60:
            raise TimecodeError(_("%(field)s %(value)s: seconds must be under 60 in MM:SS"),
                                field=name, value=repr(text))
        if len(parts) == 2 and parts[1] >= 60:
            raise TimecodeError(_("%(field)s %(value)s: minutes must be under 60 in HH:MM:SS"),
                                field=name, value=repr(text))
        seconds = float(last)
        for scale, part in zip((60, 3600), reversed(parts), strict=False):
            seconds += scale * part
    if not math.isfinite(seconds) or seconds < 0 or seconds > MAX_SECONDS:
        raise TimecodeError(_("%(field)s must be between 0 and %(max)s seconds"), field=name,
                            max=int(MAX_SECONDS))
    return round(seconds, 3)


def format_time(seconds: float) -> str:
    """``H:MM:SS`` or ``M:SS``, with tenths when the time has them."""
    whole = int(seconds)
    tenths = round((seconds - whole) * 10)
    if tenths == 10:
        whole, tenths = whole + 1, 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenths}" if tenths else text
