"""The API's doors (issue 24): who gets in, how refusals read, and what every answer keeps.

Attacker's tests first: a missing, malformed, wrong, expired or revoked token is the same
401 with nothing revealed; a token in the URL is a 400 before it is even tried; a browser
session is not a credential here; a scope or a role too low is a 403; too many requests are
a 429 with Retry-After; unknown fields and parameters, oversized pages and bad cursors are
400s; every error, even a 404 for an unknown path, a 405 or a body too large, is
``application/problem+json``. Every answer is checked against docs/openapi.json.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from api_helpers import PROBLEM, ApiClient, token_for
from django.test import Client
from django.utils import timezone

from accounts.models import AccessToken
from accounts.tokens import revoke
from tests.review_ui.ui_helpers import login_client, make_broadcast, make_user

pytestmark = pytest.mark.django_db


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)
    body = json.loads(response.content)
    assert body["status"] == status and body["type"] and body["title"]
    return body


def test_every_bad_token_is_the_same_401_and_reveals_nothing() -> None:
    viewer = make_user("vera", "viewer")
    raw = token_for(viewer)
    expired_raw = token_for(viewer, name="old")
    AccessToken.objects.filter(name="old").update(expires_at=timezone.now() - dt.timedelta(1))
    revoked_raw = token_for(viewer, name="gone")
    revoke(AccessToken.objects.get(name="gone"), by=viewer)
    key_id = raw.split("_")[1]
    bodies = set()
    for header in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Token {raw}"},
                   {"Authorization": "Bearer raqib_000000000000_" + "x" * 43},
                   {"Authorization": f"Bearer raqib_{key_id}_" + "y" * 43},
                   {"Authorization": f"Bearer {expired_raw}"},
                   {"Authorization": f"Bearer {revoked_raw}"},
                   {"Authorization": f"Bearer {raw} extra"}):
        response = ApiClient().get("broadcasts/", headers=header)
        body = _problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        bodies.add(json.dumps(body, sort_keys=True))
    assert len(bodies) == 1, bodies  # the same words whatever was wrong
    assert ApiClient(raw).get("broadcasts/").status_code == 200


def test_a_token_in_the_query_string_is_refused_before_it_is_tried() -> None:
    raw = token_for(make_user("vera", "viewer"))
    for query in ({"access_token": raw}, {"token": "x"}, {"api_key": raw}, {"q": raw}):
        _problem(ApiClient().get("broadcasts/", **query), 400)
        _problem(ApiClient(raw).get("broadcasts/", **query), 400)
    assert AccessToken.objects.get().last_used_at is None  # never tried


def test_a_browser_session_is_no_credential_and_csrf_cannot_reach_a_write() -> None:
    lead = make_user("lina", "lead")
    browser = login_client(Client(enforce_csrf_checks=True), lead)
    api = ApiClient(client=browser)
    _problem(api.get("broadcasts/"), 401)
    _problem(api.post("watchlists/", {"name": "w", "query": "دمشق"}), 401)
    from catalog.models import Watchlist

    assert not Watchlist.objects.exists()


def test_scope_and_role_too_low_are_403() -> None:
    reviewer = make_user("rami", "reviewer")
    read_only = ApiClient(token_for(reviewer, ["read"]))
    _problem(read_only.post("watchlists/", {"name": "w", "query": "دمشق"}), 403)
    viewer = ApiClient(token_for(make_user("vera", "viewer"), ["read"]))
    _problem(viewer.get("incidents/"), 403)
    # a role lowered after the token was issued lowers the token at once
    writer = token_for(reviewer, ["read", "review"], name="w")
    from accounts.roles import set_role

    set_role(reviewer, "viewer")
    _problem(ApiClient(writer).post("watchlists/", {"name": "w", "query": "دمشق"}), 403)


def test_rate_limit_answers_429_with_retry_after(settings) -> None:
    settings.API_RATE_LIMIT = "3/min"
    raw = token_for(make_user("vera", "viewer"))
    api = ApiClient(raw)
    for _ in range(3):
        assert api.get("tags/").status_code == 200
    response = api.get("tags/")
    _problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # another token of another person is counted apart
    assert ApiClient(token_for(make_user("rana", "viewer"))).get("tags/").status_code == 200


def test_unknown_fields_params_oversized_pages_and_bad_cursors_are_400() -> None:
    api = ApiClient(token_for(make_user("rami", "reviewer"), ["read", "review"]))
    body = _problem(api.post("watchlists/", {"name": "w", "query": "دمشق", "owner": "x"}), 400)
    assert body["errors"] == [{"field": "owner", "message": "unknown field"}]
    _problem(api.post("watchlists/", [1, 2]), 400)
    _problem(api.post("watchlists/", raw=b"{not json"), 400)
    _problem(api.post("watchlists/", {"name": 5, "query": "دمشق"}), 400)  # no coercion
    _problem(api.post("watchlists/", {"name": "w", "query": "دمشق"},
                      content_type="application/x-www-form-urlencoded", check=False), 415)
    _problem(api.get("broadcasts/", colour="red"), 400)
    _problem(api.get("broadcasts/", page_size="201"), 400)
    _problem(api.get("broadcasts/", page_size="0"), 400)
    _problem(api.get("broadcasts/", cursor="garbage"), 400)
    _problem(api.get("search/", q="دمشق", cursor="garbage"), 400)
    _problem(api.get("search/", q="دمشق", page_size="101"), 400)
    _problem(api.get("/api/v1/broadcasts/?status=a&status=b"), 400)


def test_every_error_is_problem_details() -> None:
    api = ApiClient(token_for(make_user("rami", "reviewer"), ["read", "review"]))
    _problem(api.get("/api/v1/no-such-thing/"), 404)
    _problem(api.get("broadcasts/999999/"), 404)
    _problem(api.get("incidents/123/"), 404)
    response = api.request("DELETE", "broadcasts/")
    _problem(response, 405)
    assert "GET" in response["Allow"]
    big = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    _problem(api.post("watchlists/", raw=big, check=False), 413)
    _problem(ApiClient().get("/api/v1/" + "x" * 20 + "?" + "a=1&" * 3000, check=False), 400)


def test_a_server_error_is_a_problem_that_says_nothing_of_its_cause(monkeypatch) -> None:
    from review import tagging

    def broken() -> list:
        raise RuntimeError("secret path /srv/raqib/data")

    monkeypatch.setattr(tagging, "vocabulary", broken)
    api = ApiClient(token_for(make_user("vera", "viewer")))
    body = _problem(api.get("tags/"), 500)
    assert "secret" not in json.dumps(body)


def test_the_contract_is_served_without_a_token() -> None:
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/incidents/{incident_id}/status/" in document["paths"]


def test_media_honours_range() -> None:
    from tests.review_ui.ui_helpers import write_media

    payload = bytes(range(256)) * 4
    broadcast = make_broadcast(media=write_media("media/ab/t.mp4", payload))
    api = ApiClient(token_for(make_user("vera", "viewer")))
    detail = json.loads(api.get(f"broadcasts/{broadcast.pk}/").content)
    whole = api.get(detail["media"]["url"])
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == payload
    part = api.get(detail["media"]["url"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == payload[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(payload)}"
    bad = api.get(detail["media"]["url"], headers={"Range": "bytes=5000-"})
    _problem(bad, 416)
    assert bad["Content-Range"] == f"bytes */{len(payload)}"


def test_a_rate_limit_drf_cannot_read_is_a_configuration_error() -> None:
    from raqib.config import ConfigError, load_config

    assert load_config(None, environ={"RAQIB_API_RATE_LIMIT": "30/hour"}).get(
        "api.rate_limit") == "30/hour"
    for bad in ("abc", "0/min", "10/fortnight", "-5/min"):
        with pytest.raises(ConfigError, match="api.rate_limit"):
            load_config(None, environ={"RAQIB_API_RATE_LIMIT": bad})


def test_ids_no_database_holds_are_404_not_500() -> None:
    api = ApiClient(token_for(make_user("rami", "reviewer"), ["read", "review"]))
    huge = "9" * 30
    for path in (f"broadcasts/{huge}/", f"broadcasts/{huge}/segments/",
                 f"broadcasts/{huge}/media/", f"incidents/{huge}/", f"persons/{huge}/",
                 f"alerts/{huge}/", "broadcasts/0/"):
        _problem(api.get(path), 404)
    _problem(api.post(f"watchlists/{huge}/active/", {"active": True}), 404)
    _problem(api.get("broadcasts/", status="nonsense"), 400)
    _problem(api.get("incidents/", outlet=huge), 400)
