"""The vocabulary of coded signs of coercion (``CoercionSign``) that leads maintain.

Reviewers read the list; only a lead (or an admin) adds a sign or (de)activates one. Signs
are never deleted: an incident keeps the signs it was coded with, and a deactivated sign
simply stops being offered for new codings (``review.incidents.find_signs`` accepts active
signs only). Input is checked before anything is written (``VocabularyError`` with a
readable message): the code is a lowercase slug (``reads-script``), both labels are
required and bounded. Each change is a ``catalog.audit`` entry (``sign-added``,
``sign-changed``). Used by the review UI's vocabulary page; the command line can call the
same functions. To add a field to a sign: the model in ``review.models``, ``add_sign``'s
arguments and ``sign_json``.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from catalog import audit
from review.errors import RuleError
from review.incidents import ReviewRuleError, require_role
from review.models import CoercionSign
from review.text import clean_text

MAX_CODE = 64
MAX_LABEL = 200
CODE_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class VocabularyError(RuleError, ValueError):
    """Bad sign input or an unknown sign; nothing was written."""


def all_signs() -> QuerySet[CoercionSign]:
    """Every sign, active and inactive, ordered by code."""
    return CoercionSign.objects.order_by("code")


def check_code(code: Any) -> str:
    """The code, stripped, or ``VocabularyError`` when it is not a lowercase slug."""
    code = clean_text(code, "code", MAX_CODE, required=True, error=VocabularyError)
    if not CODE_RE.fullmatch(code):
        raise VocabularyError(
            _("code %(code)s must be lowercase Latin letters and digits joined by single "
              "hyphens or underscores, e.g. %(example)s"), code=repr(code),
            example="reads-script")
    return code


def add_sign(code: Any, label_ar: Any, label_en: Any, *, user: Any) -> CoercionSign:
    """A lead adds a sign (active); ``VocabularyError`` on bad input or a code in use,
    ``ReviewRuleError`` when ``user`` is not a lead."""
    require_role(user, "lead", _("add a sign of coercion"))
    code = check_code(code)
    label_ar = clean_text(label_ar, "Arabic label", MAX_LABEL, required=True,
                          error=VocabularyError)
    label_en = clean_text(label_en, "English label", MAX_LABEL, required=True,
                          error=VocabularyError)
    if CoercionSign.objects.filter(code=code).exists():
        raise VocabularyError(_("a sign with code %(code)s exists already"), code=repr(code))
    try:
        with transaction.atomic():
            sign = CoercionSign.objects.create(code=code, label_ar=label_ar,
                                               label_en=label_en, created_by=user)
            audit.record("sign-added", user, details={
                "sign": sign.pk, "code": code, "label_ar": label_ar, "label_en": label_en})
    except IntegrityError:  # added by someone else between the check and the insert
        raise VocabularyError(_("a sign with code %(code)s exists already"),
                              code=repr(code)) from None
    return sign


def find_sign(reference: Any) -> CoercionSign:
    """The sign with this code, or with this id (digits); ``VocabularyError`` if none."""
    text = str(reference if reference is not None else "").strip()
    if text.isdigit():
        found = CoercionSign.objects.filter(pk=int(text)).first() if len(text) < 19 else None
    else:
        found = CoercionSign.objects.filter(code=text).first()
    if found is None:
        raise VocabularyError(_("no sign %(code)s"), code=repr(text))
    return found


def set_sign_active(reference: Any, active: bool, *, user: Any) -> CoercionSign:
    """A lead (de)activates a sign named by code or id; no change, no audit entry."""
    require_role(user, "lead", _("change a sign of coercion"))
    sign = find_sign(reference)
    active = bool(active)
    if sign.active == active:
        return sign
    with transaction.atomic():
        CoercionSign.objects.filter(pk=sign.pk).update(active=active)
        sign.active = active
        audit.record("sign-changed", user, details={
            "sign": sign.pk, "code": sign.code, "active": active})
    return sign


def sign_json(sign: CoercionSign) -> dict[str, Any]:
    return {"id": sign.pk, "code": sign.code, "label_ar": sign.label_ar,
            "label_en": sign.label_en, "active": sign.active}


__all__ = ["VocabularyError", "ReviewRuleError", "add_sign", "all_signs", "check_code",
           "find_sign", "set_sign_active", "sign_json"]
