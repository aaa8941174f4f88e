"""Dates and numbers shown in the UI's language; machine-readable values stay ISO.

``shown_date``/``shown_datetime`` format a date or datetime with the active language's
``DATE_FORMAT``/``DATETIME_FORMAT`` (``review_ui.formats``): "20 نيسان 2021" in Arabic
(the Levantine month names the monitored outlets print, from our catalog, which overrides
Django's Egyptian "إبريل"), "20 Apr 2021" in English; a datetime in the current time zone
(UTC); ``shown_number`` groups thousands the language's way. With
``web.arabic_digits`` on (``settings.RAQIB_ARABIC_DIGITS``) the Arabic UI writes the
digits as Arabic-Indic (٠١٢٣٤٥٦٧٨٩); off (the default) it keeps 0-9. Templates use the
``raqib_ui`` filters of the same names for text a person reads and keep ``|date:'c'`` /
``'Y-m-d'`` for ``datetime`` attributes, CSV and JSON. A broadcast's air date is shown with
``shown_aired`` (the rule of which day, zone and precision is ``catalog.aired``: a printed
day stays that day, a time is in the outlet's zone), through the ``_aired.html`` snippet,
which adds the offset and the ``<time datetime>`` value. To add a shown form: a function
here and its filter in ``templatetags/raqib_ui.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation

from catalog.aired import MINUTE, AirDate

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def digits(text: str) -> str:
    """``text`` with Arabic-Indic digits when the setting is on and the UI is Arabic."""
    if getattr(settings, "RAQIB_ARABIC_DIGITS", False) and translation.get_language() == "ar":
        return text.translate(ARABIC_INDIC)
    return text


def shown_date(value: Any) -> str:
    """A date (or a datetime's date, in the current time zone) for a reader; "" for none."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return digits(formats.date_format(value, "DATE_FORMAT"))


def shown_datetime(value: Any, seconds: bool = False) -> str:
    """A datetime (or its ISO string) in the current time zone for a reader (``seconds``:
    with :s); "" for none."""
    if not value:
        return ""
    if isinstance(value, str):  # an ISO string (review.incident_json): parse, else as is
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return shown_date(value)
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    text = formats.date_format(value, "DATETIME_FORMAT")
    if seconds:
        text += value.strftime(":%S")
    return digits(text)


def shown_month(value: Any) -> str:
    """A "YYYY-MM" month (a search facet) as the language's month and year ("نيسان 2021",
    "April 2021"); anything else unchanged."""
    try:
        year, month = (int(part) for part in str(value).split("-"))
        day = dt.date(year, month, 1)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    return digits(formats.date_format(day, "F Y"))


def shown_number(value: Any) -> str:
    """A number grouped the language's way (12,345 / ١٢٬٣٤٥ with the digits setting)."""
    if value is None or value == "":
        return ""
    return digits(formats.number_format(value, force_grouping=True))


def shown_aired(value: Any) -> str:
    """An air date (an ``AirDate`` or a broadcast/hit) for a reader: a printed day as that
    day, a time in the outlet's zone (to the second unless printed to the minute; the
    offset is ``AirDate.offset``); "" when there is none."""
    air = value if isinstance(value, AirDate) else AirDate.of(value)
    if air.is_day:
        return shown_date(air.printed_day)
    local = air.local()
    if local is None:
        return ""
    text = formats.date_format(local, "DATETIME_FORMAT")
    if air.precision != MINUTE:
        text += local.strftime(":%S")
    return digits(text)
