"""The shapes the API reads and writes: request bodies (strict: an unknown field is a 400)
and answers (for the OpenAPI document; the data itself comes from the rules modules' own
JSON, ``review.incident_json``, ``review.persons.person_json``, ``review.alerts.alert_json``,
``review.watchlists.watchlist_json``, ``index.base.Hit.to_json``).

``StrictSerializer`` refuses fields it does not declare and a body that is not a JSON
object; ``api.schema`` marks every request body ``additionalProperties: false`` so the
contract says the same. To add a field: declare it here (request or answer), use it in the
view, regenerate ``docs/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from review.models import Incident, IncidentPerson, Person

S = serializers
NAME = 300


class StrictSerializer(S.Serializer):
    """A request body: a JSON object holding only the declared fields."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise S.ValidationError({"non_field_errors": ["the body must be a JSON object"]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise S.ValidationError({name: ["unknown field"] for name in unknown})
        return super().to_internal_value(data)


class _JsonTyped:
    """A request field that takes only its own JSON type (DRF would coerce "1" to 1, 1 to
    True or 5 to "5": the contract says it may not)."""

    json_types: tuple[type, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) and bool not in self.json_types or \
                not isinstance(data, self.json_types):
            raise S.ValidationError(f"must be a JSON {self.json_types[0].__name__}"
                                    .replace("str", "string").replace("int", "integer")
                                    .replace("float", "number").replace("bool", "boolean"))
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictText(_JsonTyped, S.CharField):
    json_types = (str,)


class StrictInteger(_JsonTyped, S.IntegerField):
    json_types = (int,)


class StrictFloat(_JsonTyped, S.FloatField):
    json_types = (float, int)


class StrictBoolean(_JsonTyped, S.BooleanField):
    json_types = (bool,)


class StrictDate(_JsonTyped, S.DateField):
    json_types = (str,)


class StrictChoice(_JsonTyped, S.ChoiceField):
    json_types = (str,)


def _text(max_length: int, **kwargs: Any) -> S.CharField:
    return StrictText(max_length=max_length, trim_whitespace=True, **kwargs)


# -- answers ---------------------------------------------------------------------------

class ProblemSerializer(S.Serializer):
    type = S.CharField()
    title = S.CharField()
    status = S.IntegerField()
    detail = S.CharField(required=False)
    errors = S.ListField(child=S.DictField(child=S.CharField()), required=False)


class AiredFields(S.Serializer):
    aired_at = S.CharField(allow_null=True)
    aired_precision = S.CharField(allow_null=True)
    aired_at_utc = S.CharField(allow_null=True)
    aired_tz = S.CharField()
    aired_at_raw = S.CharField(allow_blank=True)


class EvidenceFileSerializer(S.Serializer):
    id = S.IntegerField()
    kind = S.CharField()
    path = S.CharField()
    sha256 = S.CharField()
    size = S.IntegerField(allow_null=True)


class SightingSerializer(AiredFields):
    recording = S.IntegerField()
    sighting = S.IntegerField(allow_null=True)
    broadcast_id = S.IntegerField(allow_null=True)
    source = S.CharField()
    outlet = S.CharField()
    external_id = S.CharField(allow_blank=True)
    url = S.CharField(allow_blank=True)
    title = S.CharField(allow_blank=True)
    seen_at = S.CharField(allow_null=True)
    evidence = EvidenceFileSerializer(many=True)


class HitSerializer(AiredFields):
    segment_id = S.IntegerField()
    transcript_id = S.IntegerField()
    broadcast_id = S.IntegerField()
    url = S.CharField(allow_blank=True)
    outlet = S.CharField(allow_blank=True)
    title = S.CharField(allow_blank=True)
    start = S.FloatField()
    end = S.FloatField()
    text = S.CharField(allow_blank=True)
    score = S.FloatField()
    language = S.CharField(allow_blank=True)
    tags = S.ListField(child=S.CharField())
    play_from = S.FloatField()
    highlight = S.ListField(child=S.ListField(), help_text="[text, matched] pairs, in order")
    sightings = S.ListField(child=S.DictField())


class FacetValueSerializer(S.Serializer):
    value = S.CharField()
    count = S.IntegerField()


class SearchFacetsSerializer(S.Serializer):
    outlet = FacetValueSerializer(many=True, required=False)
    language = FacetValueSerializer(many=True, required=False)
    month = FacetValueSerializer(many=True, required=False)
    tag = FacetValueSerializer(many=True, required=False)


class SearchPageSerializer(S.Serializer):
    total = S.IntegerField()
    results = HitSerializer(many=True)
    facets = SearchFacetsSerializer()
    next = S.URLField(allow_null=True)
    previous = S.URLField(allow_null=True)


class MediaSerializer(S.Serializer):
    sha256 = S.CharField()
    size = S.IntegerField(allow_null=True)
    mime_type = S.CharField(allow_blank=True)
    duration = S.FloatField(allow_null=True)
    url = S.CharField(help_text="GET it with this API's token; honours Range")


class BroadcastSummarySerializer(AiredFields):
    id = S.IntegerField()
    outlet = S.CharField()
    source = S.CharField()
    external_id = S.CharField()
    url = S.CharField(allow_blank=True)
    title = S.CharField(allow_blank=True)
    program = S.CharField(allow_blank=True)
    status = S.CharField()
    availability = S.CharField(allow_blank=True)
    language = S.CharField(allow_blank=True)
    discovered_at = S.CharField(allow_null=True)
    media = MediaSerializer(allow_null=True)


class CustodyEventSerializer(S.Serializer):
    seq = S.IntegerField()
    at = S.CharField()
    action = S.CharField()
    actor = S.CharField()
    sha256 = S.CharField(allow_blank=True)
    source_url = S.CharField(allow_blank=True)
    final_url = S.CharField(allow_blank=True)
    http_status = S.IntegerField(allow_null=True)
    hash = S.CharField()
    prev_hash = S.CharField()


class TranscriptSerializer(S.Serializer):
    id = S.IntegerField()
    track = S.CharField(allow_blank=True)
    engine = S.CharField(allow_blank=True)
    model_id = S.CharField(allow_blank=True)
    language = S.CharField(allow_blank=True)
    created_at = S.CharField()
    segments = S.IntegerField(help_text="how many segments it holds")


class TaggingSerializer(S.Serializer):
    tag = S.CharField()
    broadcast_id = S.IntegerField()
    vocabulary = S.BooleanField()
    start = S.FloatField(allow_null=True)
    end = S.FloatField(allow_null=True)
    segment = S.IntegerField(allow_null=True)
    by = S.CharField(allow_blank=True)
    at = S.CharField()
    note = S.CharField(allow_blank=True)


class BroadcastSerializer(BroadcastSummarySerializer):
    transcripts = TranscriptSerializer(many=True)
    tags = TaggingSerializer(many=True)
    sightings = SightingSerializer(many=True)
    custody = CustodyEventSerializer(many=True)


class SegmentSerializer(S.Serializer):
    id = S.IntegerField()
    number = S.IntegerField()
    start = S.FloatField()
    end = S.FloatField()
    text = S.CharField(allow_blank=True)


class ClipOutSerializer(AiredFields):
    id = S.IntegerField()
    broadcast_id = S.IntegerField()
    start = S.FloatField()
    end = S.FloatField()
    range = S.CharField()
    outlet = S.CharField()
    title = S.CharField(allow_blank=True)
    url = S.CharField(allow_blank=True)
    note = S.CharField(allow_blank=True)
    added_by = S.CharField(allow_null=True)
    added_at = S.CharField()


class OnAirOutSerializer(S.Serializer):
    person_id = S.IntegerField()
    name = S.CharField()
    kind = S.CharField()
    role = S.CharField()
    relation = S.CharField(allow_blank=True)
    targeted_person_id = S.IntegerField(allow_null=True)
    targeted_name = S.CharField(allow_null=True)


class AssessmentOutSerializer(S.Serializer):
    kind = S.CharField()
    by = S.CharField(allow_null=True)
    confidence = S.CharField()
    signs = S.ListField(child=S.CharField())
    note = S.CharField(allow_blank=True)
    at = S.CharField()


class HistoryOutSerializer(S.Serializer):
    id = S.IntegerField()
    at = S.CharField()
    by = S.CharField(allow_null=True)
    action = S.CharField()
    to = S.CharField(allow_null=True)
    reason = S.CharField(allow_blank=True)
    changes = S.DictField()
    version = S.IntegerField(allow_null=True)

    def get_fields(self) -> dict[str, S.Field]:
        fields = super().get_fields()
        fields["from"] = S.CharField(allow_null=True)
        return fields


class IncidentSerializer(S.Serializer):
    id = S.IntegerField()
    title = S.CharField()
    status = S.ChoiceField(choices=Incident.Status.choices)
    version = S.IntegerField(help_text="send it back with a change: a stale one is a 409")
    outlet = S.CharField(allow_null=True)
    programme = S.CharField(allow_blank=True)
    first_aired = S.DateField(allow_null=True)
    restricted = S.BooleanField()
    notes = S.CharField(allow_blank=True)
    confidence = S.CharField(allow_null=True)
    signs = S.ListField(child=S.CharField(), allow_null=True)
    proposer_assessment_hidden = S.BooleanField()
    proposed_by = S.CharField(allow_null=True)
    last_edited_by = S.CharField(allow_null=True)
    decided_by = S.CharField(allow_null=True)
    assigned = S.ListField(child=S.CharField())
    created_at = S.CharField()
    updated_at = S.CharField()
    clips = ClipOutSerializer(many=True)
    persons = OnAirOutSerializer(many=True)
    assessments = AssessmentOutSerializer(many=True)
    history = HistoryOutSerializer(many=True)
    sightings = SightingSerializer(many=True)


class OnAirSummarySerializer(S.Serializer):
    person_id = S.IntegerField()
    name = S.CharField()
    role = S.CharField()
    targeted_person_id = S.IntegerField(allow_null=True)
    targeted_name = S.CharField(allow_null=True)


class IncidentSummarySerializer(S.Serializer):
    """An incident in a list: open ``incidents/{id}/`` for clips, assessments, history."""

    id = S.IntegerField()
    title = S.CharField()
    status = S.ChoiceField(choices=Incident.Status.choices)
    version = S.IntegerField()
    outlet = S.CharField(allow_null=True)
    programme = S.CharField(allow_blank=True)
    first_aired = S.DateField(allow_null=True)
    restricted = S.BooleanField()
    confidence = S.CharField(allow_null=True)
    signs = S.ListField(child=S.CharField(), allow_null=True)
    proposer_assessment_hidden = S.BooleanField()
    proposed_by = S.CharField(allow_null=True)
    created_at = S.CharField()
    updated_at = S.CharField()
    clips = S.IntegerField(help_text="how many clips")
    persons = OnAirSummarySerializer(many=True)


class IncidentFacetSerializer(S.Serializer):
    value = S.CharField()
    label = S.CharField()
    count = S.IntegerField()


class IncidentFacetsSerializer(S.Serializer):
    status = IncidentFacetSerializer(many=True)
    outlet = IncidentFacetSerializer(many=True)
    sign = IncidentFacetSerializer(many=True)


class PersonOutSerializer(S.Serializer):
    id = S.IntegerField()
    name = S.CharField()
    variants = S.ListField(child=S.CharField())
    latin = S.CharField(allow_blank=True)
    kind = S.CharField()
    restricted = S.BooleanField()
    public_act_on = S.DateField(allow_null=True)
    public_act = S.CharField(allow_blank=True)
    notes = S.CharField(allow_blank=True)
    created_at = S.CharField()


class AlertReviewOutSerializer(S.Serializer):
    status = S.CharField()
    note = S.CharField(allow_blank=True)
    by = S.CharField()
    at = S.CharField()


class AlertOutSerializer(S.Serializer):
    id = S.IntegerField()
    status = S.CharField()
    watchlist = S.CharField()
    watchlist_id = S.IntegerField()
    broadcast_id = S.IntegerField()
    outlet = S.CharField()
    title = S.CharField(allow_blank=True)
    aired_at = S.CharField(allow_null=True)
    track = S.CharField(allow_blank=True)
    model_id = S.CharField(allow_blank=True)
    segment_number = S.IntegerField(allow_null=True)
    segment_id = S.IntegerField(allow_null=True)
    start = S.FloatField()
    end = S.FloatField()
    text = S.CharField(allow_blank=True)
    note = S.CharField(allow_blank=True)
    reviewed_by = S.CharField(allow_null=True)
    reviewed_at = S.CharField(allow_null=True)
    reviews = AlertReviewOutSerializer(many=True)
    created_at = S.CharField()


class WatchlistOutSerializer(S.Serializer):
    id = S.IntegerField()
    name = S.CharField()
    query = S.CharField()
    owner = S.CharField(allow_null=True)
    active = S.BooleanField()
    created_at = S.CharField()
    new_alerts = S.IntegerField()


class TagOutSerializer(S.Serializer):
    tag = S.CharField()
    vocabulary = S.BooleanField()
    label_ar = S.CharField(allow_blank=True)
    label_en = S.CharField(allow_blank=True)
    uses = S.IntegerField()


class TagChangeOutSerializer(S.Serializer):
    tag = S.CharField()
    changed = S.BooleanField(help_text="false: it was already there (add) or absent (remove)")
    index_error = S.CharField(allow_blank=True)
    tags = TaggingSerializer(many=True)


# -- requests --------------------------------------------------------------------------

class OnAirSerializer(StrictSerializer):
    person = _text(200, help_text="a known person's name, variant or #ID")
    role = StrictChoice(choices=IncidentPerson.Role.choices, default=IncidentPerson.Role.OTHER)
    relation = _text(100, required=False, default="", allow_blank=True)
    targeted = _text(200, required=False, default="", allow_blank=True)


class ProposeSerializer(StrictSerializer):
    broadcast_id = StrictInteger(min_value=1, max_value=2**63 - 1)
    start = StrictFloat(min_value=0, max_value=10**7)
    end = StrictFloat(min_value=0, max_value=10**7)
    title = _text(300)
    persons = OnAirSerializer(many=True, required=False, default=list, max_length=20)
    signs = S.ListField(child=_text(64), required=False, default=list, max_length=50)
    confidence = StrictChoice(choices=Incident.Confidence.choices, required=False)
    notes = _text(20000, required=False, default="", allow_blank=True)
    restricted = StrictBoolean(required=False, default=False)
    send_for_review = StrictBoolean(
        required=False, default=False,
        help_text="propose and send for review in one step (review.workflow.propose_for_review)")


class VersionedSerializer(StrictSerializer):
    version = StrictInteger(min_value=1, max_value=2**31 - 1,
                             help_text="the incident's version you read; a stale one is a 409")


class EditSerializer(VersionedSerializer):
    title = _text(300, required=False)
    notes = _text(20000, required=False, allow_blank=True)
    programme = _text(300, required=False, allow_blank=True)
    first_aired = StrictDate(required=False, allow_null=True)
    confidence = StrictChoice(choices=Incident.Confidence.choices, required=False)
    signs = S.ListField(child=_text(64), required=False, max_length=50)


class ClipSerializer(VersionedSerializer):
    broadcast_id = StrictInteger(min_value=1, max_value=2**63 - 1)
    start = StrictFloat(min_value=0, max_value=10**7)
    end = StrictFloat(min_value=0, max_value=10**7)
    note = _text(2000, required=False, default="", allow_blank=True)


class AddPersonSerializer(VersionedSerializer, OnAirSerializer):
    pass


class AssessSerializer(VersionedSerializer):
    confidence = StrictChoice(choices=Incident.Confidence.choices)
    signs = S.ListField(child=_text(64), required=False, default=list, max_length=50)
    note = _text(5000, required=False, default="", allow_blank=True)


class StatusSerializer(VersionedSerializer):
    status = StrictChoice(choices=Incident.Status.choices)
    reason = _text(5000, required=False, default="", allow_blank=True)
    confidence = StrictChoice(choices=Incident.Confidence.choices, required=False,
                               help_text="confirming without an earlier assessment: yours")
    signs = S.ListField(child=_text(64), required=False, max_length=50)


class AssignSerializer(StrictSerializer):
    reviewer = _text(150, help_text="the reviewer's user name")


class PersonInSerializer(StrictSerializer):
    name = _text(NAME)
    variants = S.ListField(child=_text(NAME), required=False, default=list, max_length=20)
    latin = _text(NAME, required=False, default="", allow_blank=True)
    kind = StrictChoice(choices=Person.Kind.choices, default=Person.Kind.OTHER)
    restricted = StrictBoolean(required=False, default=False)
    notes = _text(5000, required=False, default="", allow_blank=True)
    public_act_on = StrictDate(required=False, allow_null=True, default=None)
    public_act = _text(300, required=False, default="", allow_blank=True)


class AlertReviewSerializer(StrictSerializer):
    status = StrictChoice(choices=[("confirmed", "confirmed"), ("dismissed", "dismissed")])
    note = _text(4000, required=False, default="", allow_blank=True)


class WatchlistInSerializer(StrictSerializer):
    name = _text(200)
    query = _text(500)


class WatchlistActiveSerializer(StrictSerializer):
    active = StrictBoolean()


class TagInSerializer(StrictSerializer):
    tag = _text(64)
    action = StrictChoice(choices=[("add", "add"), ("remove", "remove")], default="add")
    segment = StrictInteger(min_value=0, max_value=10**8, required=False, allow_null=True)
    to_segment = StrictInteger(min_value=0, max_value=10**8, required=False, allow_null=True)
    start = StrictFloat(min_value=0, max_value=10**7, required=False, allow_null=True)
    end = StrictFloat(min_value=0, max_value=10**7, required=False, allow_null=True)
    note = _text(4000, required=False, default="", allow_blank=True)


def paged(item: type[S.Serializer]) -> S.Serializer:
    """A cursor page of ``item`` (``api.pagination``): ``next``, ``previous``, ``results``."""
    from drf_spectacular.utils import inline_serializer

    name = item.__name__.removesuffix("Serializer")
    return inline_serializer(name=f"Paged{name}", fields={
        "next": S.URLField(allow_null=True), "previous": S.URLField(allow_null=True),
        "results": item(many=True)})
