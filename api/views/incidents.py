"""Incidents: list (filters, facets), show, propose, edit, add a clip or a person, assess,
change status (review), assign, export.

Each action calls what the incident screens call (``review_ui.views.incidents``,
``incident_list``): ``review.incidents`` (propose, edit, add_clip, add_person, assign) and
``review.workflow`` (propose_for_review, assess, set_status), so roles, restricted
visibility (an incident the caller may not see is a 404, in every list, count and facet),
the two-person rule and the blind second review hold here as in the browser; a change on a
stale ``version`` is a 409 and writes nothing. The list's filters and facet counts are the
incident list's (``review_ui.views.incident_list.matching``). Every change is audited by
the rules module; opening an incident is audited as ``incident-viewed`` (surface ``api``),
as on the screen. Reading: reviewer role, read scope; changes: reviewer (lead for assess
and assign), review scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as out
from api.pagination import IdCursorPagination
from api.views.base import ApiView, ListQuery, NoQuery, object_id
from catalog import audit
from review import incidents as inc
from review import workflow
from review.incident_json import export_csv, incident_json
from review.models import Incident
from review_ui.views.incident_list import WAIT_BUCKETS

ERRORS = {400: out.ProblemSerializer, 403: out.ProblemSerializer, 404: out.ProblemSerializer}
WRITE_ERRORS = {**ERRORS, 409: out.ProblemSerializer}


def visible(request: Request, incident_id: int) -> Incident:
    """The incident if the caller may see it; otherwise 404, like a missing one."""
    try:
        return inc.get_incident(object_id(incident_id), request.user)
    except inc.IncidentError:
        raise Http404("no such incident") from None


def summary(incident: Incident, blind: bool) -> dict[str, Any]:
    """A list row, as the incident list screen shows it (``_rows``): the proposer's
    confidence and signs withheld from a lead who has yet to assess blind."""
    people = [{"person_id": p.person_id, "name": p.person.name, "role": p.role,
               "targeted_person_id": p.targeted_id,
               "targeted_name": p.targeted.name if p.targeted else None}
              for p in incident.people.all()]
    return {"id": incident.pk, "title": incident.title, "status": incident.status,
            "version": incident.version,
            "outlet": incident.outlet.name if incident.outlet else None,
            "programme": incident.programme,
            "first_aired": incident.first_aired.isoformat() if incident.first_aired else None,
            "restricted": incident.restricted,
            "confidence": None if blind else incident.confidence,
            "signs": None if blind else sorted(s.code for s in incident.signs.all()),
            "proposer_assessment_hidden": blind,
            "proposed_by": incident.proposed_by.get_username() if incident.proposed_by
            else None,
            "created_at": incident.created_at.isoformat(),
            "updated_at": incident.updated_at.isoformat(),
            "clips": len(incident.clips.all()), "persons": people}


def shown(incident_id: int, user: Any) -> dict[str, Any]:
    return incident_json(inc.get_incident(incident_id, user), user)


class IncidentFilters(ListQuery):
    status = serializers.ChoiceField(choices=Incident.Status.choices, required=False)
    outlet = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    person = serializers.CharField(required=False, max_length=200)
    targeted = serializers.CharField(required=False, max_length=200)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    sign = serializers.SlugField(required=False, max_length=64)
    waited = serializers.ChoiceField(choices=list(WAIT_BUCKETS), required=False)


def _filters(query: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in query.items()
            if key not in ("cursor", "page_size", "format") and value not in (None, "")}


def facets(user: Any, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    from review_ui.views.incident_list import _facets

    return {group["name"]: [{"value": str(item["value"]), "label": str(item["label"]),
                             "count": item["count"]} for item in group["items"]]
            for group in _facets(user, data, QueryDict())}


class IncidentListAnswer(serializers.Serializer):
    count = serializers.IntegerField()
    facets = out.IncidentFacetsSerializer()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = out.IncidentSummarySerializer(many=True)


class IncidentList(ApiView):
    access = {"GET": ("reviewer", "read"), "POST": ("reviewer", "review")}

    def get_query_serializer(self) -> type[serializers.Serializer]:
        return IncidentFilters if self.request.method == "GET" else NoQuery

    @property
    def query_serializer(self) -> type[serializers.Serializer]:  # type: ignore[override]
        return self.get_query_serializer()

    @extend_schema(operation_id="incidents_list", parameters=[IncidentFilters],
                   responses={200: IncidentListAnswer}, tags=["incidents"])
    def get(self, request: Request) -> Response:
        from review_ui.views.incident_list import blind_incidents, matching

        data = _filters(self.query)
        rows = matching(request.user, data)
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(
            rows.select_related("outlet", "proposed_by").prefetch_related(
                "people__person", "people__targeted", "signs", "clips"), request, view=self)
        blind = set(blind_incidents(request.user).filter(pk__in=[i.pk for i in page])
                    .values_list("pk", flat=True))
        return Response({"count": rows.count(), "facets": facets(request.user, data),
                         "next": paginator.get_next_link(),
                         "previous": paginator.get_previous_link(),
                         "results": [summary(i, i.pk in blind) for i in page]})

    @extend_schema(operation_id="incidents_propose", request=out.ProposeSerializer,
                   responses={201: out.IncidentSerializer, **ERRORS}, tags=["incidents"])
    def post(self, request: Request) -> Response:
        data = self.body(out.ProposeSerializer)
        action = workflow.propose_for_review if data["send_for_review"] else inc.propose
        people = [inc.OnAir(p["person"], p["role"], p.get("relation") or "",
                            p.get("targeted") or "") for p in data["persons"]]
        with transaction.atomic():
            incident = action(request.user, broadcast_id=data["broadcast_id"],
                              start=data["start"], end=data["end"], title=data["title"],
                              people=people, signs=data["signs"],
                              confidence=data.get("confidence"), notes=data["notes"],
                              restricted=data["restricted"])
        return Response(shown(incident.pk, request.user), status=201)


class ExportQuery(IncidentFilters):
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")
    cursor = None  # one answer, newest first: at most page_size (default 200) incidents
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000,
                                         default=200, help_text="at most this many, newest first")


class IncidentExport(ApiView):
    access = {"GET": ("reviewer", "read")}
    query_serializer = ExportQuery

    @extend_schema(operation_id="incidents_export", parameters=[ExportQuery],
                   responses={200: OpenApiResponse(
                       out.IncidentSerializer(many=True),
                       description="JSON (format=json) or CSV (format=csv, text/csv)")},
                   tags=["incidents"])
    def get(self, request: Request) -> HttpResponse:
        from review_ui.views.incident_list import matching

        data = _filters(self.query)
        limit = self.query["page_size"]
        rows = [incident_json(i, request.user)
                for i in matching(request.user, data).order_by("-id")[:limit]]
        audit.record("incidents-exported", request.user, details={
            "count": len(rows), "format": self.query["format"], "surface": "api",
            "incidents": [row["id"] for row in rows]})
        if self.query["format"] == "csv":
            return HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
        return Response(rows)


class IncidentDetail(ApiView):
    access = {"GET": ("reviewer", "read"), "PATCH": ("reviewer", "review")}

    @extend_schema(operation_id="incidents_retrieve",
                   responses={200: out.IncidentSerializer, 404: out.ProblemSerializer},
                   tags=["incidents"])
    def get(self, request: Request, incident_id: int) -> Response:
        incident = visible(request, incident_id)
        audit.record("incident-viewed", request.user, details={
            "incident": incident.pk, "restricted": incident.restricted, "surface": "api"})
        return Response(incident_json(incident, request.user))

    @extend_schema(operation_id="incidents_edit", request=out.EditSerializer,
                   responses={200: out.IncidentSerializer, **WRITE_ERRORS}, tags=["incidents"])
    def patch(self, request: Request, incident_id: int) -> Response:
        incident = visible(request, incident_id)
        data = self.body(out.EditSerializer)
        version = data.pop("version")
        inc.edit(incident.pk, request.user, version=version, **data)
        return Response(shown(incident.pk, request.user))


class IncidentAction(ApiView):
    """A POST on one incident: read the body, run ``act``, answer the incident as now."""

    body_serializer: type[serializers.Serializer]

    def act(self, incident: Incident, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def run(self, request: Request, incident_id: int) -> Response:
        incident = visible(request, incident_id)
        data = self.body(self.body_serializer)
        with transaction.atomic():
            self.act(incident, data)
        return Response(shown(incident.pk, request.user))


def _action(name: str, serializer: type[serializers.Serializer], role: str,
            doc: str) -> Any:
    def decorate(cls: type[IncidentAction]) -> type[IncidentAction]:
        cls.access = {"POST": (role, "review")}
        cls.body_serializer = serializer

        @extend_schema(operation_id=f"incidents_{name}", request=serializer,
                       responses={200: out.IncidentSerializer, **WRITE_ERRORS},
                       tags=["incidents"], description=doc)
        def post(self: IncidentAction, request: Request, incident_id: int) -> Response:
            return self.run(request, incident_id)

        cls.post = post
        return cls
    return decorate


@_action("add_clip", out.ClipSerializer, "reviewer", "Add an evidence clip to an open incident.")
class IncidentClips(IncidentAction):
    def act(self, incident: Incident, data: dict[str, Any]) -> None:
        inc.add_clip(incident.pk, self.request.user, broadcast_id=data["broadcast_id"],
                     start=data["start"], end=data["end"], note=data["note"],
                     version=data["version"])


@_action("add_person", out.AddPersonSerializer, "reviewer",
         "Put one more (known) person on air in an open incident.")
class IncidentPersons(IncidentAction):
    def act(self, incident: Incident, data: dict[str, Any]) -> None:
        entry = inc.OnAir(data["person"], data["role"], data.get("relation") or "",
                          data.get("targeted") or "")
        inc.add_person(incident.pk, self.request.user, entry, version=data["version"])


@_action("assess", out.AssessSerializer, "lead",
         "A lead's independent (blind) second assessment of an incident under review.")
class IncidentAssess(IncidentAction):
    def act(self, incident: Incident, data: dict[str, Any]) -> None:
        workflow.assess(incident.pk, self.request.user, confidence=data["confidence"],
                        signs=data["signs"], note=data["note"], version=data["version"])


@_action("review", out.StatusSerializer, "reviewer",
         "Change the status: send for review (reviewer), confirm or dismiss (another lead "
         "than any who shaped it: the two-person rule), reopen (a lead, with a reason).")
class IncidentReview(IncidentAction):
    def act(self, incident: Incident, data: dict[str, Any]) -> None:
        workflow.set_status(incident.pk, self.request.user, data["status"],
                            reason=data["reason"], confidence=data.get("confidence"),
                            signs=data.get("signs"), version=data["version"])


@_action("assign", out.AssignSerializer, "lead",
         "Assign a reviewer, who then sees the incident even when it is restricted.")
class IncidentAssign(IncidentAction):
    def act(self, incident: Incident, data: dict[str, Any]) -> None:
        reviewer = get_user_model().objects.filter(username=data["reviewer"],
                                                   is_active=True).first()
        if reviewer is None:
            raise inc.IncidentError(f"no active user named {data['reviewer']!r}")
        inc.assign(incident.pk, self.request.user, reviewer)


__all__ = ["IncidentList", "IncidentExport", "IncidentDetail", "IncidentClips",
           "IncidentPersons", "IncidentAssess", "IncidentReview", "IncidentAssign",
           "OpenApiTypes", "inline_serializer"]
