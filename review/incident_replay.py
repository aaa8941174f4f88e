"""Replaying incident state from the audit chain and naming every database row that
disagrees with it: an incident's status, decider or version changed in the database
directly, an incident, assessment or history row the chain never recorded, or one it
recorded that is gone.

Every incident change appends an ``incident-<action>`` event to the chain
(``review.incidents.record_event``) with the incident, its status and version after the
change; the actor of the last ``incident-status-changed`` to ``confirmed``/``dismissed`` is
the decider. Since this module exists the event also names the ``IncidentEvent`` it goes
with and the assessment recorded with it (id, kind, by, confidence, signs, the note's
SHA-256), so assessments are replayed too.

Older rows: events written before the history row was named carry no ``incident_event``;
those written before assessments were chained carry no ``assessment``. Status, decider and
version replay from every event. A history row or an assessment whose id is below the
first one the chain names is *unverifiable* (counted, not a disagreement): the chain of
that time did not record it. To replay another field: record it in ``record_event``'s
details, fold it in ``_fold`` and compare it in ``replay_incidents``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from catalog.models import CustodyEvent
from review.models import Assessment, Incident, IncidentEvent

DECIDED = (Incident.Status.CONFIRMED, Incident.Status.DISMISSED)


@dataclass
class ChainIncident:
    """An incident as the chain tells it."""

    seq: int  # the last event's seq
    status: str = ""
    version: int | None = None
    decider: str | None = None


@dataclass
class ChainState:
    """Everything the chain recorded about incidents."""

    incidents: dict[int, ChainIncident] = field(default_factory=dict)
    events: set[int] = field(default_factory=set)  # IncidentEvent ids
    assessments: dict[int, dict[str, Any]] = field(default_factory=dict)


def _fold(state: ChainState, seq: int, action: str, actor: str,
          details: dict[str, Any]) -> None:
    incident = state.incidents.setdefault(int(details["incident"]), ChainIncident(seq))
    incident.seq, incident.status = seq, str(details["status"])
    incident.version = details.get("version")
    if action == "incident-status-changed":
        incident.decider = actor if incident.status in DECIDED else None
    if isinstance(details.get("incident_event"), int):
        state.events.add(details["incident_event"])
    facts = details.get("assessment")
    if isinstance(facts, dict) and isinstance(facts.get("id"), int):
        state.assessments[facts["id"]] = {**facts, "incident": details["incident"],
                                          "seq": seq}


def chain_state() -> ChainState:
    """Walk the chain's incident events in ``seq`` order."""
    state = ChainState()
    rows = (CustodyEvent.objects.filter(action__startswith="incident-").order_by("seq")
            .values_list("seq", "action", "actor", "details"))
    for seq, action, actor, details in rows.iterator(chunk_size=5000):
        if isinstance(details, dict) and "status" in details and isinstance(
                details.get("incident"), int):
            _fold(state, seq, action, actor, details)
    return state


def _db_assessments() -> dict[int, dict[str, Any]]:
    rows = {a["id"]: {**a, "signs": []} for a in Assessment.objects.values(
        "id", "incident_id", "kind", "by__username", "confidence", "note")}
    for assessment_id, code in Assessment.signs.through.objects.values_list(
            "assessment_id", "coercionsign__code"):
        if assessment_id in rows:
            rows[assessment_id]["signs"].append(code)
    return rows


def _incident_problems(state: ChainState) -> list[str]:
    problems = []
    seen = set()
    for pk, status, version, decider in Incident.objects.order_by("pk").values_list(
            "pk", "status", "version", "decided_by__username"):
        seen.add(pk)
        told = state.incidents.get(pk)
        if told is None:
            problems.append(f"incident {pk} not on the chain")
            continue
        if status != told.status:
            problems.append(f"incident {pk}: status {status} in the database, {told.status} "
                            f"by the chain (seq {told.seq})")
        if decider != told.decider:
            problems.append(f"incident {pk}: decided by {decider or 'nobody'} in the database,"
                            f" {told.decider or 'nobody'} by the chain")
        if told.version is not None and version != told.version:
            problems.append(f"incident {pk}: version {version} in the database, "
                            f"{told.version} by the chain (seq {told.seq})")
    problems += [f"incident {pk} on the chain (seq {told.seq}) but not in the database"
                 for pk, told in sorted(state.incidents.items()) if pk not in seen]
    return problems


def _assessment_problems(state: ChainState) -> tuple[list[str], int]:
    problems, legacy = [], 0
    first = min(state.assessments, default=None)
    held = _db_assessments()
    for pk, row in sorted(held.items()):
        told = state.assessments.get(pk)
        if told is None:
            if first is None or pk < first:
                legacy += 1
            else:
                problems.append(f"assessment {pk} (incident {row['incident_id']}) not on the "
                                "chain")
            continue
        now = {"incident": row["incident_id"], "kind": row["kind"], "by": row["by__username"],
               "confidence": row["confidence"], "signs": sorted(row["signs"]),
               "note_sha256": _sha256(row["note"])}
        for name, value in now.items():
            if told.get(name) == value:
                continue
            if name == "note_sha256":
                problems.append(f"assessment {pk}: the note in the database is not the one "
                                f"the chain recorded (seq {told['seq']})")
            else:
                problems.append(f"assessment {pk}: {name} {value} in the database, "
                                f"{told.get(name)} by the chain (seq {told['seq']})")
    problems += [f"assessment {pk} (incident {told['incident']}) on the chain (seq "
                 f"{told['seq']}) but not in the database"
                 for pk, told in sorted(state.assessments.items()) if pk not in held]
    return problems, legacy


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _event_problems(state: ChainState) -> tuple[list[str], int]:
    problems, legacy = [], 0
    first = min(state.events, default=None)
    held = dict(IncidentEvent.objects.values_list("pk", "incident_id"))
    for pk, incident_id in sorted(held.items()):
        if pk in state.events:
            continue
        if first is None or pk < first:
            legacy += 1
        else:
            problems.append(f"incident history row {pk} (incident {incident_id}) not on the "
                            "chain")
    problems += [f"incident history row {pk} on the chain but not in the database"
                 for pk in sorted(state.events) if pk not in held]
    return problems, legacy


def replay_incidents() -> dict[str, Any]:
    """Replay the chain and compare: ``problems`` names each disagreeing row;
    ``unverifiable`` counts rows older than the chain's record of their kind."""
    state = chain_state()
    problems = _incident_problems(state)
    assessment_problems, old_assessments = _assessment_problems(state)
    event_problems, old_events = _event_problems(state)
    problems += assessment_problems + event_problems
    return {"ok": not problems, "incidents": len(state.incidents),
            "assessments": len(state.assessments), "problems": problems,
            "unverifiable": {"assessments": old_assessments, "history_rows": old_events}}
