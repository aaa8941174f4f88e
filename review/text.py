"""Checking the free text reviewers type (names, titles, notes, reasons) before it is stored.

Text is kept exactly as typed, apart from surrounding white space; what cannot be stored
safely is refused with a message naming the field: control characters (other than line
breaks and tabs in long text), lone surrogates and over-long values. Bidi controls are kept
(they can be part of how a name was written) and neutralised wherever text is shown.
"""

from __future__ import annotations

import re

from django.utils.translation import pgettext_lazy

from review.errors import RuleError

_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


# What a person reads for a field's name in a refusal (the CLI's English stays the same).
FIELD_NAMES = {
    "title": pgettext_lazy("field", "title"), "notes": pgettext_lazy("field", "notes"),
    "note": pgettext_lazy("field", "note"), "programme": pgettext_lazy("field", "programme"),
    "reason": pgettext_lazy("field", "reason"), "relation": pgettext_lazy("field", "relation"),
    "name": pgettext_lazy("field", "name"), "variant": pgettext_lazy("field", "variant"),
    "code": pgettext_lazy("field", "code"), "latin": pgettext_lazy("field", "latin"),
    "Arabic label": pgettext_lazy("field", "Arabic label"),
    "English label": pgettext_lazy("field", "English label"),
    "corrected text": pgettext_lazy("field", "corrected text"),
    "translation": pgettext_lazy("field", "translation"),
    "public act": pgettext_lazy("field", "public act"),
}


def _refuse(error: type[ValueError], message: str, **params: object) -> ValueError:
    if issubclass(error, RuleError):
        return error(message, **params)
    return error(str(message) % {k: str(v) for k, v in params.items()})


def clean_text(value: object, field: str, limit: int, *, required: bool = False,
               error: type[ValueError] = ValueError) -> str:
    """``value`` stripped; ``error`` when empty (if ``required``), too long or unstorable."""
    text = "" if value is None else str(value).strip()
    name = FIELD_NAMES.get(field, field)
    if required and not text:
        raise _refuse(error, pgettext_lazy("refusal", "%(field)s is required"), field=name)
    if len(text) > limit:
        raise _refuse(error, pgettext_lazy("refusal", "%(field)s is too long (%(length)s "
                                           "characters; at most %(limit)s)"),
                      field=name, length=len(text), limit=limit)
    if _BAD.search(text):
        raise _refuse(error, pgettext_lazy("refusal", "%(field)s contains control characters "
                                           "or invalid code points"), field=name)
    return text
