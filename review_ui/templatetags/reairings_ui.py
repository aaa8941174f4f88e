"""``{% incident_airings incident clips_by_id as timeline %}``: every airing of an incident's clips
(the clips themselves and their linked, accepted or suggested re-airings), first airing
first, for ``_incident_reairings.html``. To show more per airing: ``_airing``.
``{% screen_names broadcast as names %}``: the persons whose names were read on the
broadcast's screen (every status), for ``_broadcast_screen_names.html``.
"""

from __future__ import annotations

from typing import Any

from django import template

from catalog.models import Broadcast
from catalog.prepared import Prepared
from reairings.links import airings_of
from reairings.models import Reairing, ScreenName
from review_ui.views.reairings import covered

register = template.Library()

STATUSES = (Reairing.Status.LINKED, Reairing.Status.ACCEPTED, Reairing.Status.SUGGESTED)


def _airing(broadcast: Broadcast, start: float, end: float, **extra: Any) -> dict[str, Any]:
    return {"broadcast": broadcast, "start": start, "end": end,
            "aired_at": broadcast.aired_at, "outlet": broadcast.outlet.name, **extra}


@register.simple_tag
def incident_airings(incident: Any, clips: list[Any] | None = None) -> dict[str, Any]:
    """``clips``: the incident's clips by id with their broadcasts and outlets, when the
    page read them already."""
    rows: list[dict[str, Any]] = []
    addable = 0
    if clips is None or clips == "":  # not given (a template without them)
        clips = list(incident.clips.select_related("broadcast__outlet"))
    have = [(c.broadcast_id, c.start, c.end) for c in clips]
    for clip in clips:
        rows.append(_airing(clip.broadcast, clip.start, clip.end, clip=clip))
        for a in airings_of(clip.broadcast_id, clip.start, clip.end, STATUSES):
            other = Broadcast.objects.select_related("outlet").get(pk=a["other_broadcast_id"])
            in_incident = covered((other.pk, a["airing_start"], a["airing_end"]), have)
            if a["status"] != Reairing.Status.SUGGESTED and not in_incident:
                addable += 1
            rows.append(_airing(other, a["airing_start"], a["airing_end"], link=a["link"],
                                score=a["score"], status=a["status"], of_clip=clip,
                                in_incident=in_incident))
    far = "9999-12-31"
    rows.sort(key=lambda r: (r["aired_at"].isoformat() if r["aired_at"] else far,
                             r["broadcast"].pk, r["start"]))
    return {"rows": rows, "addable": addable}


# ``ScreenName.objects.filter(broadcast=...).select_related("person", "reviewed_by")
# .order_by("start", "person_id")``, compiled once per process (``catalog.prepared``)
_SCREEN_NAMES = Prepared(lambda broadcast_id: ScreenName.objects.filter(
    broadcast=broadcast_id).select_related("person", "reviewed_by")
    .order_by("start", "person_id"), "int")


@register.simple_tag
def screen_names(broadcast: Any) -> list[ScreenName]:
    return _SCREEN_NAMES(broadcast.pk)
