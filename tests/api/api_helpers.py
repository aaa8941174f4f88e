"""Helpers for the API tests: tokens for users of each role, a client that sends the
token and checks EVERY answer against the committed contract (``docs/openapi.json``), as
Zulip checks each test response against ``zerver/openapi/zulip.yaml``.

- ``token_for(user, scopes)``: a real personal access token (``accounts.tokens.issue``).
- ``ApiClient(token)``: ``get/post/patch/delete(path, json=..., headers=...)`` on Django's
  test client; each answer is validated (``check_against_contract``): its status must be
  documented for the operation, its content type documented, and a JSON body must match
  the documented schema (jsonschema, Draft 2020-12, on OpenAPI 3.1). An undocumented path
  (not under ``/api/v1/``'s templates) must be a problem-details 404/405.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "openapi.json"
PROBLEM = "application/problem+json"


@cache
def contract() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in contract()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", r"[^/]+", re.escape(template).replace(r"\{", "{")
                         .replace(r"\}", "}"))
        out.append((re.compile(f"^{pattern}$"), template))
    return out


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template in _templates():
        if pattern.match(path):
            operation = contract()["paths"][template].get(method.lower())
            return (template, operation) if operation else (template, {})
    return None


def validate_body(schema: dict[str, Any], body: Any) -> None:
    wrapped = {"allOf": [schema], "components": contract()["components"]}
    errors = sorted(Draft202012Validator(wrapped).iter_errors(body), key=lambda e: e.path)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def check_against_contract(method: str, path: str, response: Any) -> None:
    status = str(response.status_code)
    ctype = response.get("Content-Type", "").split(";")[0].strip()
    if path == "/api/v1/schema/":  # the contract itself (not described in itself)
        return
    found = operation_for(method, path)
    if found is None or not found[1]:
        assert status in ("404", "405"), (method, path, status)
        assert ctype == PROBLEM, (method, path, ctype)
        return
    template, operation = found
    answers = operation["responses"]
    assert status in answers, f"{method} {template}: {status} is not documented"
    content = answers[status].get("content", {})
    if not content:
        return
    assert ctype in content or "*/*" in content, (
        f"{method} {template} {status}: {ctype} is not documented")
    if ctype in ("application/json", PROBLEM):
        validate_body(content[ctype].get("schema", {}), json.loads(response.content))


def token_for(user: Any, scopes: tuple[str, ...] | list[str] = ("read",), *,
              name: str = "test") -> str:
    from accounts.tokens import issue

    return issue(user, name=name, scopes=list(scopes), by=user)[1]


class ApiClient:
    """Django's test client speaking to ``/api/v1/`` with a bearer token; every answer is
    checked against the contract."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.token = token
        self.client = client or Client()

    def request(self, method: str, path: str, json_body: Any = None, *,
                headers: dict[str, str] | None = None, raw: bytes | None = None,
                content_type: str = "application/json", check: bool = True,
                **query: Any) -> Any:
        if path.startswith("http"):  # a next/previous link: keep its path and query
            parts = urlsplit(path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        url = path if path.startswith("/") else f"/api/v1/{path}"
        extra = dict(headers or {})
        if self.token and "Authorization" not in extra:
            extra["Authorization"] = f"Bearer {self.token}"
        kwargs: dict[str, Any] = {"headers": extra}
        if method in ("POST", "PATCH", "PUT", "DELETE"):
            data = raw if raw is not None else (json.dumps(json_body) if json_body is not None
                                                else b"")
            kwargs.update(data=data, content_type=content_type)
        elif query:
            kwargs["data"] = query
        response = getattr(self.client, method.lower())(url, **kwargs)
        if check:
            check_against_contract(method, url.split("?")[0], response)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)
