"""``{% public_texts incident as texts %}``: the incident's free texts a lead may mark
public for public evidence packages (title, notes, each history reason) with where each
stands (``public``, ``changed`` since marked, ``withheld``), for
``_incident_public_text.html``. The rule is ``review.incidents.mark_public``.
"""

from __future__ import annotations

from typing import Any

from django import template

from review.incidents import public_marks

register = template.Library()


def _state(mark: Any, text: str) -> str:
    if mark is None or not mark.public:
        return "withheld"
    return "public" if mark.text == text else "changed"


@register.simple_tag
def public_texts(incident: Any) -> list[dict[str, Any]]:
    marks = public_marks(incident)
    rows = [{"field": field, "event": None, "text": getattr(incident, field),
             "state": _state(marks.get((field, None)), getattr(incident, field))}
            for field in ("title", "notes") if getattr(incident, field)]
    for event in incident.events.exclude(reason="").order_by("at", "id"):
        rows.append({"field": "reason", "event": event.pk, "text": event.reason,
                     "action": event.action, "at": event.at,
                     "state": _state(marks.get(("reason", event.pk)), event.reason)})
    return rows
