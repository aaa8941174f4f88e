"""Checking the free text reviewers type (names, titles, notes, reasons) before it is stored.

Text is kept exactly as typed, apart from surrounding white space; what cannot be stored
safely is refused with a message naming the field: control characters (other than line
breaks and tabs in long text), lone surrogates and over-long values. Bidi controls are kept
(they can be part of how a name was written) and neutralised wherever text is shown.
"""

from __future__ import annotations

import re

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: object, field: str, limit: int, *, required: bool = False,
               error: type[ValueError] = ValueError) -> str:
    """``value`` stripped; ``error`` when empty (if ``required``), too long or unstorable."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise error(f"{field} is required")
    if len(text) > limit:
        raise error(f"{field} is too long ({len(text)} characters; at most {limit})")
    if _BAD.search(text):
        raise error(f"{field} contains control characters or invalid code points")
    return text
