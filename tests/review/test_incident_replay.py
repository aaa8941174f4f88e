"""Incident state replayed from the audit chain (``review.incident_replay``): an attacker
who changes an incident's status or decider, or adds, changes or removes an assessment or
a history row, directly in the database, is named by ``raqib audit verify``."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from catalog import audit
from catalog.models import CustodyEvent
from raqib.cli import main
from review import workflow
from review.models import Assessment, CoercionSign, Incident, IncidentEvent
from tests.review.test_incidents import amani, broadcast, people, propose  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(people, broadcast, amani) -> tuple[Incident, Incident]:  # noqa: F811
    confirmed = propose(people, broadcast, amani)
    workflow.set_status(confirmed.pk, people["rev"], "under_review")
    workflow.set_status(confirmed.pk, people["lead"], "confirmed", confidence="high",
                        signs=["reads-script"])
    dismissed = propose(people, broadcast, amani, by="rev2")
    workflow.set_status(dismissed.pk, people["lead"], "dismissed", reason="a real interview")
    return Incident.objects.get(pk=confirmed.pk), Incident.objects.get(pk=dismissed.pk)


def test_status_and_decider_changed_in_the_database_are_named(
        decided, people, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    confirmed, dismissed = decided
    assert main(["audit", "verify", "--format", "json"]) == 0
    clean = json.loads(capsys.readouterr().out)["replay"]
    assert clean["ok"] and clean["incidents"] == 2 and clean["assessments"] == 3

    Incident.objects.filter(pk=dismissed.pk).update(status="confirmed",
                                                    decided_by=people["lead2"])
    Incident.objects.filter(pk=confirmed.pk).update(decided_by=people["lead2"])
    assert main(["audit", "verify", "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["problem"] is None  # the chain itself is intact
    problems = result["replay"]["problems"]
    assert any(p.startswith(f"incident {dismissed.pk}: status confirmed in the database, "
                            "dismissed by the chain (seq ") for p in problems)
    assert f"incident {dismissed.pk}: decided by lead2 in the database, lead by the chain" \
        in problems
    assert f"incident {confirmed.pk}: decided by lead2 in the database, lead by the chain" \
        in problems
    assert main(["audit", "verify"]) == 1
    assert (f"DISAGREES WITH THE CHAIN: incident {dismissed.pk}: status confirmed"
            in capsys.readouterr().out)


def test_assessments_and_history_rows_behind_the_chains_back_are_named(
        decided, people) -> None:  # noqa: F811
    from review.incident_replay import replay_incidents

    confirmed, dismissed = decided
    second = confirmed.assessments.get(kind="second")
    proposer = dismissed.assessments.get(kind="proposer")
    forged = Assessment.objects.create(incident=dismissed, kind="second", by=people["lead2"],
                                       confidence="high")
    Assessment.objects.filter(pk=second.pk).update(confidence="low", note="softened")
    proposer.signs.add(CoercionSign.objects.create(code="injuries", label_ar="إصابات",
                                                   label_en="injuries"))
    gone = confirmed.assessments.get(kind="proposer")
    gone.signs.clear()
    Assessment.objects.filter(pk=gone.pk).delete()
    row = IncidentEvent.objects.create(incident=dismissed, by=people["lead2"],
                                       action="status-changed", to_status="confirmed",
                                       version=dismissed.version)
    made = Incident.objects.create(title="made up", proposed_by=people["rev"],
                                   last_edited_by=people["rev"])

    problems = replay_incidents()["problems"]
    assert f"assessment {forged.pk} (incident {dismissed.pk}) not on the chain" in problems
    assert any(p.startswith(f"assessment {second.pk}: confidence low in the database, high "
                            "by the chain") for p in problems)
    assert any(p.startswith(f"assessment {second.pk}: the note in the database is not the "
                            "one the chain recorded") for p in problems)
    assert any(p.startswith(f"assessment {proposer.pk}: signs ['injuries', 'reads-script'] "
                            "in the database, ['reads-script'] by the chain")
               for p in problems)
    assert any(p.startswith(f"assessment {gone.pk} (incident {confirmed.pk}) on the chain")
               and p.endswith("but not in the database") for p in problems)
    assert f"incident history row {row.pk} (incident {dismissed.pk}) not on the chain" \
        in problems
    assert f"incident {made.pk} not on the chain" in problems


def test_rows_older_than_the_chains_record_of_them_are_counted_not_blamed(
        people, broadcast, amani) -> None:  # noqa: F811
    from review.incident_replay import replay_incidents

    # An incident from before assessments and history rows were chained: its events carry
    # only incident, version and status (what record_event wrote then).
    old = Incident.objects.create(title="older", proposed_by=people["rev"],
                                  last_edited_by=people["rev"])
    Assessment.objects.create(incident=old, kind="proposer", by=people["rev"],
                              confidence="medium")
    IncidentEvent.objects.create(incident=old, by=people["rev"], action="proposed",
                                 to_status="suspected", version=1, at=timezone.now())
    audit.record("incident-proposed", people["rev"],
                 details={"incident": old.pk, "version": 1, "status": "suspected"})
    propose(people, broadcast, amani)  # chained the way it is now

    result = replay_incidents()
    assert result["ok"], result["problems"]
    assert result["unverifiable"] == {"assessments": 1, "history_rows": 1}
    Incident.objects.filter(pk=old.pk).update(status="confirmed")
    assert replay_incidents()["problems"] == [
        f"incident {old.pk}: status confirmed in the database, suspected by the chain (seq "
        f"{CustodyEvent.objects.get(details__incident=old.pk).seq})"]
