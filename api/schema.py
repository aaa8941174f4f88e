"""The OpenAPI document: drf-spectacular's, with what the API promises made explicit.

``postprocess`` (a ``POSTPROCESSING_HOOKS`` entry) marks every request body and every
object schema of a request ``additionalProperties: false`` (the API refuses unknown fields,
``api.serializers.StrictSerializer``), gives every operation the problem-details answers it
can give (400, 401, 403, 404, 405, 429, 500 as ``application/problem+json``), and names the
bearer token as the only security scheme. ``generate()`` is what the drift test and
``scripts/openapi.py`` compare with ``docs/openapi.json``. To add a common answer: add it in
``COMMON``.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.views import SpectacularAPIView

from api.permissions import PUBLIC

PROBLEM = {"$ref": "#/components/schemas/Problem"}
BINARY_OPERATIONS = ("broadcasts_media",)  # evidence files: whatever type was captured
CSV_OPERATIONS = ("incidents_export",)  # format=csv: review.incident_json.export_csv
ZIP_OPERATIONS = ("incidents_evidence",)  # the evidence package: a zipped BagIt bag
ATTACHMENT = {"Content-Disposition": {
    "description": 'attachment; filename="incident-N-PROFILE.zip"',
    "schema": {"type": "string"}}}
COMMON = {"400": "Bad request (problem details)", "401": "No valid token",
          "403": "Role or token scope too low, or a rule refused it",
          "404": "No such resource, or not open to the caller", "405": "Method not allowed",
          "429": "Rate limit reached (see Retry-After)", "500": "Server error"}
PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "errors": {"type": "array", "items": {
                       "type": "object", "properties": {"field": {"type": "string"},
                                                        "message": {"type": "string"}}}}}}


def _close(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> None:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            _close(components[name], components, seen)
        return
    if schema.get("type") == "object" and "properties" in schema:
        schema["additionalProperties"] = False
    for key in ("properties",):
        for sub in schema.get(key, {}).values():
            _close(sub, components, seen)
    for key in ("items",):
        if isinstance(schema.get(key), dict):
            _close(schema[key], components, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            _close(sub, components, seen)


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool
                ) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    closed: set[str] = set()
    for _path, item in result.get("paths", {}).items():
        for _method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                _close(media.get("schema", {}), components, closed)
            answers = operation.setdefault("responses", {})
            for code, text in COMMON.items():
                if code == "401" and operation.get("security") == [{}]:
                    continue
                answers.setdefault(code, {"description": text})
                answers[code].setdefault("content", {})
                answers[code]["content"] = {"application/problem+json": {"schema": PROBLEM}}
            if operation.get("operationId") in BINARY_OPERATIONS:
                for code in ("200", "206"):
                    answers[code]["content"] = {"*/*": {"schema": {
                        "type": "string", "format": "binary"}}}
            if operation.get("operationId") in ZIP_OPERATIONS:
                answers["200"]["content"] = {"application/zip": {"schema": {
                    "type": "string", "format": "binary"}}}
                answers["200"]["headers"] = ATTACHMENT
            if operation.get("operationId") in CSV_OPERATIONS:
                answers["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
            for code, answer in answers.items():
                content = answer.get("content", {})
                if code[0] in "45":
                    content.pop("application/json", None)
                    answer["content"] = {"application/problem+json": {"schema": PROBLEM}}
    return result


def generate() -> dict[str, Any]:
    """The document the code describes now, as JSON-ready data."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    return json.loads(json.dumps(generator.get_schema(request=None, public=True),
                                 default=str))


def render(document: dict[str, Any]) -> str:
    """The committed form: sorted keys, two-space indent, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class BearerScheme(OpenApiAuthenticationExtension):
    """The bearer token as the document's one security scheme."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(header_name="Authorization",
                                                     token_prefix="Bearer")
        scheme["description"] = "A personal access token (docs/api.md)"
        return scheme


class SchemaView(SpectacularAPIView):
    """``GET /api/v1/schema/``: the OpenAPI document (JSON), open without a token."""

    access = PUBLIC
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []
