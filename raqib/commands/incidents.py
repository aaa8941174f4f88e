"""Incident commands: ``raqib incidents propose|review|show|list|export|add-clip|assign|
mark-public|signs`` (logic in ``review.incidents`` and ``review.workflow``).

Every command acts as a person (``raqib.commands.acting.person_from_args``: a personal
access token in ``RAQIB_TOKEN`` or ``--token-file``, or a sign-in on a terminal): reading
needs the ``read`` scope, changing the ``review`` scope, and the role and the two-person
rule apply to that person exactly as in the UI. Exit codes: 0 done; 1 the rules forbid it (wrong
role, own incident, a stale version); 2 bad input (unknown broadcast, person or sign, a
clip outside the broadcast): nothing is written on 1 or 2. To add a sub-command: register
its parser in ``raqib.commands.parsers.incidents`` and write its handler here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from catalog import audit
from raqib.commands.acting import person_from_args
from raqib.commands.output import CommandError, emit, print_json
from raqib.commands.persons import account
from review import incidents as inc
from review import vocabulary, workflow
from review.incident_json import export_csv, incident_json

COLUMNS = ["id", "status", "title", "outlet", "first_aired", "proposed_by"]


def _fail(exc: Exception) -> CommandError:
    code = 1 if isinstance(exc, inc.ReviewRuleError | inc.IncidentConflict) else 2
    return CommandError(f"{exc}; nothing written", code=code)


def _people(args: argparse.Namespace) -> list[inc.OnAir]:
    for flag in ("role", "relation", "targeted"):
        if len(getattr(args, flag)) > len(args.person):
            raise CommandError(f"more --{flag} than --person: each --{flag} belongs to the "
                               "--person before it")
    return [inc.OnAir(name, (args.role[i:i + 1] or ["other"])[0],
                      (args.relation[i:i + 1] or [""])[0], (args.targeted[i:i + 1] or [""])[0])
            for i, name in enumerate(args.person)]


def _show(args: argparse.Namespace, incident: Any, user: Any) -> None:
    data = incident_json(incident, user)
    emit(args, data, COLUMNS, rows=[data])


def propose_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    try:
        incident = inc.propose(user, broadcast_id=args.broadcast, start=args.start,
                               end=args.end, title=args.title, people=_people(args),
                               signs=args.sign, confidence=args.confidence, notes=args.notes,
                               restricted=args.restricted)
    except (inc.IncidentError, inc.ReviewRuleError) as exc:
        raise _fail(exc) from exc
    _show(args, incident, user)
    return 0


def review_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    try:
        incident = workflow.set_status(args.incident_id, user, args.status, reason=args.reason,
                                       confidence=args.confidence, signs=args.sign)
    except (inc.IncidentError, inc.ReviewRuleError) as exc:
        raise _fail(exc) from exc
    _show(args, incident, user)
    return 0


def show_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "read")
    try:
        incident = inc.get_incident(args.incident_id, user)
    except inc.IncidentError as exc:
        raise CommandError(str(exc), code=1) from exc
    audit.record("incident-viewed", user, details={
        "incident": incident.pk, "restricted": incident.restricted, "surface": "cli"})
    _show(args, incident, user)
    return 0


def _listed(args: argparse.Namespace, user: Any) -> list[dict[str, Any]]:
    incidents = inc.visible_incidents(user).select_related(
        "outlet", "proposed_by", "last_edited_by", "decided_by")
    if args.status:
        incidents = incidents.filter(status=args.status)
    return [incident_json(i, user) for i in incidents.order_by("-created_at", "-id")]


def list_command(args: argparse.Namespace) -> int:
    rows = _listed(args, person_from_args(args, "read"))
    emit(args, rows, COLUMNS, notes=f"{len(rows)} incident(s)")
    return 0


def export_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "read")
    rows = _listed(args, user)
    audit.record("incidents-exported", user, details={
        "format": args.format, "status": args.status or None,
        "incidents": [row["id"] for row in rows]})
    if args.format == "csv":
        sys.stdout.write(export_csv(rows))
    else:
        print_json(rows)
    return 0


def add_clip_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    try:
        inc.add_clip(args.incident_id, user, broadcast_id=args.broadcast, start=args.start,
                     end=args.end, note=args.note)
        incident = inc.get_incident(args.incident_id, user)
    except (inc.IncidentError, inc.ReviewRuleError) as exc:
        raise _fail(exc) from exc
    _show(args, incident, user)
    return 0


def assign_command(args: argparse.Namespace) -> int:
    lead = person_from_args(args, "review")
    reviewer = account(args.reviewer)
    try:
        incident = inc.assign(args.incident_id, lead, reviewer)
    except (inc.IncidentError, inc.ReviewRuleError) as exc:
        raise _fail(exc) from exc
    _show(args, incident, lead)
    return 0


def mark_public_command(args: argparse.Namespace) -> int:
    lead = person_from_args(args, "review")
    wanted = ([("title", None)] if args.title else []) + (
        [("notes", None)] if args.notes else []) + [("reason", e) for e in args.reason]
    if not wanted:
        raise CommandError("name a text: --title, --notes or --reason EVENT_ID", code=2)
    try:
        marks = [inc.mark_public(args.incident_id, lead, field, event_id=event,
                                 public=not args.withdraw) for field, event in wanted]
    except (inc.IncidentError, inc.ReviewRuleError) as exc:
        raise _fail(exc) from exc
    rows = [{"field": m.field, "event": m.event_id, "public": m.public, "text": m.text}
            for m in marks]
    emit(args, {"incident": args.incident_id, "marked": rows},
         footer=[f"{'withdrawn' if args.withdraw else 'public'}: {r['field']}"
                 + (f" of event {r['event']}" if r["event"] else "") for r in rows])
    return 0


def signs_command(args: argparse.Namespace) -> int:
    if args.action != "list":
        if not args.code:
            raise CommandError(f"signs {args.action} needs the sign's code")
        user = person_from_args(args, "review")
        try:
            if args.action == "add":
                vocabulary.add_sign(args.code, args.label_ar, args.label_en, user=user)
            else:
                vocabulary.set_sign_active(args.code, args.action == "activate", user=user)
        except inc.ReviewRuleError as exc:
            raise CommandError(f"{exc}; nothing written", code=1) from exc
        except vocabulary.VocabularyError as exc:
            raise CommandError(f"{exc}; nothing written") from exc
    rows = [vocabulary.sign_json(s) for s in vocabulary.all_signs()]
    emit(args, rows, ["code", "label_ar", "label_en", "active"])
    return 0
