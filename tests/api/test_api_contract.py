"""The OpenAPI document is the contract (issue 24): docs/openapi.json is what the code
generates, and the served copy is the same document.

When this fails after a change to an API view or serializer: ``python scripts/openapi.py
--write``, read the diff (it is the change partners will see) and commit it.
"""

from __future__ import annotations

import json

import pytest
from api_helpers import CONTRACT, contract
from django.test import Client

from api.schema import generate, render

pytestmark = pytest.mark.django_db


def test_the_committed_contract_is_what_the_code_generates() -> None:
    generated = render(generate())
    committed = CONTRACT.read_text(encoding="utf-8")
    assert committed == generated, (
        "docs/openapi.json differs from the code: run `python scripts/openapi.py --write` "
        "and commit the result")


def test_the_served_contract_is_the_committed_one() -> None:
    served = json.loads(Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json").content)
    assert served == contract()


def test_every_request_body_refuses_unknown_fields_and_every_error_is_a_problem() -> None:
    document = contract()
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                name = media["schema"]["$ref"].rsplit("/", 1)[-1]
                assert schemas[name]["additionalProperties"] is False, (method, path)
            for code, answer in operation["responses"].items():
                if code[0] in "45":
                    assert list(answer["content"]) == ["application/problem+json"], (
                        method, path, code)
            assert operation["security"] == [{"bearer": []}], (method, path)
