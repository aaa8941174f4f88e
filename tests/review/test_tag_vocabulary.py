"""The tag vocabulary leads keep: the starting set, reviewers' free-text tags kept as
proposals until a lead promotes them, and tags on a segment range or a time range."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Broadcast, CustodyEvent, Outlet, Segment, Source, Tag, Transcript
from raqib.cli import main
from review.tagging import TagError, add_tag, promote_tag, tags_of, vocabulary
from tests.cli_persons import as_person

pytestmark = pytest.mark.django_db
STARTING = {"forced-confession", "family-disavowal", "coerced-testimony",
            "denial-of-documented-crimes", "named-activist", "minor-present"}


@pytest.fixture
def broadcast() -> Broadcast:
    outlet = Outlet.objects.create(name="سما")
    source = Source.objects.create(name="sama", outlet=outlet, kind="html")
    item = Broadcast.objects.create(source=source, outlet=outlet, external_id="1",
                                    url="https://example.org/1", title="نشرة")
    transcript = Transcript.objects.create(broadcast=item, engine="x", model_id="m")
    for n, (start, end) in enumerate([(0, 5), (5, 9), (9, 14)]):
        Segment.objects.create(transcript=transcript, number=n, start=start, end=end,
                               text=f"جملة {n}")
    return item


def account(name: str, role: str) -> object:
    user = get_user_model().objects.create_user(name, password="unused-pass-9876")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_starting_vocabulary_is_there_with_both_labels() -> None:
    entries = {v["tag"]: v for v in vocabulary() if v["vocabulary"]}
    assert set(entries) >= STARTING
    assert entries["family-disavowal"]["label_ar"] == "تبرؤ عائلي"
    assert entries["minor-present"]["label_en"] == "minor present"


def test_free_text_tag_is_a_proposal_until_a_lead_promotes_it(broadcast) -> None:
    reviewer, lead = account("rev", "reviewer"), account("lead", "lead")
    add_tag(broadcast.pk, "prison-uniform", user=reviewer, note="زي السجن")
    assert Tag.objects.get(name="prison-uniform").vocabulary is False
    with pytest.raises(TagError, match="lead role"):
        promote_tag("prison-uniform", reviewer)
    promote_tag("prison-uniform", lead, label_ar="زي السجن", label_en="prison uniform")
    tag = Tag.objects.get(name="prison-uniform")
    assert tag.vocabulary and tag.promoted_by == lead and tag.label_en == "prison uniform"
    assert CustodyEvent.objects.filter(action="tag-promoted").count() == 1


def test_segment_range_and_time_range(broadcast) -> None:
    add_tag(broadcast.pk, "forced-confession", segment_number=0, to_segment=1, note="n")
    add_tag(broadcast.pk, "forced-confession", start="0:10", end="0:13")
    rows = [(r["segment"], r["start"], r["end"]) for r in tags_of(broadcast.pk)]
    assert rows == [(0, 0.0, 9.0), (None, 10.0, 13.0)]
    _, created, _ = add_tag(broadcast.pk, "forced-confession", start="10", end="13")
    assert created is False  # the same range again is the same tagging
    for kwargs, message in (({"segment_number": 2, "to_segment": 1}, "does not follow"),
                            ({"to_segment": 1}, "first segment"),
                            ({"start": "12", "end": "3"}, "not inside"),
                            ({"start": "0", "end": "99"}, "not inside"),
                            ({"start": "x", "end": "3"}, "not a time"),
                            ({"segment_number": 0, "start": "1", "end": "2"}, "not both")):
        with pytest.raises(TagError, match=message):
            add_tag(broadcast.pk, "minor-present", **kwargs)


def test_cli_vocabulary_and_promote(capsys, broadcast) -> None:
    account("lead", "lead")
    account("rev", "reviewer")
    assert main(["tag", "add", str(broadcast.pk), "blindfolded", "--start", "1", "--end",
                 "4", *as_person("rev")]) == 0
    capsys.readouterr()
    assert tags_of(broadcast.pk)[0]["by"] == "rev"  # the person, not the shell user
    assert main(["tag", "vocabulary", "--format", "json"]) == 0
    rows = {r["tag"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["blindfolded"]["vocabulary"] is False and rows["blindfolded"]["uses"] == 1
    assert main(["tag", "promote", "blindfolded", *as_person("rev")]) == 1
    assert "lead role" in capsys.readouterr().err
    assert main(["tag", "promote", "blindfolded", "--label-ar", "معصوب العينين",
                 *as_person("lead"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["vocabulary"] is True
