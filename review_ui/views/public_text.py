"""The incident page's "public text" controls: a lead marks the incident's title, notes or
one history reason as fit for a public evidence package, or withdraws the mark.

POST only (CSRF), lead role; the rule and the audit entry are in
``review.incidents.mark_public`` (the command line's ``raqib incidents mark-public`` calls
the same). The panel itself is ``review_ui.templatetags.public_text_ui``. To mark another
kind of text: extend ``review.models.PublicText.Field`` and the panel.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from review import incidents as inc
from review_ui.access import role_required
from review_ui.views.common import with_reason


@require_POST
@role_required("lead")
def incident_public_text(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Mark (``public=1``) or withdraw (``public=0``) one text, then back to the page."""
    try:
        incident = inc.get_incident(incident_id, request.user)
    except inc.IncidentError:
        raise Http404("no such incident") from None
    public = request.POST.get("public", "1") != "0"
    try:
        inc.mark_public(incident.pk, request.user, request.POST.get("field", ""),
                        event_id=request.POST.get("event") or None, public=public)
    except (inc.IncidentError, inc.ReviewRuleError) as exc:
        messages.error(request, with_reason(gettext("Nothing was marked: %(reason)s"), exc))
    else:
        messages.success(request, gettext("Marked public for public evidence packages.")
                         if public else gettext("No longer public."))
    return HttpResponseRedirect(reverse("review_ui:incident_detail", args=[incident.pk]) +
                                "#public-text")
