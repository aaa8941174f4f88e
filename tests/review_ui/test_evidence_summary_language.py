"""The evidence summary's Arabic half is Arabic (issue 25): statuses, roles, kinds of
person, history actions and dates in Arabic; its English half in English; the stored
values stay in incident.json and ISO dates in ``<time datetime>``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation
from incident_seed import seed
from test_every_page_language import offending

from review import workflow
from review.evidence.package import export_bag
from review.evidence.words import WORDS, word
from review_ui.labels import LABELS


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_summary_words_are_the_ui_words(language: str) -> None:
    for kind, values in WORDS.items():
        for value in values:
            with translation.override(language):
                shown = str(LABELS[kind][value])
            assert word(kind, value, language) == shown, (kind, value)


def test_each_half_of_the_summary_is_in_its_language(db, tmp_path: Path) -> None:
    world = seed()
    lead2 = world["users"]["lead2"]
    workflow.assess(world["disown"].pk, lead2, confidence="high", signs=["reads-script"],
                    note="")
    workflow.set_status(world["disown"].pk, lead2, "confirmed")
    bag = tmp_path / "bag"
    export_bag(world["disown"].pk, bag, data_dir=tmp_path, tsa_urls=[])
    summary = (bag / "data" / "incident" / "summary.html").read_text("utf-8")
    arabic = summary.split('<section lang="ar" dir="rtl">', 1)[1].split("</section>", 1)[0]
    english = summary.split('<section lang="en" dir="ltr">', 1)[1].split("</section>", 1)[0]
    assert offending(arabic, "ar") == []
    assert offending(english, "en") == []
    with translation.override("ar"):
        for kind, value in (("incident_status", "confirmed"), ("role", "disowns"),
                            ("person_kind", "relative"), ("history_action", "proposed"),
                            ("incident_status", "under_review")):
            assert str(LABELS[kind][value]) in arabic, (kind, value)
    assert "نيسان 2021" in arabic and "Apr 2021" in english  # first aired, 2021-04-20
    assert "<time datetime='2021-04-20'>" in arabic
    data = json.loads((bag / "data" / "incident" / "incident.json").read_text("utf-8"))
    assert data["status"] == "confirmed" and data["first_aired"] == "2021-04-20"
    assert {p["role"] for p in data["persons"]} == {"disowns"}
