"""Persons: adding them, finding them by any name (Arabic-normalised), and who may see them.

A person's name and variants are stored exactly as typed; ``search_key`` holds each name's
words lowercased, digit-folded and Arabic-normalised (``index.arabic.normalize_prefix``:
alef forms, teh marbuta, diacritics and tatweel folded, no stemming), so أماني, اماني and
"amani" all find Dr Amani Ballour. A *restricted* person is visible to leads and admins, and
to a reviewer assigned to one of the incidents the person is in (on air or targeted).
``person_queries`` turns a person's names into the search queries their page runs: fuzzy by
default (every word of 3 letters or more as ``word~``, so a name Whisper misheard by a
letter or two is still found; all words of a name must be in one segment), or each name as
an exact phrase. Used by ``raqib persons`` and the review UI. To add a field: the model in
``review.models``, ``add_person``'s arguments and ``person_json``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_role
from catalog import audit
from index.arabic import analyze, normalize_prefix, tokenize
from index.query import MAX_FUZZY_TERMS_IN_QUERY, MIN_FUZZY_LETTERS
from review.errors import RuleError, listed
from review.models import Person
from review.text import clean_text

MAX_NAME = 300
MAX_VARIANTS = 20


class PersonError(RuleError, ValueError):
    """Bad person input or an unknown person; the message says what to change."""


def search_words(text: str) -> list[str]:
    """The normalised words of ``text`` as person search compares them."""
    return [normalize_prefix(text[s:e]) for s, e in tokenize(text or "")]


def _plain(word: str) -> str:
    """The word's letters, digits and marks only (no query syntax: ``: * ~ " -``); the
    operator ``OR`` lowercased so it reads as a word."""
    kept = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " "
                   for ch in word)
    return " ".join("or" if part == "OR" else part for part in kept.split())


def name_query(name: str, fuzzy: bool = True) -> str:
    """The search query (docs/query-language.md) for one name: each word ``word~`` when
    ``fuzzy`` and it is long enough once analysed (else as typed; stop words drop out),
    or the whole name as a phrase. Only the name's words reach the query, never its
    punctuation, so no name can inject query syntax; "" when no word is searchable."""
    words = [w for s, e in tokenize(name or "") for w in _plain(name[s:e]).split()]
    if not fuzzy:
        return f'"{" ".join(words)}"' if any(analyze(w) for w in words) else ""
    parts, fuzzy_words = [], 0
    for word in words:
        tokens = analyze(word)
        if not tokens:
            continue  # a stop word: the query language drops it anyway
        if len(tokens) == 1 and len(tokens[0].text) < 2:
            continue  # one letter (an initial, "د." for Dr): too common to require
        if (len(tokens) == 1 and len(tokens[0].text) >= MIN_FUZZY_LETTERS
                and fuzzy_words < MAX_FUZZY_TERMS_IN_QUERY):
            parts.append(f"{word}~")
            fuzzy_words += 1
        else:
            parts.append(word)
    return " ".join(parts)


def person_queries(person: Person, fuzzy: bool = True) -> list[str]:
    """One query per distinct name of ``person`` (name, variants, transliteration)."""
    queries = (name_query(name, fuzzy) for name in person.all_names())
    return [q for q in dict.fromkeys(queries) if q]


MENTIONS_LIMIT = 50  # hits a person's page shows


def find_mentions(person: Person, fuzzy: bool = True, limit: int = MENTIONS_LIMIT,
                  backend: Any = None) -> tuple[list[Any], list[str]]:
    """Segments that name ``person`` (any of their names, ``person_queries``), newest
    broadcast first, each once, at most ``limit``; and the queries run. Raises what the
    backend raises (``index.base.QueryError`` for a query it refuses)."""
    from index.base import SearchRequest
    from index.registry import get_backend

    backend = backend or get_backend()
    queries = person_queries(person, fuzzy)
    found: dict[int, Any] = {}
    for query in queries:
        page = backend.search_page(SearchRequest(query, sort="-aired_at", page_size=limit,
                                                 facets=False))
        for hit in page.hits:
            found.setdefault(hit.segment_id, hit)
    hits = sorted(found.values(), key=lambda h: (
        -(h.aired_at.timestamp() if h.aired_at else float("-inf")), -h.broadcast_id, h.start))
    return hits[:limit], queries


def _search_key(name: str, variants: list[str], latin: str) -> str:
    words: list[str] = []
    for value in (name, *variants, latin):
        words.extend(search_words(value))
    return " " + " ".join(dict.fromkeys(words)) + " "


def add_person(name: str, *, variants: list[str] | None = None, latin: str = "",
               kind: str = Person.Kind.OTHER, restricted: bool = False, notes: str = "",
               public_act_on: dt.date | None = None, public_act: str = "",
               user: Any = None) -> Person:
    """Create a person; raise ``PersonError`` on an empty or over-long name or unknown kind."""
    name = clean_text(name, "name", MAX_NAME, required=True, error=PersonError)
    variants = [clean_text(v, "variant", MAX_NAME, required=True, error=PersonError)
                for v in (variants or [])]
    if len(variants) > MAX_VARIANTS:
        raise PersonError(_("at most %(count)s variants"), count=MAX_VARIANTS)
    latin = clean_text(latin, "latin", MAX_NAME, error=PersonError)
    if kind not in Person.Kind.values:
        raise PersonError(_("unknown kind %(kind)s; kinds are %(kinds)s"), kind=repr(kind),
                          kinds=listed(Person.Kind.values))
    if not search_words(name):
        raise PersonError(_("the name %(name)s has no letters or digits"), name=repr(name))
    with transaction.atomic():
        person = Person.objects.create(
            name=name, variants=variants, latin=latin, kind=kind, restricted=restricted,
            notes=clean_text(notes, "notes", 5000, error=PersonError),
            public_act_on=public_act_on,
            public_act=clean_text(public_act, "public act", 300, error=PersonError),
            search_key=_search_key(name, variants, latin),
            created_by=user if getattr(user, "pk", None) else None)
        audit.record("person-added", user, details={
            "person": person.pk, "kind": kind, "restricted": restricted,
            "public_act_on": public_act_on.isoformat() if public_act_on else None,
            **({} if restricted else {"name": name})})
    return person


def visible_persons(user: Any) -> QuerySet[Person]:
    """The persons ``user`` may see (``user`` None: the operator at the command line)."""
    people = Person.objects.all()
    if user is None or has_role(user, "lead"):
        return people
    if not has_role(user, "reviewer"):
        return people.none()
    return people.filter(Q(restricted=False) | Q(appearances__incident__assigned=user)
                         | Q(targeted_in__incident__assigned=user)).distinct()


def search_persons(query: str, user: Any = None) -> QuerySet[Person]:
    """Visible persons whose names (any variant, Arabic-normalised) hold every query word;
    a word matches the start of a name word ("أما" finds أماني)."""
    people = visible_persons(user)
    for word in search_words(query)[:10]:
        people = people.filter(search_key__contains=" " + word)
    return people


def find_person(reference: str, user: Any = None) -> Person:
    """The one visible person named ``reference`` (exact name, variant or transliteration,
    compared normalised), or ``#ID``/an id; ``PersonError`` when none or several match."""
    reference = (reference or "").strip()
    people = visible_persons(user)
    digits = reference.lstrip("#")
    if digits.isdigit():
        found = people.filter(pk=int(digits)).first()
        if found is None:
            raise PersonError(_("no person with id %(id)s"), id=digits)
        return found
    wanted = search_words(reference)
    if not wanted:
        raise PersonError(_("a person's name is required"))
    matches = [p for p in search_persons(reference, user)
               if any(search_words(n) == wanted for n in p.all_names())]
    if not matches:
        raise PersonError(_("no person named %(name)s; add them first with %(command)s (or "
                            "the persons page)"), name=repr(reference),
                          command="`raqib persons add`")
    if len(matches) > 1:
        ids = ", ".join(f"#{p.pk}" for p in matches)
        raise PersonError(_("several persons are named %(name)s (%(ids)s); name one by its "
                            "id, e.g. #12"), name=repr(reference), ids=ids)
    return matches[0]


def person_json(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "name": person.name, "variants": list(person.variants),
            "latin": person.latin, "kind": person.kind, "restricted": person.restricted,
            "public_act_on": person.public_act_on.isoformat() if person.public_act_on
            else None, "public_act": person.public_act, "notes": person.notes,
            "created_at": person.created_at.isoformat()}
