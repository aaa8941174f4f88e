"""Incidents: proposing one from a hit, editing it, its clips and persons, and who sees it.

Every function takes the acting ``user`` and applies the same rules whether it is called by
the review UI or by ``raqib incidents`` (as the person a token names): reviewers and above
propose and edit; a restricted incident (flagged, or with a restricted person) is visible to leads,
admins and the reviewers assigned to it. Input is checked before anything is written
(``IncidentError`` with a readable message); a change made on a stale copy raises
``IncidentConflict`` (optimistic versioning: ``version`` goes up with every change) and
writes nothing. Each change appends an ``IncidentEvent`` and a ``catalog.audit`` entry.
Status changes and assessments are in ``review.workflow``; the JSON form in
``review.incident_json``. A lead marks an incident's title, notes or a history reason as
fit for a public evidence package (``mark_public``; ``review.evidence.redact`` reads the
marks). To add an editable field: the model, ``EDITABLE`` and ``incident_json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_role
from catalog import audit
from catalog.aired import AirDate
from catalog.models import Broadcast, Segment
from catalog.prepared import Prepared
from review.errors import RuleError, listed, role_name
from review.models import (
    Assessment,
    Clip,
    CoercionSign,
    Incident,
    IncidentEvent,
    IncidentPerson,
    Person,
    PublicText,
)
from review.persons import PersonError, find_person
from review.text import FIELD_NAMES, clean_text
from review.timecode import TimecodeError, parse_time

EDITABLE = ("title", "notes", "programme", "first_aired", "confidence", "signs")
OPEN_STATUSES = (Incident.Status.SUSPECTED, Incident.Status.UNDER_REVIEW)


class IncidentError(RuleError, ValueError):
    """Bad input or an unknown incident, broadcast, person or sign; nothing was written."""


class ReviewRuleError(RuleError, PermissionError):
    """The rules forbid this (role, two-person rule); nothing was written."""


class IncidentConflict(IncidentError):
    """The incident changed since the caller read it; nothing was written."""


@dataclass(frozen=True)
class OnAir:
    """A person on air as the caller names them: a name, variant or ``#ID``."""

    person: str
    role: str = IncidentPerson.Role.OTHER
    relation: str = ""
    targeted: str = ""


def require_role(user: Any, minimum: str, action: str) -> None:
    if user is None or not getattr(user, "pk", None):
        raise ReviewRuleError(_("%(action)s needs a user account (a personal token or a "
                                "sign-in)"), action=action)
    if not has_role(user, minimum):
        raise ReviewRuleError(_("%(user)s may not %(action)s: it needs the %(role)s role or "
                                "higher"), user=user.get_username(), action=action,
                              role=role_name(minimum))


def _seen_by_reviewer(incidents: QuerySet[Incident], user: Any) -> QuerySet[Incident]:
    """A reviewer (``user``: the user or their id) sees the unrestricted incidents and
    those they are assigned to."""
    return incidents.filter(Q(restricted=False) | Q(assigned=user)).distinct()


def visible_incidents(user: Any) -> QuerySet[Incident]:
    """The incidents ``user`` may see (None: the operator at the command line sees all)."""
    incidents = Incident.objects.all()
    if user is None or has_role(user, "lead"):
        return incidents
    if not has_role(user, "reviewer"):
        return incidents.none()
    return _seen_by_reviewer(incidents, user)


SHOWN_WITH = ("outlet", "proposed_by", "last_edited_by", "decided_by")  # every screen shows
# get_incident's two reads, compiled once: ``visible_incidents(user).select_related(
# *SHOWN_WITH).filter(pk=...).first()`` for a lead or the operator, and for a reviewer
_ANY_INCIDENT = Prepared(
    lambda pk: Incident.objects.all().select_related(*SHOWN_WITH).filter(pk=pk)[:1], "int")
_REVIEWER_INCIDENT = Prepared(
    lambda pk, user_id: _seen_by_reviewer(Incident.objects.all(), user_id)
    .select_related(*SHOWN_WITH).filter(pk=pk)[:1], "int", "int")


def get_incident(incident_id: int, user: Any = None) -> Incident:
    """The incident, if ``user`` may see it; an unseen one is reported as missing."""
    if user is None or has_role(user, "lead"):
        found = _ANY_INCIDENT(incident_id)
    elif has_role(user, "reviewer"):
        found = _REVIEWER_INCIDENT(incident_id, user.pk)
    else:
        found = []
    if not found:
        raise IncidentError(_("no incident with id %(id)s"), id=incident_id)
    return found[0]


def broadcast_duration(broadcast: Broadcast) -> float | None:
    """The media's duration, else the end of its last transcript segment, else None."""
    if broadcast.media_id and broadcast.media.duration:
        return float(broadcast.media.duration)
    last = Segment.objects.filter(transcript__broadcast=broadcast).aggregate(end=Max("end"))
    return float(last["end"]) if last["end"] is not None else None


def check_clip(broadcast_id: Any, start: Any, end: Any) -> tuple[Broadcast, float, float]:
    """The broadcast and the range as seconds, or ``IncidentError`` saying what is wrong."""
    try:
        broadcast_id = int(broadcast_id)
    except (TypeError, ValueError):
        raise IncidentError(_("broadcast id %(id)s is not a number"),
                            id=repr(broadcast_id)) from None
    broadcast = Broadcast.objects.select_related("media", "outlet").filter(
        pk=broadcast_id).first() if 0 < broadcast_id < 2**63 else None
    if broadcast is None:
        raise IncidentError(_("no broadcast with id %(id)s"), id=broadcast_id)
    try:
        start, end = parse_time(start, "start"), parse_time(end, "end")
    except TimecodeError as exc:
        raise IncidentError(exc) from None
    if end <= start:
        raise IncidentError(_("the clip ends (%(end)s s) before it starts (%(start)s s)"),
                            end=f"{end:g}", start=f"{start:g}")
    duration = broadcast_duration(broadcast)
    if duration is not None and end > duration + 0.5:
        raise IncidentError(_("the clip ends at %(end)s s, after the end of broadcast "
                              "%(broadcast)s (%(duration)s s)"), end=f"{end:g}",
                            broadcast=broadcast.pk, duration=f"{duration:g}")
    return broadcast, start, end


def find_signs(codes: list[str] | tuple[str, ...]) -> list[CoercionSign]:
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    found = {s.code: s for s in CoercionSign.objects.filter(code__in=wanted, active=True)}
    missing = [c for c in wanted if c not in found]
    if missing:
        known = listed(CoercionSign.objects.filter(active=True).values_list("code", flat=True))
        if not known:
            raise IncidentError(_("unknown sign(s) of coercion: %(codes)s; known: (none yet: "
                                  "a lead adds them)"), codes=listed(missing))
        raise IncidentError(_("unknown sign(s) of coercion: %(codes)s; known: %(known)s"),
                            codes=listed(missing), known=known)
    return [found[c] for c in wanted]


def _confidence(value: str | None) -> str:
    value = value or Incident.Confidence.MEDIUM
    if value not in Incident.Confidence.values:
        raise IncidentError(_("confidence must be one of %(values)s"),
                            values=listed(Incident.Confidence.values))
    return value


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise IncidentError(_("%(field)s %(value)s is not a date (YYYY-MM-DD)"), field=field,
                            value=repr(value)) from None


def _resolve_people(people: list[OnAir], user: Any) -> list[tuple[OnAir, Person, Person | None]]:
    resolved = []
    try:
        for entry in people:
            if entry.role not in IncidentPerson.Role.values:
                raise IncidentError(_("unknown role %(role)s; roles are %(roles)s"),
                                    role=repr(entry.role),
                                    roles=listed(IncidentPerson.Role.values))
            person = find_person(entry.person, user)
            targeted = find_person(entry.targeted, user) if entry.targeted else None
            if targeted is not None and targeted.pk == person.pk:
                raise IncidentError(_("%(name)s cannot be their own targeted person"),
                                    name=person.name)
            resolved.append((entry, person, targeted))
    except PersonError as exc:
        raise IncidentError(exc) from None
    if len({p.pk for _, p, _ in resolved}) != len(resolved):
        raise IncidentError(_("a person is named twice among the persons on air"))
    return resolved


def record_assessment(incident: Incident, user: Any, kind: str, confidence: str,
                      signs: list[CoercionSign], note: str = "") -> Assessment:
    assessment = Assessment.objects.create(incident=incident, kind=kind, by=user,
                                           confidence=confidence, note=note)
    assessment.signs.set(signs)
    return assessment


def record_event(incident: Incident, user: Any, action: str, *, from_status: str = "",
                 reason: str = "", changes: dict[str, Any] | None = None,
                 assessment: Assessment | None = None) -> IncidentEvent:
    """The incident's history row and its audit-chain entry; the entry carries what
    ``review.incident_replay`` replays (status, version, the assessment recorded with it)."""
    event = IncidentEvent.objects.create(
        incident=incident, by=user, action=action, from_status=from_status,
        to_status=incident.status, reason=reason, changes=changes or {},
        version=incident.version)
    audit.record(f"incident-{action}", user, details={
        "incident": incident.pk, "incident_event": event.pk, "version": incident.version,
        "status": incident.status, **({"changes": changes} if changes else {}),
        **({"from": from_status} if from_status else {}), **({"reason": reason} if reason
                                                                 else {}),
        **({"assessment": assessment_facts(assessment)} if assessment else {})})
    return event


def assessment_facts(assessment: Assessment) -> dict[str, Any]:
    """What the chain keeps of an assessment (the note as its SHA-256 only)."""
    return {"id": assessment.pk, "kind": assessment.kind, "by": assessment.by.get_username(),
            "confidence": assessment.confidence,
            "signs": sorted(assessment.signs.values_list("code", flat=True)),
            "note_sha256": hashlib.sha256(assessment.note.encode("utf-8")).hexdigest()}


def bump(incident: Incident, user: Any, expected_version: int | None, *,
         edited: bool = True) -> Incident:
    """Take the next version of ``incident`` for ``user`` or raise ``IncidentConflict``."""
    expected = incident.version if expected_version is None else int(expected_version)
    fields: dict[str, Any] = {"version": F("version") + 1, "updated_at": timezone.now()}
    if edited:
        fields["last_edited_by"] = user
    if not Incident.objects.filter(pk=incident.pk, version=expected).update(**fields):
        current = Incident.objects.select_related("last_edited_by").get(pk=incident.pk)
        raise IncidentConflict(
            _("incident %(id)s was changed by %(user)s at %(when)s UTC since you opened it "
              "(version %(version)s, yours %(yours)s); nothing was saved: reload and apply "
              "your change again"), id=incident.pk,
            user=current.last_edited_by.get_username(),
            when=f"{current.updated_at:%Y-%m-%d %H:%M}", version=current.version,
            yours=expected)
    incident.refresh_from_db()
    return incident


def _add_people(incident: Incident, resolved: list[tuple[OnAir, Person, Person | None]]) -> None:
    for entry, person, targeted in resolved:
        if incident.people.filter(person=person).exists():
            raise IncidentError(_("%(name)s is already on incident %(id)s"), name=person.name,
                                id=incident.pk)
        IncidentPerson.objects.create(
            incident=incident, person=person, role=entry.role, targeted=targeted,
            relation=clean_text(entry.relation, "relation", 100, error=IncidentError))
    if any(p.restricted or (t is not None and t.restricted) for _, p, t in resolved):
        Incident.objects.filter(pk=incident.pk).update(restricted=True)
        incident.restricted = True


def propose(user: Any, *, broadcast_id: Any, start: Any, end: Any, title: str,
            people: list[OnAir] | None = None, signs: list[str] | None = None,
            confidence: str | None = None, notes: str = "", programme: str | None = None,
            first_aired: Any = None, restricted: bool = False) -> Incident:
    """Open an incident (status ``suspected``) with its first clip."""
    require_role(user, "reviewer", _("propose an incident"))
    title = clean_text(title, "title", 300, required=True, error=IncidentError)
    broadcast, start_s, end_s = check_clip(broadcast_id, start, end)
    resolved = _resolve_people(people or [], user)
    sign_rows, confidence = find_signs(signs or []), _confidence(confidence)
    aired = _date(first_aired, "first aired") or AirDate.of(broadcast).day()
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title, outlet=broadcast.outlet, first_aired=aired, confidence=confidence,
            programme=clean_text(broadcast.program if programme is None else programme,
                                 "programme", 300, error=IncidentError),
            notes=clean_text(notes, "notes", 20000, error=IncidentError),
            restricted=bool(restricted), proposed_by=user, last_edited_by=user)
        incident.signs.set(sign_rows)
        incident.assigned.add(user)
        Clip.objects.create(incident=incident, broadcast=broadcast, start=start_s, end=end_s,
                            added_by=user)
        _add_people(incident, resolved)
        assessment = record_assessment(incident, user, "proposer", confidence, sign_rows)
        record_event(incident, user, "proposed", changes={
            "clip": {"broadcast": broadcast.pk, "start": start_s, "end": end_s}},
            assessment=assessment)
    return incident


def _open_for_edit(incident_id: int, user: Any) -> Incident:
    require_role(user, "reviewer", _("edit an incident"))
    incident = get_incident(incident_id, user)
    if incident.status not in OPEN_STATUSES:
        raise ReviewRuleError(_("incident %(id)s is %(status)s: a lead reopens it (status "
                                "%(reopened)s, with a reason) before it can change"),
                              id=incident.pk, status=incident.status,
                              reopened=Incident.Status.UNDER_REVIEW.value)
    return incident


def edit(incident_id: int, user: Any, *, version: int | None = None,
         **fields: Any) -> Incident:
    """Change the ``EDITABLE`` fields given; the editor becomes the last editor."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise IncidentError(_("cannot edit %(fields)s"), fields=listed(sorted(unknown)))
    incident = _open_for_edit(incident_id, user)
    new: dict[str, Any] = {}
    if "title" in fields:
        new["title"] = clean_text(fields["title"], "title", 300, required=True,
                                  error=IncidentError)
    for name, limit in (("notes", 20000), ("programme", 300)):
        if name in fields:
            new[name] = clean_text(fields[name], name, limit, error=IncidentError)
    if "first_aired" in fields:
        new["first_aired"] = _date(fields["first_aired"], "first aired")
    if "confidence" in fields:
        new["confidence"] = _confidence(fields["confidence"])
    signs = find_signs(fields["signs"]) if "signs" in fields else None
    changes = {k: [str(getattr(incident, k) or ""), str(v or "")] for k, v in new.items()
               if getattr(incident, k) != v}
    old_signs = sorted(incident.signs.values_list("code", flat=True))
    if signs is not None and sorted(s.code for s in signs) != old_signs:
        changes["signs"] = [old_signs, sorted(s.code for s in signs)]
    if not changes:
        return incident
    with transaction.atomic():
        incident = bump(incident, user, version)
        for key, value in new.items():
            setattr(incident, key, value)
        if new:
            incident.save(update_fields=list(new))
        if signs is not None:
            incident.signs.set(signs)
        assessment = None
        if "confidence" in changes or "signs" in changes:
            assessment = record_assessment(incident, user, "proposer", incident.confidence,
                                           list(incident.signs.all()))
        record_event(incident, user, "edited", changes=changes, assessment=assessment)
    return incident


def add_clip(incident_id: int, user: Any, *, broadcast_id: Any, start: Any, end: Any,
             note: str = "", version: int | None = None) -> Clip:
    """Add an evidence clip (another airing, another cut) to an open incident."""
    incident = _open_for_edit(incident_id, user)
    broadcast, start_s, end_s = check_clip(broadcast_id, start, end)
    note = clean_text(note, "note", 2000, error=IncidentError)
    if incident.clips.filter(broadcast=broadcast, start=start_s, end=end_s).exists():
        raise IncidentError(_("incident %(id)s already has this clip"), id=incident.pk)
    with transaction.atomic():
        incident = bump(incident, user, version)
        clip = Clip.objects.create(incident=incident, broadcast=broadcast, start=start_s,
                                   end=end_s, note=note, added_by=user)
        record_event(incident, user, "clip-added", changes={
            "clip": {"broadcast": broadcast.pk, "start": start_s, "end": end_s}})
    return clip


def add_person(incident_id: int, user: Any, entry: OnAir, *,
               version: int | None = None) -> IncidentPerson:
    """Put one more person on air in an open incident."""
    incident = _open_for_edit(incident_id, user)
    resolved = _resolve_people([entry], user)
    with transaction.atomic():
        incident = bump(incident, user, version)
        _add_people(incident, resolved)
        _, person, targeted = resolved[0]
        record_event(incident, user, "person-added", changes={
            "person": person.pk, "targeted": targeted.pk if targeted else None,
            "role": entry.role, "relation": entry.relation})
    return incident.people.get(person=person)


def assign(incident_id: int, lead: Any, reviewer: Any) -> Incident:
    """A lead assigns a reviewer, who then sees the incident even when it is restricted."""
    require_role(lead, "lead", _("assign reviewers"))
    incident = get_incident(incident_id, lead)
    if not has_role(reviewer, "reviewer"):
        raise IncidentError(_("%(user)s does not have the reviewer role"),
                            user=reviewer.get_username())
    if incident.assigned.filter(pk=reviewer.pk).exists():
        return incident
    with transaction.atomic():
        incident = bump(incident, lead, None, edited=False)
        incident.assigned.add(reviewer)
        record_event(incident, lead, "assigned", changes={"reviewer": reviewer.get_username()})
    return incident


def public_marks(incident: Incident) -> dict[tuple[str, int | None], PublicText]:
    """The standing decision per text: ``(field, event id or None)`` -> its latest mark."""
    return {(m.field, m.event_id): m for m in incident.public_texts.order_by("at", "id")}


def mark_public(incident_id: int, lead: Any, field: str, *, event_id: Any = None,
                public: bool = True) -> PublicText:
    """A lead marks the incident's ``title``, ``notes`` or one event's ``reason`` public
    (as it reads now) or withdraws the mark; audited, and not an edit of the incident."""
    require_role(lead, "lead", _("mark an incident's text public"))
    incident = get_incident(incident_id, lead)
    if field not in PublicText.Field.values:
        raise IncidentError(_("field must be one of %(values)s"),
                            values=listed(PublicText.Field.values))
    event = None
    if field == PublicText.Field.REASON:
        try:
            event = incident.events.filter(pk=int(event_id)).first()
        except (TypeError, ValueError):
            event = None
        if event is None or not event.reason:
            raise IncidentError(_("incident %(id)s has no history event %(event)s with a "
                                  "reason"), id=incident.pk, event=repr(event_id))
        text = event.reason
    else:
        text = getattr(incident, field)
        if not text:
            raise IncidentError(_("incident %(id)s has no %(field)s to mark"), id=incident.pk,
                                field=FIELD_NAMES.get(field, field))
    mark = PublicText.objects.create(incident=incident, field=field, event=event, text=text,
                                     public=bool(public), by=lead)
    audit.record("incident-text-public" if public else "incident-text-withdrawn", lead,
                 details={"incident": incident.pk, "field": field,
                          **({"incident_event": event.pk} if event else {}),
                          "text_sha256": hashlib.sha256(text.encode()).hexdigest()})
    return mark
