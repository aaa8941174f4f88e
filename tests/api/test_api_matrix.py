"""The API's authorization matrix (issue 24): every API route × every role × every token
scope, read from the URL resolver, so a new route cannot be missed.

Each view under ``api:`` must declare ``access`` (``api.permissions``): a role and a scope
per method, or ``PUBLIC``. Then every declared method of every route is requested, and one
method it does not take, as: no token; a token whose owner lost their role; and a token of
each role with each scope that role may hold. Expected:

- an undeclared method: 405, whoever asks (before any credential is looked at);
- no token, or a token of a person without a role: 401;
- a role below the declared one, or a token without the declared scope: 403 (a method
  declaring ``ANY_SCOPE`` takes a token of any scope);
- otherwise: neither 401 nor 403 (a route in ``OBJECT_LEVEL`` may still answer 403 for
  the sample object) and never a 5xx.

Every answer is checked against docs/openapi.json as well (``api_helpers.ApiClient``). To add
a route: nothing, if its path arguments are in ``SAMPLES``; else a factory there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_helpers import ApiClient, token_for
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import RANK, ROLES, set_role
from accounts.tokens import SCOPES, allowed_scopes
from api.permissions import ANY_SCOPE, PUBLIC
from tests.review_ui.ui_helpers import make_broadcast, make_user

METHODS = ("GET", "POST", "PATCH", "DELETE")
# the owner or a lead only (watchlists); another person's token: an admin with the admin scope
OBJECT_LEVEL = {"watchlist_active", "token_revoke"}


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns,
                             f"{pattern.namespace}:" if pattern.namespace else prefix)
        else:
            yield f"{prefix}{pattern.name}", pattern


ROUTES = {name: p for name, p in _walk(get_resolver().url_patterns)
          if name.startswith("api:")}


def access_of(pattern: URLPattern) -> Any:
    return getattr(getattr(pattern.callback, "view_class", None), "access", None)


def test_the_api_has_routes_and_every_route_declares_its_access() -> None:
    assert len(ROUTES) >= 20
    for name, pattern in ROUTES.items():
        access = access_of(pattern)
        assert access == PUBLIC or (isinstance(access, dict) and access), (
            f"{name} declares no access (api.permissions)")
        if isinstance(access, dict):
            for method, (role, scope) in access.items():
                assert method in METHODS and role in RANK and (
                    scope in SCOPES or scope == ANY_SCOPE), (name, method)


def test_an_undeclared_route_would_be_caught() -> None:
    from django.urls import path
    from rest_framework.views import APIView

    class Bare(APIView):
        def get(self, request: Any) -> None: ...

    assert access_of(path("x/", Bare.as_view(), name="x")) is None


def _identities() -> list[tuple[str, str | None, str | None]]:
    out: list[tuple[str, str | None, str | None]] = [("anonymous", None, None),
                                                     ("role-removed", None, None)]
    for role in ROLES:
        for scope in SCOPES:
            if scope in {"viewer": {"read"}, "reviewer": {"read", "review"},
                         "lead": {"read", "review"}, "admin": set(SCOPES)}[role]:
                out.append((f"{role}/{scope}", role, scope))
    return out


SAMPLES: dict[str, Callable[[dict], Any]] = {
    "broadcast_id": lambda w: w["broadcast"].pk,
    "incident_id": lambda w: w["incident"].pk,
    "person_id": lambda w: w["person"].pk,
    "alert_id": lambda w: w["alert"].pk,
    "watchlist_id": lambda w: w["watchlist"].pk,
    "token_id": lambda w: w["spare_token"].pk,  # someone else's: an admin's to revoke
}


@pytest.fixture
def world(db, settings) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    from accounts.models import AccessToken
    from catalog.models import Alert, Watchlist
    from review import incidents as inc
    from review.persons import add_person

    broadcast = make_broadcast()
    tokens: dict[str, str | None] = {"anonymous": None}
    users = {}
    for name, role, scope in _identities()[2:]:
        user = users.get(role) or make_user(f"m-{role}", role)
        users[role] = user
        assert scope in allowed_scopes(user)
        tokens[name] = token_for(user, [scope], name=scope)
    gone = make_user("m-gone", "reviewer")
    tokens["role-removed"] = token_for(gone, ["read"])
    gone.groups.clear()
    spare = make_user("m-spare", "reviewer")
    spare_token = AccessToken.objects.get(key_id=token_for(spare, ["read"]).split("_")[1])
    watchlist = Watchlist.objects.create(name="w", query="دمشق", owner=users["lead"])
    segment = broadcast.transcripts.get().segments.get(number=1)
    alert = Alert.objects.create(watchlist=watchlist, broadcast=broadcast, segment=segment,
                                 track="asr", model_id="base", segment_number=1,
                                 start=segment.start, end=segment.end, text=segment.text)
    incident = inc.propose(users["reviewer"], broadcast_id=broadcast.pk, start=0, end=4,
                           title="حادثة")
    return {"broadcast": broadcast, "tokens": tokens, "watchlist": watchlist, "alert": alert,
            "incident": incident, "person": add_person("أماني"), "spare_token": spare_token}


def _url(name: str, pattern: URLPattern, world: dict) -> str:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key not in SAMPLES:
            pytest.fail(f"{name} takes {key!r}: add a factory to SAMPLES in {__file__}")
        kwargs[key] = SAMPLES[key](world)
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_matrix(world: dict, name: str) -> None:
    pattern = ROUTES[name]
    access = access_of(pattern)
    url = _url(name, pattern, world)
    declared = {} if access == PUBLIC else access
    methods = list(declared) or ["GET"]
    undeclared = next(m for m in ("PATCH", "POST", "GET") if m not in methods)
    problems = []
    for identity, role, scope in _identities():
        client = ApiClient(world["tokens"][identity])
        for method in [*methods, undeclared]:
            response = client.request(method, url, {} if method != "GET" else None)
            code = response.status_code
            if method == undeclared:
                ok = code == 405
            elif access == PUBLIC:
                ok = code < 400
            elif role is None:
                ok = code == 401
            elif RANK[role] < RANK[declared[method][0]] or declared[method][1] not in (
                    scope, ANY_SCOPE):
                ok = code == 403  # each token holds one scope: only the declared one passes
            else:
                ok = code < 500 and code != 401 and (
                    code != 403 or name.split(":")[-1] in OBJECT_LEVEL)
            if not ok:
                problems.append(f"{method} {url} as {identity}: {code}")
    assert not problems, f"{name} {access}:\n" + "\n".join(problems)


def test_every_scope_and_role_is_exercised() -> None:
    names = {identity for identity, _, _ in _identities()}
    assert {f"{role}/read" for role in ROLES} <= names
    assert {"admin/admin", "lead/review", "reviewer/review"} <= names
    assert set_role  # roles are real groups (accounts.roles), set by make_user
