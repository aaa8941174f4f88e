"""An incident's evidence package through the API: ``POST incidents/{id}/evidence/`` with
``{"profile": "full" | "public"}`` answers the BagIt bag as a zip (``application/zip``,
``Content-Disposition: attachment; filename="incident-N-PROFILE.zip"``).

What the incident page's download does (``review_ui.views.evidence``): lead role (and the
review scope: an export is a recorded act), the incident as ``review.incidents`` lets the
caller see it (else 404, like a missing one), the bag built by
``review.evidence.package.export_bag`` (which appends the ``evidence-exported`` audit event;
signed with the organisation's key, timestamped by each ``evidence.tsa_urls`` TSA) in a
temporary folder and streamed; nothing stays on the server. An export that cannot be made
(no signing key, a stored file whose hash changed, ffmpeg or a TSA failing) is a 422
problem document with the reason (the data dir's path shown as
``DATA_DIR``), never a 500. To offer another profile: add it to
``review.evidence.package.PROFILES``; the body's choices follow.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from api import serializers as out
from api.views.base import ApiView
from api.views.incidents import visible
from review.evidence.package import PROFILES, EvidenceExportError, zipped_bag

log = logging.getLogger(__name__)


class EvidenceIn(out.StrictSerializer):
    profile = out.StrictChoice(
        choices=[(p, p) for p in PROFILES],
        help_text="full: everything; public: staff named by pseudonyms, restricted persons "
                  "and unpublished free texts left out (review.evidence.redact)")


class ExportFailed(APIException):
    status_code = 422
    default_detail = "The evidence package could not be made."
    default_code = "export_failed"


class IncidentEvidence(ApiView):
    access = {"POST": ("lead", "review")}

    @extend_schema(
        operation_id="incidents_evidence", request=EvidenceIn, tags=["incidents"],
        description="The incident's evidence package (a signed BagIt bag) as a zip; "
                    "`python verify.py` inside it, or `raqib evidence verify`, checks it.",
        responses={200: OpenApiResponse(OpenApiTypes.BINARY,
                                        description="the bag, zipped (application/zip)"),
                   403: out.ProblemSerializer, 404: out.ProblemSerializer,
                   422: OpenApiResponse(out.ProblemSerializer,
                                        description="the package could not be made")})
    def post(self, request: Request, incident_id: int) -> FileResponse:
        incident = visible(request, incident_id)
        profile = self.body(EvidenceIn)["profile"]
        data_dir = Path(settings.DATA_DIR)
        try:
            handle, filename = zipped_bag(incident.pk, profile, user=request.user,
                                          data_dir=data_dir,
                                          tsa_urls=settings.CONFIG.get("evidence.tsa_urls"))
        except EvidenceExportError as exc:
            log.warning("evidence export of incident %s failed: %s", incident.pk, exc)
            reason = str(exc).replace(str(data_dir), "DATA_DIR")  # not the server's layout
            raise ExportFailed(f"The evidence package could not be made: {reason}") from None
        response = FileResponse(handle, as_attachment=True, filename=filename,
                                content_type="application/zip")
        response["Cache-Control"] = "private, no-store"
        return response
