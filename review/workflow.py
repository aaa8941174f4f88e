"""The status workflow of an incident and the two-person rule.

``suspected`` → ``under_review`` → ``confirmed`` | ``dismissed``, and back to ``under_review``
with a reason. Any reviewer sends a suspected incident for review. Only a lead confirms or
dismisses, and never an incident that lead proposed or changed at any point, whoever touched
it since (the two-person rule, read from the append-only ``IncidentEvent`` history: every
event except the ``NOT_SHAPING`` ones — assessing, deciding, assigning — shapes the incident,
so an action added later counts as shaping until it is listed there).
Before confirming, the lead records an independent assessment (confidence and signs) without
seeing the proposer's (``proposer_assessment_hidden``): the blind second review; both are
kept. Dismissing needs a reason; so does reopening a decided incident (a lead). Every
change is an ``IncidentEvent`` (append-only) and an audit entry; the UI and ``raqib incidents
review`` call ``set_status`` and ``assess`` and so apply the same rules; ``propose_for_review``
is the reviewer's one action from a hit (``propose`` then ``set_status(under_review)`` in one
transaction: the history still records both steps). Confirming queues the
``incident.confirmed`` webhook in the same transaction (``review.webhooks``). To add a
status: the model's ``Status``, ``TRANSITIONS`` and the rule in ``_check_transition``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_role
from review.errors import listed, phrase
from review.incidents import (
    IncidentError,
    ReviewRuleError,
    bump,
    find_signs,
    get_incident,
    propose,
    record_assessment,
    record_event,
    require_role,
)
from review.models import Assessment, Incident, IncidentEvent
from review.text import clean_text
from review.webhooks import emit, incident_payload

S = Incident.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.SUSPECTED: (S.UNDER_REVIEW, S.DISMISSED),
    S.UNDER_REVIEW: (S.CONFIRMED, S.DISMISSED),
    S.CONFIRMED: (S.UNDER_REVIEW,),
    S.DISMISSED: (S.UNDER_REVIEW,),
}


# Events that do not shape what an incident says: whoever did only these may still decide it.
NOT_SHAPING: tuple[str, ...] = ("assessed", "status-changed", "assigned")


def shaped_by(user: Any) -> QuerySet[IncidentEvent]:
    """The ids (``incident``) of every incident ``user`` proposed or changed, ever."""
    return (IncidentEvent.objects.filter(by=user).exclude(action__in=NOT_SHAPING)
            .values("incident"))


def is_own(incident: Incident, user: Any) -> bool:
    """True when ``user`` proposed or changed the incident at any point (title, notes,
    clips, persons, signs, ...), whoever touched it since: they may not decide on it."""
    if user.pk in (incident.proposed_by_id, incident.last_edited_by_id):
        return True
    return (IncidentEvent.objects.filter(incident=incident, by=user)
            .exclude(action__in=NOT_SHAPING).exists())


def second_assessment(incident: Incident, user: Any) -> Assessment | None:
    return incident.assessments.filter(kind=Assessment.Kind.SECOND, by=user).last()


def proposer_assessment_hidden(incident: Incident, user: Any) -> bool:
    """True while ``user`` is a lead who could confirm this incident and has not yet
    recorded their own assessment: the proposer's is then withheld (blind review)."""
    return (user is not None and has_role(user, "lead") and not is_own(incident, user)
            and incident.status == S.UNDER_REVIEW
            and second_assessment(incident, user) is None)


def assess(incident_id: int, user: Any, *, confidence: str, signs: list[str] | None = None,
           note: str = "", version: int | None = None) -> Assessment:
    """A lead's independent second assessment of an incident under review."""
    require_role(user, "lead", _("record a second assessment"))
    incident = get_incident(incident_id, user)
    if is_own(incident, user):
        raise ReviewRuleError(_("%(user)s proposed or changed incident %(id)s: the second "
                                "assessment must be another lead's"),
                              user=user.get_username(), id=incident.pk)
    if incident.status != S.UNDER_REVIEW:
        raise ReviewRuleError(_("incident %(id)s is %(status)s; only an incident under review "
                                "gets a second assessment"), id=incident.pk,
                              status=incident.status)
    if second_assessment(incident, user) is not None:
        raise IncidentError(_("%(user)s has already assessed incident %(id)s; the first "
                              "assessment is kept"), user=user.get_username(), id=incident.pk)
    if confidence not in Incident.Confidence.values:
        raise IncidentError(_("confidence must be one of %(values)s"),
                            values=listed(Incident.Confidence.values))
    sign_rows = find_signs(signs or [])
    note = clean_text(note, "note", 5000, error=IncidentError)
    with transaction.atomic():
        incident = bump(incident, user, version, edited=False)
        assessment = record_assessment(incident, user, Assessment.Kind.SECOND, confidence,
                                       sign_rows, note)
        record_event(incident, user, "assessed", changes={
            "confidence": confidence, "signs": [s.code for s in sign_rows]},
            assessment=assessment)
    return assessment


def _check_transition(incident: Incident, user: Any, status: str, reason: str) -> None:
    if status not in S.values:
        raise IncidentError(_("unknown status %(status)s; statuses are %(values)s"),
                            status=repr(status), values=listed(S.values))
    if status == incident.status:
        raise IncidentError(_("incident %(id)s is already %(status)s"), id=incident.pk,
                            status=status)
    if status not in TRANSITIONS[incident.status]:
        allowed = TRANSITIONS[incident.status]
        if len(allowed) == 1:
            raise ReviewRuleError(_("incident %(id)s is %(status)s: it can go to %(allowed)s, "
                                    "not %(wanted)s"), id=incident.pk, status=incident.status,
                                  allowed=allowed[0], wanted=status)
        raise ReviewRuleError(_("incident %(id)s is %(status)s: it can go to %(first)s or "
                                "%(second)s, not %(wanted)s"), id=incident.pk,
                              status=incident.status, first=allowed[0], second=allowed[1],
                              wanted=status)
    if status == S.UNDER_REVIEW and incident.status == S.SUSPECTED:
        require_role(user, "reviewer", _("send an incident for review"))
        return
    require_role(user, "lead", phrase(_("set an incident to %(status)s"), status=status))
    if status == S.UNDER_REVIEW:  # reopening a decided incident
        if not reason:
            raise IncidentError(_("reopening a decided incident needs a reason (%(option)s)"),
                                option="--reason")
        return
    if is_own(incident, user):
        if status == S.CONFIRMED:
            raise ReviewRuleError(_("two-person rule: %(user)s proposed or changed incident "
                                    "%(id)s and may not confirm it; another lead must"),
                                  user=user.get_username(), id=incident.pk)
        raise ReviewRuleError(_("two-person rule: %(user)s proposed or changed incident "
                                "%(id)s and may not dismiss it; another lead must"),
                              user=user.get_username(), id=incident.pk)
    if status == S.DISMISSED and not reason:
        raise IncidentError(_("dismissing an incident needs a reason (%(option)s)"),
                            option="--reason")


def propose_for_review(user: Any, **proposal: Any) -> Incident:
    """Propose an incident (``review.incidents.propose``, same arguments) and send it for
    review at once, in one transaction: nothing is kept when either step is refused, and
    the history holds both events (``proposed`` as suspected, then ``status-changed`` to
    under review), exactly as two separate actions would leave it."""
    with transaction.atomic():
        incident = propose(user, **proposal)
        return set_status(incident.pk, user, S.UNDER_REVIEW)


def set_status(incident_id: int, user: Any, status: str, *, reason: str = "",
               confidence: str | None = None, signs: list[str] | None = None,
               version: int | None = None) -> Incident:
    """Move the incident to ``status`` if the rules allow it for ``user``.

    Confirming needs the lead's own assessment: recorded earlier with ``assess``, or given
    here (``confidence``, ``signs``) and recorded first, in the same transaction."""
    incident = get_incident(incident_id, user) if user is not None else None
    if incident is None:
        raise ReviewRuleError(_("reviewing an incident needs a user account (a personal "
                                "token or a sign-in)"))
    reason = clean_text(reason, "reason", 5000, error=IncidentError)
    _check_transition(incident, user, status, reason)
    with transaction.atomic():
        if status == S.CONFIRMED and second_assessment(incident, user) is None:
            if not confidence:
                raise IncidentError(_(
                    "record your own assessment before confirming (blind second review): "
                    "give %(confidence)s (and %(sign)s)"),
                    confidence="--confidence low|medium|high", sign="--sign CODE ...")
            assess(incident.pk, user, confidence=confidence, signs=signs, version=version)
            version = None
        incident = bump(get_incident(incident.pk, user), user, version, edited=False)
        previous = incident.status
        incident.status = status
        incident.status_changed_at = timezone.now()
        incident.decided_by = user if status in (S.CONFIRMED, S.DISMISSED) else None
        incident.save(update_fields=["status", "status_changed_at", "decided_by"])
        record_event(incident, user, "status-changed", from_status=previous, reason=reason)
        if status == S.CONFIRMED:  # the outbox row commits (or not) with the change
            emit("incident.confirmed", incident_payload(incident))
    return incident
