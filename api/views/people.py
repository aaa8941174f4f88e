"""Persons, alerts, watchlists and the tag vocabulary.

Persons: only those ``review.persons.visible_persons`` gives the caller are listed, found or
shown (a restricted person is visible to leads, admins and reviewers assigned to one of
their incidents; to anyone else a 404, like a missing one); adding calls
``review.persons.add_person`` (audited). Alerts: the review queue of
``review_ui.views.alerts`` and its decision, ``review.alerts.review_alert`` (audited).
Watchlists: ``review.watchlists`` (create, (de)activate: the owner or a lead, as
``review_ui.views.watchlists.can_edit``). Tags: ``review.tagging.vocabulary``. Roles and
scopes as on the screens: reading persons needs a reviewer, the rest a viewer; every change
the review scope.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import has_role
from api import serializers as out
from api.pagination import IdCursorPagination
from api.views.base import ApiView, ListQuery, NoQuery, object_id
from catalog import audit
from catalog.models import Alert, Watchlist
from review.models import IncidentPerson
from review.persons import add_person, person_json, search_persons, visible_persons

ERRORS = {400: out.ProblemSerializer, 403: out.ProblemSerializer, 404: out.ProblemSerializer}


class PersonQuery(ListQuery):
    q = serializers.CharField(required=False, max_length=200,
                              help_text="any name, variant or transliteration (a word's start)")


class PersonDetailAnswer(out.PersonOutSerializer):
    incidents = serializers.ListField(child=serializers.IntegerField(),
                                      help_text="visible incidents they are in (on air or "
                                                "targeted)")


class PersonHiddenAnswer(serializers.Serializer):
    id = serializers.IntegerField()
    restricted = serializers.BooleanField()


def _visible_person(request: Request, person_id: int) -> Any:
    found = visible_persons(request.user).filter(pk=object_id(person_id)).first()
    if found is None:
        raise Http404("no such person")
    return found


class PersonList(ApiView):
    access = {"GET": ("reviewer", "read"), "POST": ("reviewer", "review")}

    @property
    def query_serializer(self) -> type[serializers.Serializer]:  # type: ignore[override]
        return PersonQuery if self.request.method == "GET" else NoQuery

    @extend_schema(operation_id="persons_list", parameters=[PersonQuery],
                   responses={200: out.paged(out.PersonOutSerializer)}, tags=["persons"])
    def get(self, request: Request) -> Response:
        q = (self.query.get("q") or "").strip()
        people = search_persons(q, request.user) if q else visible_persons(request.user)
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(people, request, view=self)
        return paginator.get_paginated_response([person_json(p) for p in page])

    @extend_schema(operation_id="persons_create", request=out.PersonInSerializer,
                   responses={201: out.PersonOutSerializer, 202: PersonHiddenAnswer, **ERRORS},
                   tags=["persons"],
                   description="201 with the person; 202 with the id only when the new "
                               "person is restricted and the caller may not see them.")
    def post(self, request: Request) -> Response:
        data = self.body(out.PersonInSerializer)
        with transaction.atomic():
            person = add_person(data["name"], variants=data["variants"], latin=data["latin"],
                                kind=data["kind"], restricted=data["restricted"],
                                notes=data["notes"], public_act_on=data["public_act_on"],
                                public_act=data["public_act"], user=request.user)
        # a reviewer who adds a restricted person does not see them until assigned
        if not visible_persons(request.user).filter(pk=person.pk).exists():
            return Response({"id": person.pk, "restricted": True}, status=202)
        return Response(person_json(person), status=201)


class PersonDetail(ApiView):
    access = {"GET": ("reviewer", "read")}

    @extend_schema(operation_id="persons_retrieve",
                   responses={200: PersonDetailAnswer, 404: out.ProblemSerializer},
                   tags=["persons"])
    def get(self, request: Request, person_id: int) -> Response:
        from django.db.models import Q

        from review.incidents import visible_incidents

        person = _visible_person(request, person_id)
        if person.restricted:
            audit.record("person-viewed", request.user, details={
                "person": person.pk, "restricted": True, "surface": "api"})
        incidents = sorted(set(IncidentPerson.objects.filter(
            Q(person=person) | Q(targeted=person),
            incident__in=visible_incidents(request.user).values("pk"))
            .values_list("incident_id", flat=True)))
        return Response({**person_json(person), "incidents": incidents})


class AlertQuery(ListQuery):
    status = serializers.ChoiceField(choices=Alert.Status.choices, required=False)
    watchlist = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    outlet = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


def _alerts() -> Any:
    return Alert.objects.select_related("watchlist", "broadcast__outlet", "reviewed_by")


class AlertList(ApiView):
    access = {"GET": ("viewer", "read")}
    query_serializer = AlertQuery

    @extend_schema(operation_id="alerts_list", parameters=[AlertQuery],
                   responses={200: out.paged(out.AlertOutSerializer)}, tags=["alerts"])
    def get(self, request: Request) -> Response:
        from review.alerts import alert_json

        alerts = _alerts()
        if self.query.get("status"):
            alerts = alerts.filter(status=self.query["status"])
        if self.query.get("watchlist"):
            alerts = alerts.filter(watchlist_id=self.query["watchlist"])
        if self.query.get("outlet"):
            alerts = alerts.filter(broadcast__outlet_id=self.query["outlet"])
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(alerts, request, view=self)
        return paginator.get_paginated_response([alert_json(a) for a in page])


def _alert(alert_id: int) -> Alert:
    alert = _alerts().filter(pk=object_id(alert_id)).first()
    if alert is None:
        raise Http404("no such alert")
    return alert


class AlertDetail(ApiView):
    access = {"GET": ("viewer", "read")}

    @extend_schema(operation_id="alerts_retrieve",
                   responses={200: out.AlertOutSerializer, 404: out.ProblemSerializer},
                   tags=["alerts"])
    def get(self, request: Request, alert_id: int) -> Response:
        from review.alerts import alert_json

        return Response(alert_json(_alert(alert_id)))


class AlertReview(ApiView):
    access = {"POST": ("reviewer", "review")}

    @extend_schema(operation_id="alerts_review", request=out.AlertReviewSerializer,
                   responses={200: out.AlertOutSerializer, **ERRORS}, tags=["alerts"])
    def post(self, request: Request, alert_id: int) -> Response:
        from review.alerts import alert_json, review_alert

        alert = _alert(alert_id)
        data = self.body(out.AlertReviewSerializer)
        review_alert(alert, data["status"], user=request.user, note=data["note"])
        return Response(alert_json(_alert(alert.pk)))


class WatchlistList(ApiView):
    access = {"GET": ("viewer", "read"), "POST": ("reviewer", "review")}

    @property
    def query_serializer(self) -> type[serializers.Serializer]:  # type: ignore[override]
        return ListQuery if self.request.method == "GET" else NoQuery

    @extend_schema(operation_id="watchlists_list", parameters=[ListQuery],
                   responses={200: out.paged(out.WatchlistOutSerializer)},
                   tags=["watchlists"])
    def get(self, request: Request) -> Response:
        from review.watchlists import watchlist_json

        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(Watchlist.objects.select_related("owner"),
                                           request, view=self)
        return paginator.get_paginated_response([watchlist_json(w) for w in page])

    @extend_schema(operation_id="watchlists_create", request=out.WatchlistInSerializer,
                   responses={201: out.WatchlistOutSerializer, **ERRORS}, tags=["watchlists"])
    def post(self, request: Request) -> Response:
        from review.watchlists import (
            create_watchlist,
            validate_name,
            validate_query,
            watchlist_json,
        )

        data = self.body(out.WatchlistInSerializer)
        name = validate_name(data["name"])
        validate_query(data["query"])
        watchlist = create_watchlist(name, data["query"], owner=request.user)
        return Response(watchlist_json(watchlist), status=201)


class WatchlistActive(ApiView):
    access = {"POST": ("reviewer", "review")}

    @extend_schema(operation_id="watchlists_set_active", request=out.WatchlistActiveSerializer,
                   responses={200: out.WatchlistOutSerializer, **ERRORS}, tags=["watchlists"])
    def post(self, request: Request, watchlist_id: int) -> Response:
        from review.watchlists import set_active, watchlist_json

        watchlist = Watchlist.objects.select_related("owner").filter(
            pk=object_id(watchlist_id)).first()
        if watchlist is None:
            raise Http404("no such watchlist")
        data = self.body(out.WatchlistActiveSerializer)
        if not (has_role(request.user, "lead") or watchlist.owner_id == request.user.pk):
            raise PermissionDenied("only the watchlist's owner or a lead can change it")
        set_active(watchlist, data["active"], user=request.user)
        watchlist.refresh_from_db()
        return Response(watchlist_json(watchlist))


class TagList(ApiView):
    access = {"GET": ("viewer", "read")}

    @extend_schema(operation_id="tags_list", responses={200: out.TagOutSerializer(many=True)},
                   tags=["tags"])
    def get(self, request: Request) -> Response:
        from review.tagging import vocabulary

        return Response(vocabulary())
