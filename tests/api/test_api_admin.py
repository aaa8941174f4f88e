"""What the ``admin`` scope guards, and each person's own tokens (issue 24): the user list
and the webhook deliveries for an admin whose token holds the admin scope; a person's
tokens listed without a secret or a digest; a token revoked by its owner with a token of
any scope, someone else's only by an admin with the admin scope (audited). The attacker's
cases first in each test. Every answer is checked against docs/openapi.json.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from api_helpers import ApiClient, token_for

from accounts.models import AccessToken
from catalog.models import CustodyEvent
from tests.review_ui.ui_helpers import make_user

pytestmark = pytest.mark.django_db


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def _row(raw: str) -> AccessToken:
    return AccessToken.objects.get(key_id=raw.split("_")[1])


@pytest.fixture
def people(settings) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    return {"vera": make_user("vera", "viewer"), "rami": make_user("rami", "reviewer"),
            "lina": make_user("lina", "lead"), "omar": make_user("omar", "admin"),
            "new": make_user("new", "reviewer", second_factor=False)}


def test_the_user_list_needs_an_admin_with_the_admin_scope(people: dict) -> None:
    for who, scopes in (("vera", ["read"]), ("lina", ["read", "review"]),
                        ("omar", ["read", "review"])):
        refused = ApiClient(token_for(people[who], scopes)).get("users/")
        assert refused.status_code == 403, (who, scopes)
    admin = ApiClient(token_for(people["omar"], ["admin"]))
    first = _json(admin.get("users/", page_size="3"))
    rest = _json(admin.get(first["next"]))
    rows = {row["name"]: row for row in first["results"] + rest["results"]}
    assert set(rows) == set(people) and rest["next"] is None
    assert [r["name"] for r in first["results"]] == ["new", "omar", "lina"]  # newest first
    assert rows["rami"]["role"] == "reviewer" and rows["omar"]["role"] == "admin"
    assert rows["new"]["second_factor"] is False and rows["rami"]["second_factor"] is True
    assert rows["vera"]["active"] is True and rows["vera"]["last_login"] is None
    assert set(rows["vera"]) == {"name", "role", "active", "second_factor", "last_login",
                                 "created"}
    people["vera"].is_active = False
    people["vera"].save()
    assert _json(admin.get("users/"))["results"][-1] | {"created": None} == {
        "name": "vera", "role": None, "active": False, "second_factor": True,
        "last_login": None, "created": None}


def test_a_person_lists_their_own_tokens_and_never_a_secret(people: dict) -> None:
    raw_read = token_for(people["rami"], ["read"], name="sync")
    token_for(people["rami"], ["read", "review"], name="importer")
    lina_raw = token_for(people["lina"], ["read"], name="lina's")
    rami = ApiClient(raw_read)
    assert rami.get("tokens/", user="lina").status_code == 403  # not theirs to see
    assert ApiClient(token_for(people["omar"], ["read", "review"])).get(
        "tokens/", user="rami").status_code == 403  # an admin, without the admin scope
    response = rami.get("tokens/")
    page = _json(response)
    assert [t["name"] for t in page["results"]] == ["importer", "sync"]
    assert {t["user"] for t in page["results"]} == {"rami"}
    assert page["results"][1]["scopes"] == ["read"] and page["results"][1]["state"] == "live"
    body = response.content.decode()
    for token in AccessToken.objects.filter(user=people["rami"]):
        assert token.digest not in body
    assert raw_read.split("_")[2] not in body and "digest" not in body
    assert _json(rami.get("tokens/", user="rami")) == page
    admin = ApiClient(token_for(people["omar"], ["read", "admin"]))  # scopes do not nest
    assert [t["name"] for t in _json(admin.get("tokens/", user="lina"))["results"]] == [
        "lina's"]
    assert lina_raw.split("_")[2] not in admin.get("tokens/", user="lina").content.decode()
    assert admin.get("tokens/", user="nobody").status_code == 404


def test_revoking_a_token_its_owner_or_an_admin_with_the_admin_scope(people: dict) -> None:
    rami_raw = token_for(people["rami"], ["review"], name="importer")
    lina_raw = token_for(people["lina"], ["read"])
    lina_row = _row(lina_raw)
    rami = ApiClient(token_for(people["rami"], ["read"]))
    # someone else's token: a 404 to a non-admin, like a missing one; nothing changes
    assert rami.delete(f"tokens/{lina_row.pk}/").status_code == 404
    assert rami.delete("tokens/999999/").status_code == 404
    omar_no_admin = ApiClient(token_for(people["omar"], ["read", "review"]))
    assert omar_no_admin.delete(f"tokens/{lina_row.pk}/").status_code == 403
    lina_row.refresh_from_db()
    assert lina_row.revoked_at is None
    assert ApiClient(lina_raw).get("tokens/").status_code == 200
    assert not CustodyEvent.objects.filter(action="token-revoked").exists()

    # the owner, with a read-only token, revokes their own review token
    mine = _json(rami.delete(f"tokens/{_row(rami_raw).pk}/"))
    assert mine["state"] == "revoked" and mine["name"] == "importer"
    assert ApiClient(rami_raw).get("tokens/").status_code == 401
    assert _json(rami.delete(f"tokens/{_row(rami_raw).pk}/"))["state"] == "revoked"
    # an admin with the admin scope revokes another person's token
    admin = ApiClient(token_for(people["omar"], ["admin"]))
    assert _json(admin.delete(f"tokens/{lina_row.pk}/"))["state"] == "revoked"
    assert ApiClient(lina_raw).get("tokens/").status_code == 401
    events = [(e.actor, e.details["user"], e.details["key_id"]) for e in
              CustodyEvent.objects.filter(action="token-revoked").order_by("seq")]
    assert events == [("rami", "rami", _row(rami_raw).key_id),
                      ("omar", "lina", lina_row.key_id)]
    # a token revokes itself; then it is worth nothing
    own = token_for(people["vera"], ["read"])
    assert _json(ApiClient(own).delete(f"tokens/{_row(own).pk}/"))["state"] == "revoked"
    assert ApiClient(own).get("tokens/").status_code == 401


def test_webhook_deliveries_are_an_admin_scope_read(people: dict) -> None:
    from review.models import WebhookAttempt, WebhookDelivery

    delivered = WebhookDelivery.objects.create(
        delivery_id=uuid.uuid4(), event_id=uuid.uuid4(), event="incident.confirmed",
        webhook="partner", body='{"secret": "not shown"}', status="delivered")
    WebhookAttempt.objects.create(delivery=delivered, number=1, status_code=200, ok=True,
                                  duration_ms=12.5)
    WebhookDelivery.objects.create(delivery_id=uuid.uuid4(), event_id=uuid.uuid4(),
                                   event="alert.created", webhook="other", body="{}")
    for who, scopes in (("lina", ["read", "review"]), ("omar", ["read", "review"])):
        assert ApiClient(token_for(people[who], scopes)).get(
            "webhooks/deliveries/").status_code == 403
    admin = ApiClient(token_for(people["omar"], ["admin"]))
    rows = _json(admin.get("webhooks/deliveries/"))["results"]
    assert [r["webhook"] for r in rows] == ["other", "partner"]
    assert rows[1]["attempt_log"][0]["status_code"] == 200 and "body" not in rows[1]
    only = _json(admin.get("webhooks/deliveries/", status="delivered", webhook="partner"))
    assert [r["id"] for r in only["results"]] == [delivered.pk]
    assert admin.get("webhooks/deliveries/", status="lost").status_code == 400
