"""The incident list (``/incidents/``): filters, facet counts equal to the lists their links
open, restricted incidents invisible to an unassigned reviewer (rows and counts), the blind
second review kept (no proposer signs for a lead who has not assessed), roles and bounded
parameters."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from incident_seed import seed
from ui_helpers import login_client

from review import incidents as inc
from review import workflow

pytestmark = pytest.mark.django_db

COUNT = re.compile(r'<p class="count">(\d+) ')
ROW = re.compile(r'<tr class="incident status-\w+" data-incident="(\d+)">')
FACET = re.compile(r'<li data-facet="(\w+)" data-value="([^"]*)"><a class="facet-link" '
                   r'href="\?([^"]*)"[^>]*>.*?<span class="facet-count" dir="ltr">\((\d+)\)'
                   r'</span></li>')


@pytest.fixture
def world() -> dict:
    return seed()


def client_for(world: dict, name: str, **kwargs: object) -> Client:
    return login_client(Client(**kwargs), world["users"][name])


def listing(client: Client, query: str = "") -> dict:
    response = client.get("/incidents/" + (f"?{query}" if query else ""))
    assert response.status_code == 200, (query, response.status_code)
    html = response.content.decode()
    facets: dict[str, dict[str, tuple[int, str]]] = {}
    for name, value, link, count in FACET.findall(html):
        facets.setdefault(name, {})[unescape(value)] = (int(count), unescape(link))
    return {"html": html, "count": int(COUNT.search(html).group(1)),
            "ids": [int(i) for i in ROW.findall(html)], "facets": facets}


def ids(world: dict, *names: str) -> set[int]:
    return {world[name].pk for name in names}


def test_unassigned_reviewer_never_sees_the_restricted_incident(world) -> None:
    page = listing(client_for(world, "rev2"))
    assert set(page["ids"]) == ids(world, "disown", "denial") and page["count"] == 2
    assert "اعتراف معتقل سري" not in page["html"] and "معتقل سري" not in page["html"]
    facets = page["facets"]
    assert facets["status"] == {"under_review": (1, "status=under_review"),
                                "suspected": (1, "status=suspected")}
    assert {v: c for v, (c, _) in facets["sign"].items()} == {
        "reads-script": 2, "visible-injuries": 1}  # not detention-setting: restricted
    outlet2 = world["broadcasts"][1].outlet_id
    assert facets["outlet"][str(outlet2)][0] == 1
    # The same filters as a lead: the restricted incident is there and counted.
    lead_page = listing(client_for(world, "lead"))
    assert set(lead_page["ids"]) == ids(world, "disown", "denial", "hidden")
    assert lead_page["facets"]["outlet"][str(outlet2)][0] == 2
    assert lead_page["facets"]["status"]["under_review"][0] == 2
    # Once assigned, the reviewer sees it too.
    inc.assign(world["hidden"].pk, world["users"]["lead"], world["users"]["rev2"])
    assert world["hidden"].pk in listing(client_for(world, "rev2"))["ids"]


@pytest.mark.parametrize("start", ["", "status=under_review", "sign=reads-script",
                                   "person=أماني", "targeted=اماني",
                                   "date_from=2021-01-01&date_to=2022-12-31"])
@pytest.mark.parametrize("who", ["rev2", "lead"])
def test_each_facet_count_is_the_length_of_the_list_it_opens(world, start: str,
                                                             who: str) -> None:
    client = client_for(world, who)
    page = listing(client, start)
    assert page["count"] == len(page["ids"])
    assert page["facets"], "facets are shown"
    for name, values in page["facets"].items():
        for value, (count, link) in values.items():
            narrowed = listing(client, link)
            assert narrowed["count"] == count == len(narrowed["ids"]), (start, name, value)
            assert set(narrowed["ids"]) <= set(listing(client, _without(start, name))["ids"])


def _without(query: str, name: str) -> str:
    return "&".join(p for p in query.split("&") if p and not p.startswith(name + "="))


def test_filters(world) -> None:
    client = client_for(world, "lead")
    # person on air, by a variant and normalised spelling; targeted person separately
    assert listing(client, "person=والد اماني")["ids"] == [world["disown"].pk]
    assert listing(client, "person=amani")["ids"] == [world["disown"].pk]  # latin of father
    assert set(listing(client, "targeted=امانى")["ids"]) == ids(world, "disown", "denial",
                                                                  "hidden")
    assert listing(client, "person=أخو")["ids"] == [world["denial"].pk]
    assert listing(client, "person=nobody-like-this")["ids"] == []
    assert listing(client, "date_from=2022-01-05")["ids"] == [world["hidden"].pk,
                                                             world["denial"].pk]
    assert listing(client, "date_to=2021-04-20")["ids"] == [world["disown"].pk]
    assert listing(client, f"outlet={world['broadcasts'][0].outlet_id}")["ids"] == [
        world["disown"].pk]
    assert listing(client, "status=suspected")["ids"] == [world["denial"].pk]
    combined = listing(client, "sign=reads-script&targeted=أماني&status=suspected")
    assert combined["ids"] == [world["denial"].pk]
    # rows link to the incident page and to the persons
    html = listing(client)["html"]
    assert f'href="/incidents/{world["disown"].pk}/"' in html
    assert f'href="/persons/{world["father"].pk}/"' in html


def test_person_filter_does_not_find_a_restricted_person_for_an_unassigned_reviewer(
        world) -> None:
    assert listing(client_for(world, "rev2"), "person=معتقل")["ids"] == []
    assert listing(client_for(world, "lead"), "person=معتقل")["ids"] == [world["hidden"].pk]


def test_blind_review_lead_does_not_see_proposer_signs_until_assessing(world) -> None:
    lead2 = client_for(world, "lead2")
    page = listing(lead2)
    # "disown" is under review, proposed by rev: lead2 could confirm it, so its signs stay
    # hidden: not in the sign facet, not findable by sign, not on its row.
    assert page["facets"]["sign"]["reads-script"][0] == 1  # only "denial"
    assert "detention-setting" not in page["facets"]["sign"]  # "hidden": lead2 blind too
    assert listing(lead2, "sign=reads-script")["ids"] == [world["denial"].pk]
    assert "بعد تقييمك" in page["html"]  # "after your assessment", in Arabic
    # "lead" proposed "hidden" and is not blind to its signs
    assert listing(client_for(world, "lead"), "sign=detention-setting")["ids"] == [
        world["hidden"].pk]
    workflow.assess(world["disown"].pk, world["users"]["lead2"], confidence="high",
                    signs=["reads-script"])
    assert set(listing(lead2, "sign=reads-script")["ids"]) == ids(world, "disown", "denial")


@pytest.mark.parametrize("query", [
    "outlet=" + "9" * 30, "outlet=-1", "outlet=abc", "date_from=2021-13-45",
    "date_to=" + "9" * 5000, "status=bogus", "sign=not a slug!", "page=" + "9" * 40,
    "person=" + "ا" * 1000, "sign=\u202e",
])
def test_bad_parameters_are_ignored_with_a_message_never_a_500(world, query: str) -> None:
    response = client_for(world, "rev").get("/incidents/?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "\u202e" not in html
    if not query.startswith("page="):
        assert "تم تجاهل مرشّح غير صالح" in html  # "Ignored an invalid filter"


def test_a_query_string_past_the_servers_limit_is_a_400(world) -> None:
    response = client_for(world, "rev").get("/incidents/?person=" + "ا" * 5000)
    assert response.status_code == 400


def test_roles(world) -> None:
    assert client_for(world, "viewer").get("/incidents/").status_code == 403
    anonymous = Client().get("/incidents/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert client_for(world, "rev").post("/incidents/").status_code == 405


def test_titles_and_names_are_escaped_and_bidi_neutralised(world) -> None:
    from review.persons import add_person

    rev = world["users"]["rev"]
    evil = add_person("<b>x</b>\u202eنيمأ", kind="witness")
    incident = inc.propose(rev, broadcast_id=world["broadcasts"][0].pk, start="0:01",
                           end="0:02", title="<script>alert(1)</script>\u2067عنوان",
                           people=[inc.OnAir(f"#{evil.pk}", "testifies")])
    html = listing(client_for(world, "rev"))["html"]
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\ufffdعنوان" in html
    assert "&lt;b&gt;x&lt;/b&gt;\ufffdنيمأ" in html
    assert "\u202e" not in html and "\u2067" not in html
    assert incident.pk in listing(client_for(world, "rev"))["ids"]
