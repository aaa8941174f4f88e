"""Re-airing actions of the review UI (POST + CSRF, audited in ``reairings.links`` and
``review.incidents``): a reviewer accepts or rejects a suggested link, and adds every
linked airing of an incident's clips as clips in one click; a reviewer accepts or rejects
a person's name read on screen (``screen_name_review``, audited in
``reairings.screen_names``). The incident page's timeline is ``templatetags/reairings_ui.py``
+ ``_incident_reairings.html``; the broadcast page's on-screen names
``_broadcast_screen_names.html``. To add an action: a view here and a URL line.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reairings.links import ReairingError, airings_of, review_link
from reairings.screen_names import ScreenNameError, review_name
from review import incidents as inc
from review_ui.access import role_required


def covered(airing: tuple[int, float, float], clips: list[tuple[int, float, float]]) -> bool:
    """Whether an incident clip already holds most of ``airing`` (broadcast, start, end)."""
    b, start, end = airing
    return any(cb == b and min(end, ce) - max(start, cs) > 0.5 * (end - start)
               for cb, cs, ce in clips)


def _refused(exc: Exception, status: int) -> HttpResponse:
    """The rule or input error as a plain-text answer with its status (400, 403)."""
    return HttpResponse(str(exc), status=status, content_type="text/plain; charset=utf-8")


def _back(request: HttpRequest, incident_id: int | None) -> HttpResponseRedirect:
    if incident_id:
        return HttpResponseRedirect(reverse("review_ui:incident_detail", args=[incident_id]))
    return HttpResponseRedirect(reverse("review_ui:search"))


@require_POST
@role_required("reviewer")
def reairing_review(request: HttpRequest, link_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    incident = request.POST.get("incident", "")
    incident_id = int(incident) if incident.isdigit() and len(incident) < 12 else None
    try:
        review_link(link_id, request.user, decision)
    except ReairingError as exc:
        if "no re-airing link" in str(exc):
            raise Http404("no such link") from None
        return _refused(exc, 400)
    except inc.ReviewRuleError as exc:
        return _refused(exc, 403)
    messages.success(request, _("Re-airing link saved"))
    return _back(request, incident_id)


@require_POST
@role_required("reviewer")
def incident_add_airings(request: HttpRequest, incident_id: int) -> HttpResponse:
    try:
        incident = inc.get_incident(incident_id, request.user)
    except inc.IncidentError:
        raise Http404("no such incident") from None
    have = [(c.broadcast_id, c.start, c.end) for c in incident.clips.all()]
    added = 0
    try:
        for clip in list(incident.clips.all()):
            for airing in airings_of(clip.broadcast_id, clip.start, clip.end):
                key = (airing["other_broadcast_id"], airing["airing_start"],
                       airing["airing_end"])
                if covered(key, have):
                    continue
                inc.add_clip(incident.pk, request.user,
                             broadcast_id=airing["other_broadcast_id"],
                             start=airing["airing_start"], end=airing["airing_end"],
                             note=_("Re-airing of clip %(clip)s (link %(link)s, score %(score)s)")
                             % {"clip": clip.pk, "link": airing["id"],
                                "score": airing["score"]})
                have.append(key)
                added += 1
    except inc.ReviewRuleError as exc:
        return _refused(exc, 403)
    except inc.IncidentError as exc:
        return _refused(exc, 400)
    messages.success(request, _("Linked airings added as clips: %(n)s") % {"n": added})
    return _back(request, incident_id)


@require_POST
@role_required("reviewer")
def screen_name_review(request: HttpRequest, name_id: int) -> HttpResponse:
    """Accept or reject an on-screen name suggestion; back to the broadcast's page at the
    name's time."""
    try:
        name = review_name(name_id, request.user, request.POST.get("decision", ""))
    except ScreenNameError as exc:
        if "no on-screen name" in str(exc):
            raise Http404("no such on-screen name") from None
        return _refused(exc, 400)
    except inc.ReviewRuleError as exc:
        return _refused(exc, 403)
    messages.success(request, _("On-screen name saved"))
    url = reverse("review_ui:broadcast_detail", args=[name.broadcast_id])
    return HttpResponseRedirect(f"{url}#screen-names")
