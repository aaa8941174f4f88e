"""The evidence-package download of the incident page: a lead asks for the incident's
BagIt bag (``review.evidence.package``) and gets it as a zip.

POST only (CSRF), lead role, the password entered recently (``recent_auth_required``);
the export itself appends an ``evidence-exported`` audit event. The bag is built in a
temporary folder and streamed; nothing stays on the server. To offer another profile: add
it to ``review.evidence.package.PROFILES`` and to ``_incident_evidence.html``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from review import incidents as inc
from review.evidence.package import PROFILES, EvidenceExportError, zipped_bag
from review_ui.access import recent_auth_required, role_required


@require_POST
@role_required("lead")
@recent_auth_required
def incident_evidence(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Build the incident's evidence package and send it as ``incident-N-PROFILE.zip``."""
    try:
        incident = inc.get_incident(incident_id, request.user)
    except inc.IncidentError:
        raise Http404("no such incident") from None
    profile = request.POST.get("profile", "full")
    back = reverse("review_ui:incident_detail", args=[incident.pk])
    if profile not in PROFILES:
        messages.error(request, gettext("Unknown package profile."))
        return HttpResponseRedirect(back)
    try:
        handle, filename = zipped_bag(incident.pk, profile, user=request.user,
                                      data_dir=Path(settings.DATA_DIR),
                                      tsa_urls=settings.CONFIG.get("evidence.tsa_urls"))
    except EvidenceExportError as exc:
        messages.error(request, gettext("The evidence package could not be made: %(reason)s")
                       % {"reason": exc})
        return HttpResponseRedirect(back)
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type="application/zip")
