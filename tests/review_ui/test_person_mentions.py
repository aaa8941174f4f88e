"""A person's page searches every name and variant in the transcripts, fuzzily by default:
a name Whisper misheard by a letter is found; ``?exact=1`` searches exact phrases only
(issue 27). The queries are built from the names' words only (no query syntax from a name)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from ui_helpers import login_client, make_broadcast, make_user

from raqib import pipeline
from review.models import Person
from review.persons import add_person, name_query, person_queries

pytestmark = pytest.mark.django_db


def test_queries_are_fuzzy_words_or_exact_phrases() -> None:
    person = Person(name="د. أماني بلوز", variants=["اماني بلّوز", "د. أماني بلوز"],
                    latin='Amani "x:y* OR -z~')
    assert person_queries(person) == ["أماني~ بلوز~", "اماني~ بلّوز~", "Amani~ or"]  # no x y z
    assert person_queries(person, fuzzy=False) == [
        '"د أماني بلوز"', '"اماني بلّوز"', '"Amani x y or z"']
    assert name_query("من في") == ""  # stop words only: nothing to search
    assert name_query("علي بن محمد") == "علي بن محمد~"  # analysed: علي and بن too short


def test_person_page_finds_a_misheard_name_fuzzily(db) -> None:
    reviewer = make_user("rev-m", "reviewer")
    person = add_person("أماني بلوز", variants=["Amani Ballour"], user=reviewer)
    misheard = make_broadcast(segments=[(0.0, 4.0, "الطبيبة أماني بلور تتحدث"),
                                        (5.0, 8.0, "كلام آخر")])
    exact = make_broadcast(segments=[(2.0, 6.0, "قالت أماني بلوز <b>اليوم</b>")])
    for broadcast in (misheard, exact):
        assert pipeline.run_stage(broadcast.pk, "index", settings.CONFIG)
    client = login_client(Client(), reviewer)
    html = client.get(f"/persons/{person.pk}/").content.decode()
    assert html.count('<li class="hit"') == 2
    assert "الطبيبة <mark>أماني</mark> <mark>بلور</mark> تتحدث" in html
    assert f'href="/broadcasts/{misheard.pk}/?t=0"' in html
    assert "&lt;b&gt;اليوم" in html and "<b>اليوم" not in html
    assert "/?q=%D8%A3%D9%85%D8%A7%D9%86%D9%8A~+%D8%A8%D9%84%D9%88%D8%B2~" in html
    html = client.get(f"/persons/{person.pk}/?exact=1").content.decode()
    assert html.count('<li class="hit"') == 1 and "بلور" not in html
    assert f'href="/broadcasts/{exact.pk}/?t=2"' in html


def test_person_page_without_mentions_says_so(db) -> None:
    reviewer = make_user("rev-n", "reviewer")
    person = add_person("شخص غير مذكور", user=reviewer)
    html = login_client(Client(), reviewer).get(f"/persons/{person.pk}/").content.decode()
    assert "لا يذكره أي نص حتى الآن." in html and '<li class="hit"' not in html
