"""The demo's incidents: a few real ones on the demo broadcasts, made by the review rules.

``seed_incidents(reviewer, leads)`` documents the father of Dr Amani Ballour on air in the
demo's documentary and again in its re-airing (the 25 April bulletin) the way reviewers
would: the demo reviewer proposes each (``review.incidents.propose``) and sends it for
review (``review.workflow.set_status``); the first demo lead records a blind second
assessment and confirms the documentary's (the two-person rule holds: that lead neither
proposed nor edited it); the re-airing's stays under review, waiting for a second lead.
The targeted person has a public-act date (an illustrative demo date, said so on the
person), so the dashboard's public act → appearance delay has data; the signs give the
sign chart its bars. Every step goes through the same functions as the UI and ``raqib
incidents``, so each leaves its ``IncidentEvent`` and audit entry.

Idempotent: a person is reused when one with the demo name exists, and an incident is
made only when no incident with its demo title exists (whatever became of it since), so
running ``raqib demo`` again duplicates nothing. The demo's persons are named
differently from the names ``tests/test_demo_command.py`` types in its browser flow, so
that flow still creates its own persons. To add an incident: an entry in ``INCIDENTS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from catalog.models import Broadcast
from review.incidents import OnAir, broadcast_duration, propose
from review.models import Incident, Person
from review.persons import add_person
from review.workflow import assess, set_status

TARGETED = "الدكتورة أماني بلور"
TARGETED_LATIN = "Dr Amani Ballour"
TARGETED_ACT_ON = dt.date(2021, 3, 8)  # illustrative: the demo's own date, not a record
TARGETED_ACT = "شهادة علنية (تاريخ تجريبي للعرض · an illustrative demo date)"
FATHER = "والد الدكتورة أماني بلور"
CLIP_SECONDS = 12.0


@dataclass(frozen=True)
class DemoIncident:
    slug: str  # the fixture item whose broadcast holds the clip
    title: str
    signs: tuple[str, ...]
    confidence: str
    confirm: bool  # True: the first lead confirms it; False: it waits for a second review
    second_signs: tuple[str, ...] = ()


INCIDENTS: tuple[DemoIncident, ...] = (
    DemoIncident("tunnel-to-light-part-1",
                 "والد الدكتورة أماني بلور يتبرأ منها في «من النفق إلى النور» (تجريبي)",
                 ("reads-script", "relative-detained"), "high", True,
                 ("reads-script", "edited-statement")),
    DemoIncident("bulletin-2021-04-25",
                 "إعادة بث ظهور والد الدكتورة أماني بلور في ملف خاص (تجريبي)",
                 ("edited-statement",), "medium", False),
)


def _broadcast(slug: str) -> Broadcast | None:
    return (Broadcast.objects.filter(url__endswith=f"/items/{slug}.html")
            .order_by("id").first())


def _person(name: str, user: Any, **fields: Any) -> Person:
    found = Person.objects.filter(name=name).order_by("id").first()
    return found if found is not None else add_person(name, user=user, **fields)


def seed_incidents(reviewer: Any, leads: list[Any]) -> dict[str, int]:
    """Make the demo's incidents that do not exist yet; returns counts by outcome
    (``confirmed``, ``under_review``, ``existing``, ``skipped``: no broadcast or media)."""
    counts = {"confirmed": 0, "under_review": 0, "existing": 0, "skipped": 0}
    targeted = _person(TARGETED, reviewer, latin=TARGETED_LATIN, kind=Person.Kind.ACTIVIST,
                       public_act_on=TARGETED_ACT_ON, public_act=TARGETED_ACT)
    father = _person(FATHER, reviewer, kind=Person.Kind.RELATIVE)
    for spec in INCIDENTS:
        if Incident.objects.filter(title=spec.title).exists():
            counts["existing"] += 1
            continue
        broadcast = _broadcast(spec.slug)
        duration = broadcast_duration(broadcast) if broadcast is not None else None
        if broadcast is None or not duration:
            counts["skipped"] += 1
            continue
        incident = propose(
            reviewer, broadcast_id=broadcast.pk, start=0, end=min(CLIP_SECONDS, duration),
            title=spec.title, signs=list(spec.signs), confidence=spec.confidence,
            notes="حادثة تجريبية أنشأها «raqib demo» · a demo incident made by raqib demo",
            people=[OnAir(f"#{father.pk}", "disowns", "والد · father of",
                          f"#{targeted.pk}")])
        set_status(incident.pk, reviewer, Incident.Status.UNDER_REVIEW)
        if spec.confirm:
            lead = leads[0]
            assess(incident.pk, lead, confidence="high", signs=list(spec.second_signs))
            set_status(incident.pk, lead, Incident.Status.CONFIRMED)
            counts["confirmed"] += 1
        else:
            counts["under_review"] += 1
    return counts
