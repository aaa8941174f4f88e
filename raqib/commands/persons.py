"""Person commands: ``raqib persons add|list|show`` (logic in ``review.persons``).

Each command acts as a person (``raqib.commands.acting``): adding needs the ``review``
scope, listing and showing the ``read`` scope, and the person's view applies (restricted
persons only for leads, admins and assigned reviewers). To add a
sub-command: register its parser in ``raqib.commands.parsers.persons`` and write it here.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from raqib.commands.acting import person_from_args
from raqib.commands.output import CommandError, emit
from review.persons import PersonError, add_person, find_person, person_json, search_persons


def account(name: str | None) -> Any:
    """The active user named ``name`` (None when no name is given)."""
    if name is None:
        return None
    found = get_user_model().objects.filter(username=name.strip()).first()
    if found is None:
        raise CommandError(f"no user named {name!r} (raqib users list)")
    if not found.is_active:
        raise CommandError(f"user {name!r} is deactivated", code=1)
    return found


def add_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    try:
        on = dt.date.fromisoformat(args.public_act_on) if args.public_act_on else None
    except ValueError:
        raise CommandError(f"--public-act-on {args.public_act_on!r} is not a date "
                           "(YYYY-MM-DD)") from None
    try:
        person = add_person(args.name, variants=args.variant, latin=args.latin,
                            kind=args.kind, restricted=args.restricted, public_act_on=on,
                            public_act=args.public_act, user=user)
    except PersonError as exc:
        raise CommandError(f"{exc}; nothing written") from exc
    emit(args, person_json(person), ["id", "name", "kind", "restricted"],
         rows=[person_json(person)])
    return 0


def list_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "read")
    people = search_persons(args.query, user)
    rows = [person_json(p) for p in people.order_by("name", "id")[:1000]]
    emit(args, rows, ["id", "name", "latin", "kind", "restricted"])
    return 0


def show_command(args: argparse.Namespace) -> int:
    from review.incidents import visible_incidents

    user = person_from_args(args, "read")
    try:
        person = find_person(args.person, user)
    except PersonError as exc:
        raise CommandError(str(exc), code=1) from exc
    seen = visible_incidents(user)
    data = person_json(person)
    data["appearances"] = [
        {"incident_id": a.incident_id, "title": a.incident.title, "as": "on_air",
         "role": a.role, "relation": a.relation, "status": a.incident.status,
         "outlet": a.incident.outlet.name if a.incident.outlet else None,
         "first_aired": a.incident.first_aired.isoformat() if a.incident.first_aired
         else None}
        for a in person.appearances.filter(incident__in=seen).select_related(
            "incident__outlet").order_by("incident__first_aired", "incident_id")]
    data["targeted_in"] = sorted({a.incident_id for a in person.targeted_in.filter(
        incident__in=seen)})
    emit(args, data, ["incident_id", "title", "role", "outlet", "first_aired", "status"],
         rows=data["appearances"], header=f"#{person.pk} {person.name} ({person.kind})")
    return 0
