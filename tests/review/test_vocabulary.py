"""The signs-of-coercion vocabulary: only leads change it, input is checked before anything
is written, every change is audited, and a deactivated sign is no longer accepted for new
codings (but stays on the incidents that have it)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import CustodyEvent
from review import vocabulary as vocab
from review.incidents import IncidentError, ReviewRuleError, find_signs
from review.models import CoercionSign

pytestmark = pytest.mark.django_db


def user(name: str, role: str | None) -> object:
    account = get_user_model().objects.create_user(name, password="x-unused-secret")
    if role:
        account.groups.add(Group.objects.get_or_create(name=role)[0])
    return account


def test_starting_signs_are_there_and_ordered() -> None:
    codes = [s.code for s in vocab.all_signs()]
    assert "reads-script" in codes and codes == sorted(codes)


def test_lead_adds_a_sign_audited_and_usable() -> None:
    lead = user("lead", "lead")
    sign = vocab.add_sign("  blindfolded ", "معصوب العينين", "blindfolded", user=lead)
    assert (sign.code, sign.label_ar, sign.active, sign.created_by) == (
        "blindfolded", "معصوب العينين", True, lead)
    entry = CustodyEvent.objects.filter(action="sign-added").get()
    assert entry.actor == "lead" and entry.details["code"] == "blindfolded"
    assert entry.details["label_ar"] == "معصوب العينين"
    assert [s.code for s in find_signs(["blindfolded"])] == ["blindfolded"]
    assert vocab.sign_json(sign)["label_en"] == "blindfolded"


@pytest.mark.parametrize("role", ["viewer", "reviewer", None])
def test_only_leads_change_the_vocabulary(role: str | None) -> None:
    someone = user("someone", role)
    with pytest.raises(ReviewRuleError, match="lead role"):
        vocab.add_sign("new-sign", "علامة", "sign", user=someone)
    with pytest.raises(ReviewRuleError, match="lead role"):
        vocab.set_sign_active("reads-script", False, user=someone)
    with pytest.raises(ReviewRuleError):
        vocab.add_sign("new-sign", "علامة", "sign", user=None)
    assert not CoercionSign.objects.filter(code="new-sign").exists()
    assert CoercionSign.objects.get(code="reads-script").active
    assert not CustodyEvent.objects.filter(action__startswith="sign-").exists()


@pytest.mark.parametrize(("code", "label_ar", "label_en", "message"), [
    ("", "علامة", "sign", "code is required"),
    ("Reads Script", "علامة", "sign", "lowercase"),
    ("علامة", "علامة", "sign", "lowercase"),
    ("-lead", "علامة", "sign", "lowercase"),
    ("a--b", "علامة", "sign", "lowercase"),
    ("x" * 65, "علامة", "sign", "too long"),
    ("ok-code", "", "sign", "Arabic label is required"),
    ("ok-code", "علامة", "  ", "English label is required"),
    ("ok-code", "ع" * 201, "sign", "too long"),
    ("ok-code", "علامة", "bad\x00label", "control characters"),
    ("reads-script", "علامة", "sign", "exists already"),
])
def test_bad_sign_input_is_refused_and_nothing_written(code: str, label_ar: str,
                                                       label_en: str, message: str) -> None:
    lead = user("lead", "lead")
    before = CoercionSign.objects.count()
    with pytest.raises(vocab.VocabularyError, match=message):
        vocab.add_sign(code, label_ar, label_en, user=lead)
    assert CoercionSign.objects.count() == before
    assert not CustodyEvent.objects.filter(action__startswith="sign-").exists()


def test_deactivate_and_reactivate_by_code_or_id() -> None:
    lead = user("lead", "lead")
    sign = vocab.set_sign_active("reads-script", False, user=lead)
    assert not CoercionSign.objects.get(pk=sign.pk).active
    with pytest.raises(IncidentError, match="unknown sign"):
        find_signs(["reads-script"])
    # the same state again: nothing to record
    vocab.set_sign_active(str(sign.pk), False, user=lead)
    changes = CustodyEvent.objects.filter(action="sign-changed")
    assert [e.details["active"] for e in changes] == [False]
    vocab.set_sign_active(sign.pk, True, user=lead)
    assert CoercionSign.objects.get(pk=sign.pk).active
    assert [e.details["active"] for e in changes.order_by("id")] == [False, True]


@pytest.mark.parametrize("reference", ["no-such-sign", "999999", "9" * 40, "", None])
def test_unknown_sign_is_a_clear_error(reference: object) -> None:
    with pytest.raises(vocab.VocabularyError, match="no sign"):
        vocab.set_sign_active(reference, False, user=user("lead", "lead"))
