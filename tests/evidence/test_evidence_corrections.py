"""The evidence package carries what was said in each clip (issue 27): the machine's text,
the verified text and their difference, who corrected and who verified (pseudonyms in the
public profile), the translation; the readable summary shows the verified text under the
clip (or the machine's, marked unverified), and hostile corrected text is escaped there.
The bag still verifies. Real SQLite, real ffmpeg cut, the bag's own verifier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Broadcast, CustodyEvent
from review import corrections as cor
from review.evidence import verify_bag
from review.evidence.package import export_bag
from review.models import Incident
from tests.evidence.test_evidence_package import (  # noqa: F401 (fixtures)
    incident,
    media_file,
)

pytestmark = pytest.mark.django_db

CORRECTED = "أنا أتبرأ من ابني محمد"


def _account(name: str, role: str) -> object:
    user = get_user_model().objects.create_user(name, password="pw-12345678")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return get_user_model().objects.get(pk=user.pk)


def _texts(bag: Path, inc: Incident) -> tuple[dict, str, str]:
    clip = inc.clips.get()
    record = json.loads((bag / "data" / "clips" / f"clip-{clip.pk}.text.json").read_text())
    diff = (bag / "data" / "clips" / f"clip-{clip.pk}.diff").read_text()
    summary = (bag / "data" / "incident" / "summary.html").read_text()
    return record, diff, summary


def test_the_package_carries_machine_and_verified_text_their_diff_and_who(
        incident: tuple[Incident, Path], tmp_path: Path) -> None:  # noqa: F811
    inc, data_dir = incident
    corrector, verifier = _account("noura.corrector", "reviewer"), _account("ziad.verifier",
                                                                           "lead")
    broadcast = Broadcast.objects.get()
    c = cor.correct(broadcast, 0, 0, CORRECTED, by=corrector)
    cor.verify(c, by=verifier)
    t = cor.translate(c, "I disown my son Mohammad", by=verifier)
    cor.verify_translation(t, by=corrector)

    full = tmp_path / "full"
    export_bag(inc.pk, full, profile="full", data_dir=data_dir)
    record, diff, summary = _texts(full, inc)
    assert record["machine_text"] == "أنا أتبرأ من ابني"
    assert record["verified"] is True and record["verified_text"] == CORRECTED
    (r,) = record["ranges"]
    assert (r["corrected_by"], r["verified_by"]) == ("noura.corrector", "ziad.verifier")
    assert ["+", "محمد"] in r["word_diff"]
    assert r["translations"][0]["text"] == "I disown my son Mohammad"
    assert r["translations"][0]["verified_by"] == "noura.corrector"
    assert "+محمد\n" in diff and "--- machine segments 0-0" in diff
    assert CORRECTED in summary and "I disown my son Mohammad" in summary
    assert "verified by <bdi>ziad.verifier</bdi>" in summary
    assert verify_bag.verify(full)["ok"]
    chain = json.loads((full / "data" / "custody" / "audit-chain.json").read_text())
    assert {"correction-made", "correction-verified", "translation-made",
            "translation-verified"} <= {e["action"] for e in chain["events"]}

    public = tmp_path / "public"
    export_bag(inc.pk, public, profile="public", data_dir=data_dir)
    record, _diff, summary = _texts(public, inc)
    (r,) = record["ranges"]
    assert r["corrected_by"].startswith("Reviewer ") and r["verified_by"].startswith("Lead ")
    assert r["text"] == CORRECTED
    for path in public.rglob("*"):
        if path.is_file():
            assert b"noura.corrector" not in path.read_bytes(), path
            assert b"ziad.verifier" not in path.read_bytes(), path
    assert verify_bag.verify(public)["ok"]


def test_an_uncorrected_clip_shows_the_machine_text_marked_unverified(
        incident: tuple[Incident, Path], tmp_path: Path) -> None:  # noqa: F811
    inc, data_dir = incident
    export_bag(inc.pk, tmp_path / "bag", profile="full", data_dir=data_dir)
    record, diff, summary = _texts(tmp_path / "bag", inc)
    assert record["verified"] is False and record["ranges"] == [] and diff == ""
    assert "أنا أتبرأ من ابني" in summary and "machine transcript, unverified" in summary


def test_hostile_corrected_text_is_escaped_in_the_summary(
        incident: tuple[Incident, Path], tmp_path: Path) -> None:  # noqa: F811
    inc, data_dir = incident
    c = cor.correct(Broadcast.objects.get(), 0, 0,
                    "\u202e<script>alert(1)</script> أتبرأ", by=_account("r1", "reviewer"))
    export_bag(inc.pk, tmp_path / "bag", profile="full", data_dir=data_dir)
    record, _diff, summary = _texts(tmp_path / "bag", inc)
    assert record["ranges"][0]["text"] == c.text  # the JSON keeps the text as typed
    assert "<script>" not in summary and "&lt;script&gt;" in summary
    assert "\u202e" not in summary and "corrected, NOT verified" in summary
    assert CustodyEvent.objects.filter(action="correction-made").count() == 1
