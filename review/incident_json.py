"""Incidents as stable JSON (``raqib incidents show|list|export``, the screens) and as CSV.

``incident_json(incident, user)`` is the one description of an incident: its clips, persons
and relations, signs, assessments, statuses and history, and every sighting of each clipped
recording (``catalog.sightings``: source, URL, dates, page snapshot hashes). The proposer's
assessment is left out for a lead who has yet to record a blind second one
(``review.workflow``). CSV export
writes one row per incident with the lists joined, and neutralises cells a spreadsheet would
run as a formula (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'``).
A clip's air date is written as ``catalog.aired`` says (a printed day stays that day; a time
in the outlet's zone with its offset). To add a field: here and in ``docs/cli.md``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects

from catalog.aired import AirDate
from catalog.prepared import Prepared
from catalog.sightings import sightings_json
from review.models import (
    Assessment,
    Clip,
    CoercionSign,
    Incident,
    IncidentEvent,
    IncidentPerson,
)
from review.timecode import format_time
from review.workflow import proposer_assessment_hidden


def _user(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def clip_json(clip: Any) -> dict[str, Any]:
    broadcast = clip.broadcast
    return {"id": clip.pk, "broadcast_id": broadcast.pk, "start": clip.start, "end": clip.end,
            "range": f"{format_time(clip.start)}–{format_time(clip.end)}",
            "outlet": broadcast.outlet.name, "title": broadcast.title, "url": broadcast.url,
            **AirDate.of(broadcast).fields(),
            "note": clip.note, "added_by": _user(clip.added_by),
            "added_at": clip.added_at.isoformat()}


def _assessment_json(assessment: Any) -> dict[str, Any]:
    return {"kind": assessment.kind, "by": _user(assessment.by),
            "confidence": assessment.confidence,
            "signs": sorted(s.code for s in assessment.signs.all()),
            "note": assessment.note, "at": assessment.at.isoformat()}


# The reads of one incident, compiled once per process (``catalog.prepared``); each is
# the related manager's query it replaces (``incident.clips...``), named beside it.
_CLIPS = Prepared(lambda incident_id: Clip.objects.filter(incident_id=incident_id)
                  .select_related("broadcast__outlet", "broadcast__source",
                                  "broadcast__media", "added_by")
                  .order_by("broadcast__aired_at", "id"), "int")
_ASSESSMENTS = Prepared(lambda incident_id: Assessment.objects.filter(incident_id=incident_id)
                        .select_related("by").order_by("at", "id"), "int")
_SIGN_CODES = Prepared(lambda incident_id: CoercionSign.objects.filter(incidents=incident_id)
                       .values_list("code", flat=True), "int")
_ASSIGNED = Prepared(lambda incident_id: get_user_model().objects.filter(
    incidents_assigned=incident_id), "int")
_PEOPLE = Prepared(lambda incident_id: IncidentPerson.objects.filter(incident_id=incident_id)
                   .select_related("person", "targeted"), "int")
_EVENTS = Prepared(lambda incident_id: IncidentEvent.objects.filter(incident_id=incident_id)
                   .select_related("by").order_by("at", "id"), "int")


def _of(incident: Incident, field: Any, rows: list[Any]) -> list[Any]:
    """``rows`` read by the incident's id, each knowing its incident (as the related
    manager's query gives them)."""
    for row in rows:
        field.set_cached_value(row, incident)
    return rows


def read_clips(incident: Incident) -> list[Any]:
    """The incident's clips as ``incident_json`` describes them (first aired first), with
    what it and the incident page show of them (recording, outlet, source, media, adder):
    ``incident.clips.select_related("broadcast__outlet", "broadcast__source",
    "broadcast__media", "added_by").order_by("broadcast__aired_at", "id")``."""
    return _of(incident, Clip.incident.field, _CLIPS(incident.pk))


def read_assessments(incident: Incident) -> list[Any]:
    """Every assessment of the incident, oldest first, with its author and signs:
    ``incident.assessments.select_related("by").prefetch_related("signs")
    .order_by("at", "id")``."""
    assessments = _of(incident, Assessment.incident.field, _ASSESSMENTS(incident.pk))
    prefetch_related_objects(assessments, "signs")
    return assessments


def sign_codes(incident: Incident) -> list[str]:
    """The codes of the incident's signs: ``incident.signs.values_list("code", flat=True)``
    (by code)."""
    return _SIGN_CODES(incident.pk)


def incident_json(incident: Incident, user: Any = None, *, clips: list[Any] | None = None,
                  assessments: list[Any] | None = None) -> dict[str, Any]:
    """The incident as ``user`` may see it (None: everything, for the operator).
    ``clips`` and ``assessments``: ``read_clips`` and ``read_assessments`` of it, when the
    caller (the incident page) read them already."""
    hidden = proposer_assessment_hidden(incident, user) if user is not None else False
    clips = read_clips(incident) if clips is None else clips
    assessments = [a for a in (read_assessments(incident) if assessments is None
                               else assessments)
                   if not (hidden and a.kind == "proposer")]
    data: dict[str, Any] = {
        "id": incident.pk, "title": incident.title, "status": incident.status,
        "version": incident.version,
        "outlet": incident.outlet.name if incident.outlet else None,
        "programme": incident.programme,
        "first_aired": incident.first_aired.isoformat() if incident.first_aired else None,
        "restricted": incident.restricted, "notes": incident.notes,
        "confidence": None if hidden else incident.confidence,
        "signs": None if hidden else sorted(sign_codes(incident)),
        "proposer_assessment_hidden": hidden,
        "proposed_by": _user(incident.proposed_by),
        "last_edited_by": _user(incident.last_edited_by),
        "decided_by": _user(incident.decided_by),
        "assigned": sorted(u.get_username() for u in _ASSIGNED(incident.pk)),
        "created_at": incident.created_at.isoformat(),
        "updated_at": incident.updated_at.isoformat(),
        "clips": [clip_json(c) for c in clips],
        "persons": [{"person_id": p.person_id, "name": p.person.name, "kind": p.person.kind,
                     "role": p.role, "relation": p.relation,
                     "targeted_person_id": p.targeted_id,
                     "targeted_name": p.targeted.name if p.targeted else None}
                    for p in _of(incident, IncidentPerson.incident.field,
                                 _PEOPLE(incident.pk))],
        "assessments": [_assessment_json(a) for a in assessments],
        "history": [{"id": e.pk, "at": e.at.isoformat(), "by": _user(e.by), "action": e.action,
                     "from": e.from_status or None, "to": e.to_status or None,
                     "reason": e.reason, "changes": e.changes, "version": e.version}
                    for e in _of(incident, IncidentEvent.incident.field,
                                 _EVENTS(incident.pk))],
    }
    recordings = {c.broadcast_id: c.broadcast for c in clips}
    data["sightings"] = [row for b in recordings.values() for row in sightings_json(b)]
    if hidden:
        data["history"] = [h for h in data["history"] if h["action"] != "edited"]
    return data


CSV_COLUMNS = ("id", "title", "status", "outlet", "programme", "first_aired", "confidence",
               "signs", "persons", "targeted_persons", "clips", "proposed_by", "decided_by",
               "restricted", "history")


def safe_cell(value: Any) -> str:
    """``value`` as a CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(incidents: list[dict[str, Any]]) -> str:
    """The incidents (``incident_json`` dicts) as CSV text, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in incidents:
        row = {
            **item, "signs": "; ".join(item["signs"] or []),
            "persons": "; ".join(f"{p['name']} ({p['role']}"
                                 + (f", {p['relation']} {p['targeted_name']}"
                                    if p["targeted_name"] else "") + ")"
                                 for p in item["persons"]),
            "targeted_persons": "; ".join(dict.fromkeys(
                p["targeted_name"] for p in item["persons"] if p["targeted_name"])),
            "clips": "; ".join(f"broadcast {c['broadcast_id']} {c['range']} ({c['outlet']}"
                               + (f", aired {c['aired_at']}" if c.get("aired_at") else "")
                               + ")" for c in item["clips"]),
            "history": "; ".join(f"{h['at']} {h['by']} {h['action']}"
                                 + (f" {h['from']}→{h['to']}" if h["from"] else "")
                                 + (f": {h['reason']}" if h["reason"] else "")
                                 for h in item["history"]),
        }
        writer.writerow([safe_cell(row.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()
