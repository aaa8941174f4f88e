"""Incidents: the records, the status workflow, the two-person rule, the blind second review,
visibility of restricted persons and incidents, optimistic versioning and bad input.

Every rule is exercised on the real models (SQLite here; the PostgreSQL run is in
``test_incidents_cli.py``) through ``review.incidents`` / ``review.workflow``, which both
the review UI and ``raqib incidents`` call.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Broadcast, CustodyEvent, MediaFile, Outlet, Segment, Source, Transcript
from review import incidents as inc
from review import workflow
from review.incident_json import export_csv, incident_json
from review.models import Assessment, Incident, IncidentEvent, Person
from review.persons import PersonError, add_person, find_person, search_persons
from review.timecode import TimecodeError, format_time, parse_time

pytestmark = pytest.mark.django_db


def user(name: str, role: str | None) -> object:
    account = get_user_model().objects.create_user(name, password="x-unused-secret")
    if role:
        account.groups.add(Group.objects.get_or_create(name=role)[0])
    return account


@pytest.fixture
def people() -> dict[str, object]:
    return {"rev": user("rev", "reviewer"), "rev2": user("rev2", "reviewer"),
            "lead": user("lead", "lead"), "lead2": user("lead2", "lead"),
            "viewer": user("viewer", "viewer"), "admin": user("admin", "admin")}


@pytest.fixture
def broadcast() -> Broadcast:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="html")
    media = MediaFile.objects.create(sha256="a" * 64, path="m.mp4", size=1, duration=1200.0)
    item = Broadcast.objects.create(source=source, outlet=outlet, external_id="ep1",
                                    url="https://example.org/ep1", title="من النفق إلى النور",
                                    program="وثائقي", media=media)
    transcript = Transcript.objects.create(broadcast=item, media=media, engine="x",
                                           model_id="m")
    Segment.objects.create(transcript=transcript, number=0, start=760, end=845,
                           text="أنا والد أماني وأتبرأ منها")
    return item


@pytest.fixture
def amani() -> tuple[Person, Person]:
    father = add_person("والد أماني بلور", kind="relative", latin="Father of Amani Ballour")
    daughter = add_person("د. أماني بلور", variants=["اماني بلور"], latin="Dr Amani Ballour",
                          kind="activist")
    return father, daughter


def propose(people, broadcast, amani, by="rev", **extra) -> Incident:
    return inc.propose(people[by], broadcast_id=broadcast.pk, start="12:40", end="14:05",
                       title="والد الطبيبة أماني بلور يتبرأ منها",
                       people=[inc.OnAir("والد أماني بلور", "disowns", "father of",
                                         "Dr Amani Ballour")],
                       signs=["reads-script"], confidence="high", **extra)


def test_time_codes_round_trip_and_refuse_nonsense() -> None:
    assert parse_time("12:40") == 760 and parse_time("0:14:05") == 845
    assert parse_time("760.5") == 760.5 and format_time(845) == "14:05"
    assert format_time(3725.5) == "1:02:05.5"
    for bad in ("", "12:75", "1:61:00", "abc", "-3", "9" * 30, "nan"):
        with pytest.raises(TimecodeError):
            parse_time(bad)


def test_person_found_by_any_name_normalised(amani) -> None:
    father, daughter = amani
    assert daughter.name == "د. أماني بلور"  # stored as typed
    for query in ("أماني", "اماني", "امانى بلور", "amani", "BALLOUR", "أما"):
        assert daughter in search_persons(query), query
    assert list(search_persons("بلور")) == sorted([father, daughter], key=lambda p: p.name)
    assert find_person("Dr Amani Ballour") == daughter
    assert find_person(f"#{father.pk}") == father
    with pytest.raises(PersonError, match="no person named"):
        find_person("أحد ما")
    with pytest.raises(PersonError, match="kind"):
        add_person("x", kind="spy")
    with pytest.raises(PersonError, match="control"):
        add_person("bad\x00name")


def test_propose_records_everything(people, broadcast, amani) -> None:
    incident = propose(people, broadcast, amani)
    data = incident_json(incident)
    assert data["status"] == "suspected" and data["version"] == 1
    assert data["outlet"] == "الإخبارية السورية" and data["programme"] == "وثائقي"
    assert [(c["broadcast_id"], c["start"], c["end"]) for c in data["clips"]] == [
        (broadcast.pk, 760.0, 845.0)]
    assert data["persons"] == [{
        "person_id": amani[0].pk, "name": "والد أماني بلور", "kind": "relative",
        "role": "disowns", "relation": "father of", "targeted_person_id": amani[1].pk,
        "targeted_name": "د. أماني بلور"}]
    assert data["signs"] == ["reads-script"] and data["confidence"] == "high"
    assert [h["action"] for h in data["history"]] == ["proposed"]
    assert CustodyEvent.objects.filter(action="incident-proposed").count() == 1
    assert data["assigned"] == ["rev"]


@pytest.mark.parametrize("field, value, message", [
    ("start", "20:00", "before it starts"),
    ("end", "30:00", "after the end of broadcast"),
    ("broadcast_id", 99999, "no broadcast"),
    ("broadcast_id", "x", "not a number"),
    ("start", "soon", "not a time"),
    ("title", "  ", "title is required"),
    ("signs", ["no-such-sign"], "unknown sign"),
    ("people", [inc.OnAir("nobody")], "no person named"),
    ("people", [inc.OnAir("والد أماني بلور", "sings")], "unknown role"),
])
def test_bad_proposals_write_nothing(people, broadcast, amani, field, value, message) -> None:
    arguments = {"broadcast_id": broadcast.pk, "start": "12:40", "end": "14:05",
                 "title": "t", field: value}
    with pytest.raises(inc.IncidentError, match=message):
        inc.propose(people["rev"], **arguments)
    assert Incident.objects.count() == 0 and IncidentEvent.objects.count() == 0


def test_only_reviewers_and_above_propose(people, broadcast, amani) -> None:
    with pytest.raises(inc.ReviewRuleError, match="reviewer role"):
        propose(people, broadcast, amani, by="viewer")
    with pytest.raises(inc.ReviewRuleError, match="needs a user account"):
        inc.propose(None, broadcast_id=broadcast.pk, start=0, end=1, title="t")
    assert Incident.objects.count() == 0


def test_two_person_rule_and_blind_second_review(people, broadcast, amani) -> None:
    incident = propose(people, broadcast, amani, by="lead")
    workflow.set_status(incident.pk, people["rev"], "under_review")
    # the proposer, even a lead, may not decide
    with pytest.raises(inc.ReviewRuleError, match="two-person rule"):
        workflow.set_status(incident.pk, people["lead"], "confirmed", confidence="high")
    # nor may a reviewer
    with pytest.raises(inc.ReviewRuleError, match="lead role"):
        workflow.set_status(incident.pk, people["rev"], "confirmed", confidence="high")
    # a lead who last edited it may not either
    inc.edit(incident.pk, people["lead2"], notes="added the presenter's words")
    with pytest.raises(inc.ReviewRuleError, match="two-person rule"):
        workflow.set_status(incident.pk, people["lead2"], "confirmed", confidence="high")
    # the admin (a third person) sees no proposer's assessment before assessing
    incident.refresh_from_db()
    before = incident_json(incident, people["admin"])
    assert before["proposer_assessment_hidden"] is True
    assert before["confidence"] is None and before["signs"] is None
    assert all(a["kind"] != "proposer" for a in before["assessments"])
    with pytest.raises(inc.IncidentError, match="own assessment"):
        workflow.set_status(incident.pk, people["admin"], "confirmed")
    workflow.assess(incident.pk, people["admin"], confidence="medium",
                    signs=["detention-setting"])
    after = incident_json(Incident.objects.get(pk=incident.pk), people["admin"])
    assert after["proposer_assessment_hidden"] is False and after["confidence"] == "high"
    kinds = [(a["kind"], a["by"], a["confidence"]) for a in after["assessments"]]
    assert ("proposer", "lead", "high") in kinds and ("second", "admin", "medium") in kinds
    confirmed = workflow.set_status(incident.pk, people["admin"], "confirmed")
    assert confirmed.status == "confirmed" and confirmed.decided_by == people["admin"]
    actions = [h["action"] for h in incident_json(confirmed)["history"]]
    assert actions == ["proposed", "status-changed", "edited", "assessed", "status-changed"]


def test_confirm_with_assessment_in_one_step_and_transitions(people, broadcast, amani) -> None:
    incident = propose(people, broadcast, amani)
    with pytest.raises(inc.ReviewRuleError, match="can go to"):
        workflow.set_status(incident.pk, people["lead"], "confirmed", confidence="high")
    workflow.set_status(incident.pk, people["rev"], "under_review")
    done = workflow.set_status(incident.pk, people["lead"], "confirmed", confidence="low",
                               signs=["reads-script"])
    assert done.assessments.filter(kind="second", by=people["lead"]).count() == 1
    with pytest.raises(inc.ReviewRuleError, match="a lead reopens it"):
        inc.edit(incident.pk, people["rev"], title="changed after confirmation")
    with pytest.raises(inc.IncidentError, match="needs a reason"):
        workflow.set_status(incident.pk, people["lead2"], "under_review")
    workflow.set_status(incident.pk, people["lead2"], "under_review", reason="new footage")
    with pytest.raises(inc.IncidentError, match="needs a reason"):
        workflow.set_status(incident.pk, people["lead2"], "dismissed")
    gone = workflow.set_status(incident.pk, people["lead2"], "dismissed", reason="duplicate")
    assert gone.status == "dismissed" and Incident.objects.count() == 1  # nothing deleted
    reasons = [h["reason"] for h in incident_json(gone)["history"] if h["reason"]]
    assert reasons == ["new footage", "duplicate"]


def test_second_assessment_is_kept_once_and_never_by_the_proposer(people, broadcast,
                                                                  amani) -> None:
    incident = propose(people, broadcast, amani, by="lead")
    with pytest.raises(inc.ReviewRuleError, match="under review"):
        workflow.assess(incident.pk, people["lead2"], confidence="high")
    workflow.set_status(incident.pk, people["lead"], "under_review")
    with pytest.raises(inc.ReviewRuleError, match="another lead"):
        workflow.assess(incident.pk, people["lead"], confidence="high")
    workflow.assess(incident.pk, people["lead2"], confidence="high")
    with pytest.raises(inc.IncidentError, match="already assessed"):
        workflow.assess(incident.pk, people["lead2"], confidence="low")
    assert Assessment.objects.filter(kind="second").count() == 1


def test_stale_edit_is_refused_and_nothing_lost(people, broadcast, amani) -> None:
    incident = propose(people, broadcast, amani)
    seen = incident.version
    inc.edit(incident.pk, people["rev"], version=seen, notes="first reviewer's note")
    with pytest.raises(inc.IncidentConflict, match="changed by rev"):
        inc.edit(incident.pk, people["rev2"], version=seen, notes="second reviewer's note")
    incident.refresh_from_db()
    assert incident.notes == "first reviewer's note" and incident.version == seen + 1
    assert incident.last_edited_by == people["rev"]


def test_restricted_persons_and_incidents_are_seen_by_leads_and_assigned_only(
        people, broadcast, amani) -> None:
    secret = add_person("معتقل مجهول", kind="detainee", restricted=True)
    incident = inc.propose(people["lead"], broadcast_id=broadcast.pk, start=0, end=10,
                           title="ظهور معتقل", people=[inc.OnAir(f"#{secret.pk}")])
    assert incident.restricted
    for who in ("lead", "lead2", "admin"):
        assert inc.visible_incidents(people[who]).filter(pk=incident.pk).exists(), who
        assert search_persons("معتقل", people[who]).filter(pk=secret.pk).exists(), who
    for who in ("rev", "viewer"):
        assert not inc.visible_incidents(people[who]).filter(pk=incident.pk).exists(), who
        assert not search_persons("معتقل", people[who]).exists(), who
        with pytest.raises(inc.IncidentError, match="no incident"):
            inc.get_incident(incident.pk, people[who])
        with pytest.raises(PersonError):
            find_person(f"#{secret.pk}", people[who])
    inc.assign(incident.pk, people["lead"], people["rev"])
    assert inc.get_incident(incident.pk, people["rev"]) == incident
    assert search_persons("معتقل", people["rev"]).get() == secret
    assert not inc.visible_incidents(people["rev2"]).filter(pk=incident.pk).exists()
    with pytest.raises(inc.ReviewRuleError, match="lead role"):
        inc.assign(incident.pk, people["rev"], people["rev2"])


def test_clips_and_persons_added_later(people, broadcast, amani) -> None:
    incident = propose(people, broadcast, amani)
    inc.add_clip(incident.pk, people["rev2"], broadcast_id=broadcast.pk, start=900, end=960,
                 note="the same words again")
    with pytest.raises(inc.IncidentError, match="already has this clip"):
        inc.add_clip(incident.pk, people["rev2"], broadcast_id=broadcast.pk, start=900, end=960)
    with pytest.raises(inc.IncidentError, match="already on incident"):
        inc.add_person(incident.pk, people["rev2"], inc.OnAir("والد أماني بلور"))
    data = incident_json(Incident.objects.get(pk=incident.pk))
    assert len(data["clips"]) == 2 and data["last_edited_by"] == "rev2"


def test_csv_export_neutralises_formulas(people, broadcast, amani) -> None:
    incident = inc.propose(people["rev"], broadcast_id=broadcast.pk, start=0, end=5,
                           title='=HYPERLINK("http://evil.example")')
    text = export_csv([incident_json(incident)])
    header, row = text.splitlines()[:2]
    assert header.startswith("id,title,status")
    assert "'=HYPERLINK" in row and ",=HYPERLINK" not in row


@pytest.mark.parametrize("shape", ["edit", "clip", "person", "signs"])
def test_two_person_rule_covers_everyone_who_ever_shaped_it(people, broadcast, amani,
                                                            shape) -> None:
    """Finding 4 of issue 23: a lead changes an incident, a reviewer makes a trivial edit
    after, and the lead may still not assess, confirm or dismiss it."""
    incident = propose(people, broadcast, amani, by="rev")
    lead = people["lead"]
    if shape == "edit":
        inc.edit(incident.pk, lead, title="rewritten by the lead", notes="the lead's story")
    elif shape == "clip":
        inc.add_clip(incident.pk, lead, broadcast_id=broadcast.pk, start=900, end=960)
    elif shape == "person":
        inc.add_person(incident.pk, lead, inc.OnAir("د. أماني بلور"))
    else:
        inc.edit(incident.pk, lead, signs=["reads-script", "detention-setting"])
    inc.edit(incident.pk, people["rev2"], notes="a trivial typo fixed")
    workflow.set_status(incident.pk, people["rev2"], "under_review")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.last_edited_by == people["rev2"] and incident.proposed_by == people["rev"]
    assert workflow.is_own(incident, lead)
    assert not workflow.proposer_assessment_hidden(incident, lead)
    with pytest.raises(inc.ReviewRuleError, match="another lead"):
        workflow.assess(incident.pk, lead, confidence="high")
    with pytest.raises(inc.ReviewRuleError, match="two-person rule"):
        workflow.set_status(incident.pk, lead, "confirmed", confidence="high")
    with pytest.raises(inc.ReviewRuleError, match="two-person rule"):
        workflow.set_status(incident.pk, lead, "dismissed", reason="not a confession")
    assert Incident.objects.get(pk=incident.pk).status == "under_review"
    assert not incident.assessments.filter(kind="second").exists()
    # a lead who only read it, assigned it or sent it on decides it
    inc.assign(incident.pk, people["lead2"], people["rev2"])
    done = workflow.set_status(incident.pk, people["lead2"], "confirmed", confidence="high")
    assert done.status == "confirmed" and done.decided_by == people["lead2"]
    # deciding is not shaping: lead2 may still reopen and decide again
    workflow.set_status(incident.pk, people["admin"], "under_review", reason="new footage")
    assert not workflow.is_own(Incident.objects.get(pk=incident.pk), people["lead2"])
