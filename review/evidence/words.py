"""What the evidence summary (``summary.html``) calls stored values and dates, per language.

The summary has an Arabic half and an English half; each shows statuses, roles, kinds of
person, confidence, history actions and dates in its own language, while ``incident.json``
keeps the stored values. The words are the UI's (``review_ui/labels.py``): ``WORDS`` holds
the same ``(context, msgid)`` pairs, so one catalog entry serves the page and the package
(tests/evidence/test_summary_words.py fails when the two disagree). This layer may not
import the UI, hence the table. To add a kind: its pairs here, as in ``review_ui/labels.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats, translation
from django.utils.translation import pgettext

WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "incident_status": {
        "suspected": ("incident status", "suspected"),
        "under_review": ("incident status", "under review"),
        "confirmed": ("incident status", "confirmed"),
        "dismissed": ("incident status", "dismissed"),
    },
    "confidence": {v: ("confidence", v) for v in ("low", "medium", "high")},
    "person_kind": {v: ("person kind", v) for v in (
        "detainee", "relative", "witness", "official", "presenter", "activist", "other")},
    "role": {
        "confesses": ("role on air", "confesses"),
        "disowns": ("role on air", "disowns a relative"),
        "denies": ("role on air", "denies documented crimes"),
        "testifies": ("role on air", "testifies against someone"),
        "other": ("role on air", "other"),
    },
    "history_action": {
        "proposed": ("history action", "proposal"),
        "edited": ("history action", "edit"),
        "clip-added": ("history action", "clip added"),
        "person-added": ("history action", "person added"),
        "assessed": ("history action", "assessment"),
        "assigned": ("history action", "assignment"),
        "status-changed": ("history action", "status change"),
    },
}


def word(kind: str, value: Any, language: str) -> str:
    """``value`` of ``kind`` in ``language``; the value itself when it has no word."""
    if value is None:
        return ""
    pair = WORDS.get(kind, {}).get(str(value))
    if pair is None:
        return str(value)
    with translation.override(language):
        return str(pgettext(*pair))


def date_text(value: Any, language: str) -> str:
    """An ISO date (or datetime) string, or a date, as a reader of ``language`` writes it
    ("20 نيسان 2021", "20 Apr 2021"); "" for none, the text itself when not ISO."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = (dt.datetime.fromisoformat(value) if "T" in value
                     else dt.date.fromisoformat(value))
        except ValueError:
            return value
    with translation.override(language):
        if isinstance(value, dt.datetime):
            return formats.date_format(value, "DATETIME_FORMAT")
        return formats.date_format(value, "DATE_FORMAT")


__all__ = ["WORDS", "date_text", "word"]
