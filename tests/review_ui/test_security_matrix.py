"""The authorization matrix (issues 14 and 23): every URL pattern × every role × anonymous.

Each pattern's view must declare who may open it (``review_ui.access``: ``role_required``,
``signed_in_view`` or ``public_view``); one without a declaration fails here. Then each
pattern is requested, GET and POST, as anonymous, a signed-in user without a role, each
role, a user of each role who typed their password but not their second factor, and a
lead who has no second factor yet (no invite used):

- anonymous: the login page, unless the view is public;
- below the declared role (or no role): 403 (405 where the method is not the view's);
- at or above it: never 403 and never the login page (a view in ``OBJECT_LEVEL`` may
  still answer 403 for an object the user may not touch);
- any role without the second factor: the second-factor step (the code, or the invite
  page for one with no factor), on every page but those of that step (``FACTOR_STEP``).

To add a URL: nothing, if its keyword arguments are already in ``SAMPLE_KWARGS``; else add
``name: factory`` there (the factory gets the ``world`` dict and returns a value, e.g. a
primary key). A URL whose kwargs have no factory fails with a message saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from ui_helpers import PASSWORD, login_client, make_broadcast, make_user

from accounts.roles import ROLES

DECLARATIONS = (*ROLES, "signed-in", "public")
RANK = {name: rank for rank, name in enumerate(ROLES)}
NO_2FA = tuple(f"{role}-no-2fa" for role in ROLES)
IDENTITIES = ("anonymous", "norole", *ROLES, *NO_2FA, "lead-no-factor")
# The pages a user who has not passed the second factor may reach: the step itself.
FACTOR_STEP = {"review_ui:login", "review_ui:logout", "review_ui:login_2fa", "review_ui:enrol",
               "review_ui:totp_setup"}
# Views that check the object too (owner, assignment, restriction): a permitted role may
# still get 403 for the sample object.
OBJECT_LEVEL = {"watchlist_active", "incident_review", "incident_edit", "incident_assess",
                "incident_add_clip", "incident_add_person", "incident_assign",
                "source_edit",  # a raqib.toml source is read-only: 403 on POST
                "source_test_saved",  # ... and is tried with raqib sources check
                "incident_add_airings", "reairing_review"}


def _world_broadcast(world: dict) -> int:
    return world["broadcast"].pk


def _alert(world: dict) -> int:
    from catalog.models import Alert, Watchlist

    watchlist = Watchlist.objects.create(name="w", query="أماني")
    segment = world["broadcast"].transcripts.get().segments.order_by("number").first()
    return Alert.objects.create(watchlist=watchlist, broadcast=world["broadcast"],
                                segment=segment, track="asr", model_id="base",
                                segment_number=segment.number, start=segment.start,
                                end=segment.end, text=segment.text).pk


def _watchlist(world: dict) -> int:
    from catalog.models import Watchlist

    return Watchlist.objects.create(name="w2", query="دمشق").pk


def _source(world: dict) -> int:
    return world["broadcast"].source_id


def _person(world: dict) -> int:
    from review.models import Person

    return Person.objects.create(name="أماني").pk


def _sign(world: dict) -> int:
    from review.models import CoercionSign

    return CoercionSign.objects.create(code="reading", label_ar="قراءة", label_en="reading").pk


def _incident(world: dict) -> int:
    from review.models import Incident

    proposer = world["users"]["reviewer"]
    return Incident.objects.create(title="حادثة", proposed_by=proposer,
                                   last_edited_by=proposer).pk


def _reairing(world: dict) -> int:
    from catalog.models import Broadcast
    from reairings.models import Reairing

    other = Broadcast.objects.create(source=world["broadcast"].source,
                                     outlet=world["broadcast"].outlet, external_id="re-aired",
                                     url="https://example.org/re-aired")
    return Reairing.objects.create(broadcast=world["broadcast"], other=other, start=0, end=12,
                                   other_start=5, other_end=17, score=0.5).pk


def _screen_name(world: dict) -> int:
    from reairings.models import ScreenName
    from review.models import Person

    person = Person.objects.create(name="أماني بلور")
    return ScreenName.objects.create(broadcast=world["broadcast"], person=person, start=3,
                                     end=6, text="أماني بلور - طبيبة").pk


def _correction(world: dict) -> int:
    from review import corrections

    author = make_user("m-corrector", "reviewer")  # not one of the identities: any
    segment = world["broadcast"].transcripts.get().segments.order_by("number").first()
    return corrections.correct(world["broadcast"], segment.number, segment.number,
                               "نص مصحح", by=author).pk


def _translation(world: dict) -> int:
    from catalog.models import Correction
    from review import corrections

    correction = Correction.objects.get(pk=_correction(world))
    return corrections.translate(correction, "corrected text", by=correction.author).pk


SAMPLE_KWARGS: dict[str, Callable[[dict], Any]] = {
    "chart": lambda world: "incidents_over_time",
    "broadcast_id": _world_broadcast,
    "alert_id": _alert,
    "watchlist_id": _watchlist,
    "source_id": _source,
    "person_id": _person,
    "sign_id": _sign,
    "incident_id": _incident,
    "link_id": _reairing,
    "name_id": _screen_name,
    "correction_id": _correction,
    "translation_id": _translation,
}


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{pattern.namespace}:" if pattern.namespace else prefix
            yield from _walk(pattern.url_patterns, ns)
        else:
            yield f"{prefix}{pattern.name}", pattern


PATTERNS = dict(_walk(get_resolver().url_patterns))


def undeclared(patterns: dict[str, URLPattern]) -> list[str]:
    return [name for name, p in patterns.items()
            if getattr(p.callback, "minimum_role", None) not in DECLARATIONS]


def test_an_undeclared_view_is_caught() -> None:
    from django.http import HttpResponse
    from django.urls import path

    from review_ui.access import role_required

    def bare(request: object) -> HttpResponse:
        return HttpResponse("open to all")

    fake = {"bare": path("bare/", bare, name="bare"),
            "fine": path("fine/", role_required("viewer")(bare), name="fine")}
    assert undeclared(fake) == ["bare"]


def test_every_pattern_is_named_and_declares_its_permission() -> None:
    missing = undeclared(PATTERNS)
    assert not missing, (
        f"these URLs declare no permission (use role_required / signed_in_view / "
        f"public_view from review_ui.access): {missing}")
    assert all(name and not name.endswith(":None") for name in PATTERNS)


@pytest.fixture
def world(db, settings) -> dict:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    users = {role: make_user(f"m-{role}", role) for role in ROLES}
    users["norole"] = make_user("m-norole", None)
    for role in ROLES:
        users[f"{role}-no-2fa"] = make_user(f"m-{role}2", role)
    users["lead-no-factor"] = make_user("m-lead3", "lead", second_factor=False)
    return {"users": users, "broadcast": make_broadcast()}


def _client(world: dict, identity: str) -> Client:
    client = Client()
    if identity == "anonymous":
        return client
    user = world["users"][identity]
    if identity.endswith(("-no-2fa", "-no-factor")):
        assert client.login(username=user.username, password=PASSWORD)
        return client
    return login_client(client, user)


def _url(name: str, pattern: URLPattern, world: dict) -> str:
    kwargs = {}
    for kwarg in pattern.pattern.converters:
        if kwarg not in SAMPLE_KWARGS:
            pytest.fail(f"URL {name} takes {kwarg!r}: add a factory for it to SAMPLE_KWARGS "
                        f"in {__file__}")
        kwargs[kwarg] = SAMPLE_KWARGS[kwarg](world)
    return reverse(name, kwargs=kwargs)


def _to_login(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/login/?")


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_matrix(world: dict, name: str) -> None:
    pattern = PATTERNS[name]
    declared = getattr(pattern.callback, "minimum_role", None)
    assert declared in DECLARATIONS, f"{name} declares no permission"
    url = _url(name, pattern, world)
    problems = []
    for identity in IDENTITIES:
        client = _client(world, identity)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            code = response.status_code
            where = f"{method.upper()} {url} as {identity}: {code}"
            if identity == "anonymous":
                if declared == "public":
                    ok = not _to_login(response) and code < 500
                else:
                    ok = _to_login(response) or code == 405
            elif identity.endswith(("-no-2fa", "-no-factor")) and name not in FACTOR_STEP:
                step = "/login/2fa/" if identity.endswith("-no-2fa") else "/account/2fa/enrol/"
                ok = code == 302 and response["Location"].startswith(step)
            elif declared in ("public", "signed-in") or identity.endswith(("-no-2fa",
                                                                            "-no-factor")):
                ok = code != 403 and not _to_login(response) and code < 500
            elif identity == "norole" or RANK[identity] < RANK[declared]:
                ok = code in (403, 405)
            else:
                ok = code < 500 and not _to_login(response) and (
                    code != 403 or name.split(":")[-1] in OBJECT_LEVEL)
            if not ok:
                problems.append(where)
    assert not problems, f"{name} (declared {declared}):\n" + "\n".join(problems)
