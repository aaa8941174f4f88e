"""Broadcasts: the list, one broadcast's metadata and custody, its transcript segments, its
media (with ``Range``) and its tags.

What the broadcast screens read (``review_ui.views.broadcasts``, ``media``, ``tags``): the
metadata, transcripts, tags (``review.tagging.tags_of``), sightings
(``catalog.sightings``) and the chain-of-custody rows of the recording (the chain's own
fields: no details). The media is served by ``review_ui.streaming`` from the path
``review_ui.views.media.media_path`` checks (200, or 206 for one range, 416 for an
impossible one). Tagging calls ``review.tagging`` (audited there). Reading: viewer role, read
scope; tagging: reviewer role, review scope. A merged duplicate's old id answers 404 with
the id of the recording it repeats in ``detail``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as out
from api.pagination import IdCursorPagination, page_size_param
from api.views.base import ApiView, ListQuery, NoQuery, object_id
from catalog.aired import AirDate
from catalog.models import Broadcast, CustodyEvent, Segment


def media_json(broadcast: Broadcast) -> dict[str, Any] | None:
    media = broadcast.media
    if media is None:
        return None
    return {"sha256": media.sha256, "size": media.size, "mime_type": media.mime_type or "",
            "duration": media.duration,
            "url": reverse("api:broadcast_media", args=[broadcast.pk])}


def broadcast_summary(broadcast: Broadcast) -> dict[str, Any]:
    return {"id": broadcast.pk, "outlet": broadcast.outlet.name,
            "source": broadcast.source.name, "external_id": broadcast.external_id,
            "url": broadcast.url, "title": broadcast.title, "program": broadcast.program,
            "status": broadcast.status, "availability": broadcast.availability or "",
            "language": broadcast.language or "",
            "discovered_at": broadcast.discovered_at.isoformat()
            if broadcast.discovered_at else None,
            **AirDate.of(broadcast).fields(), "media": media_json(broadcast)}


def custody_json(event: CustodyEvent) -> dict[str, Any]:
    return {"seq": event.seq, "at": event.at.isoformat(), "action": event.action,
            "actor": event.actor, "sha256": event.sha256, "source_url": event.source_url,
            "final_url": event.final_url, "http_status": event.http_status,
            "hash": event.hash, "prev_hash": event.prev_hash}


def get_broadcast(broadcast_id: int) -> Broadcast:
    broadcast = Broadcast.objects.select_related("outlet", "source", "media").filter(
        pk=object_id(broadcast_id)).first()
    if broadcast is None:
        raise Http404("no such broadcast")
    return broadcast


class BroadcastListQuery(ListQuery):
    status = serializers.ChoiceField(choices=Broadcast.Status.choices, required=False)
    availability = serializers.ChoiceField(choices=Broadcast.Availability.choices,
                                           required=False)


class BroadcastList(ApiView):
    access = {"GET": ("viewer", "read")}
    query_serializer = BroadcastListQuery

    @extend_schema(operation_id="broadcasts_list", parameters=[BroadcastListQuery],
                   responses={200: out.paged(out.BroadcastSummarySerializer)},
                   tags=["broadcasts"])
    def get(self, request: Request) -> Response:
        rows = Broadcast.objects.select_related("outlet", "source", "media")
        if self.query.get("status"):
            rows = rows.filter(status=self.query["status"])
        if self.query.get("availability"):
            rows = rows.filter(availability=self.query["availability"])
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([broadcast_summary(b) for b in page])


class BroadcastDetail(ApiView):
    access = {"GET": ("viewer", "read")}

    @extend_schema(operation_id="broadcasts_retrieve",
                   responses={200: out.BroadcastSerializer}, tags=["broadcasts"])
    def get(self, request: Request, broadcast_id: int) -> Response:
        from catalog.sightings import sightings_json
        from review.tagging import tags_of

        broadcast = get_broadcast(broadcast_id)
        transcripts = [{"id": t.pk, "track": t.track, "engine": t.engine,
                        "model_id": t.model_id, "language": t.language,
                        "created_at": t.created_at.isoformat(), "segments": t.n}
                       for t in broadcast.transcripts.annotate(
                           n=Count("segments")).order_by("-created_at", "-id")]
        custody = CustodyEvent.objects.filter(broadcast_id=broadcast.pk).order_by("seq")
        return Response({**broadcast_summary(broadcast), "transcripts": transcripts,
                         "tags": tags_of(broadcast.pk),
                         "sightings": sightings_json(broadcast),
                         "custody": [custody_json(e) for e in custody[:1000]]})


class SegmentQuery(ListQuery):
    transcript = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                          help_text="a transcript id (default: the newest)")


class SegmentPagination(IdCursorPagination):
    ordering = "number"
    page_size = 200

    def get_page_size(self, request: Request) -> int:
        return page_size_param(request, self.page_size, self.max_page_size)


class BroadcastSegments(ApiView):
    access = {"GET": ("viewer", "read")}
    query_serializer = SegmentQuery

    @extend_schema(operation_id="broadcasts_segments", parameters=[SegmentQuery],
                   responses={200: out.paged(out.SegmentSerializer)}, tags=["broadcasts"])
    def get(self, request: Request, broadcast_id: int) -> Response:
        broadcast = get_broadcast(broadcast_id)
        transcripts = broadcast.transcripts.order_by("-created_at", "-id")
        if self.query.get("transcript"):
            transcripts = transcripts.filter(pk=self.query["transcript"])
        transcript = transcripts.first()
        if transcript is None:
            raise Http404("no such transcript")
        paginator = SegmentPagination()
        page = paginator.paginate_queryset(
            Segment.objects.filter(transcript=transcript), request, view=self)
        return paginator.get_paginated_response([
            {"id": s.pk, "number": s.number, "start": s.start, "end": s.end, "text": s.text}
            for s in page])


class BroadcastMedia(ApiView):
    access = {"GET": ("viewer", "read")}
    query_serializer = NoQuery

    @extend_schema(
        operation_id="broadcasts_media", tags=["broadcasts"],
        description="The evidence file; send `Range: bytes=A-B` for a part (206).",
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="the whole file"),
                   206: OpenApiResponse(OpenApiTypes.BINARY, description="one byte range"),
                   416: OpenApiResponse(description="the range lies outside the file")})
    def get(self, request: Request, broadcast_id: int) -> HttpResponse:
        from review_ui.streaming import ranged_file_response
        from review_ui.views.media import media_path

        broadcast = get_broadcast(broadcast_id)
        path = media_path(broadcast)
        response = ranged_file_response(path, request.headers.get("Range"),
                                        broadcast.media.mime_type)
        response["Cache-Control"] = "private, no-store"
        return response


class BroadcastTags(ApiView):
    access = {"POST": ("reviewer", "review")}

    @extend_schema(operation_id="broadcasts_tag", request=out.TagInSerializer,
                   responses={200: out.TagChangeOutSerializer}, tags=["tags"])
    def post(self, request: Request, broadcast_id: int) -> Response:
        from review.tagging import add_tag, remove_tag, tags_of

        broadcast = get_broadcast(broadcast_id)
        data = self.body(out.TagInSerializer)
        if data["action"] == "remove":
            removed, index_error = remove_tag(broadcast.pk, data["tag"],
                                              segment_number=data.get("segment"),
                                              user=request.user)
            changed = bool(removed)
        else:
            _, changed, index_error = add_tag(
                broadcast.pk, data["tag"], segment_number=data.get("segment"),
                user=request.user, note=data.get("note") or "",
                to_segment=data.get("to_segment"), start=data.get("start"),
                end=data.get("end"))
        return Response({"tag": data["tag"], "changed": changed,
                         "index_error": index_error or "", "tags": tags_of(broadcast.pk)})
