"""The search query language, parsed into a small AST that every backend translates.

Syntax (what a monitor types)::

    أتبرأ ابني              both words (AND)
    "أتبرأ من ابني"          an exact phrase
    خائن OR عميل            either word; OR binds tighter than AND: ``a OR b c`` = (a|b) & c
    -رياضة                  exclude segments with the word (or ``-"a phrase"``, ``-pre*``)
    تبر*                    prefix
    بلور~  بلور~1  بلور~2     fuzzy: within an edit distance (a name Whisper misheard by a letter)
    outlet:NAME  outlet:"Al Ikhbariya"  lang:ar  tag:NAME     filters (tag: may repeat: all apply)
    verified:yes            only text a second person verified (``review.corrections``)

Each word and phrase is analysed with ``index.arabic`` (the Elasticsearch ``arabic``
analyzer), so spelling variants (hamza forms, ة/ه, ى/ي, diacritics) match. A prefix is only
normalised (lowercase, digits, Arabic normalisation; no stemming), as Elasticsearch does for
prefix queries: it is compared with the indexed, stemmed terms, so ``الشه*`` finds nothing
(the article is stemmed away) while ``شه*`` finds شهادة. A word that is only stop words is
dropped; a word that analyses to several terms (``U.S-made``) becomes a phrase.

A fuzzy word (``word~``, ``word~1``, ``word~2``) is analysed like any word (normalised AND
stemmed, so it is compared with the same indexed terms as an exact word, on both backends:
Elasticsearch applies ``fuzziness`` to the analysed term too) and matches every indexed term
within that many edits (insert, delete, substitute, or swap two neighbours: the optimal-
string-alignment distance, ``edit_distance``). ``word~`` picks the distance by the analysed
term's length, as Elasticsearch's ``AUTO``: 1 for 3 to 5 letters, 2 for 6 or more. Bounds: at
most ``MAX_FUZZY_DISTANCE``; a term shorter than ``MIN_FUZZY_LETTERS`` cannot be fuzzy (it
would match most short words), nor can distance 2 apply below ``MIN_FUZZY2_LETTERS``; at most
``MAX_FUZZY_TERMS_IN_QUERY`` fuzzy words per query; no fuzzy prefix or phrase.

To add a construct: add a node type, produce it in ``_leaf`` or ``parse``, and translate it in
each backend (``index.tantivy_query``, ``index.es_query``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.arabic import analyze, normalize_prefix
from index.base import QueryError

FILTERS = ("outlet", "lang", "tag", "verified")
_FILTER_RE = re.compile(r"^(outlet|lang|tag|verified):")


@dataclass(frozen=True)
class Term:
    term: str  # analysed
    raw: str  # as typed


@dataclass(frozen=True)
class Phrase:
    terms: tuple[str | None, ...]  # analysed; None marks a stop word's position gap
    raw: str


@dataclass(frozen=True)
class Prefix:
    prefix: str  # normalised, not stemmed
    raw: str


@dataclass(frozen=True)
class Fuzzy:
    term: str  # analysed (normalised and stemmed), as an exact word's
    raw: str  # the word as typed, without the ~
    distance: int  # 1 or 2 edits


Leaf = Term | Phrase | Prefix | Fuzzy

MAX_FUZZY_DISTANCE = 2
MIN_FUZZY_LETTERS = 3  # the analysed term's length, below which ~ is refused
MIN_FUZZY2_LETTERS = 5  # ... and below which ~2 is refused
AUTO_FUZZY2_LETTERS = 6  # ``word~`` allows 2 edits from this length, 1 below it
_FUZZY_RE = re.compile(r"^(.*?)~(\d*)$")


def edit_distance(a: str, b: str, limit: int = MAX_FUZZY_DISTANCE) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours costs 1), as Tantivy's
    fuzzy term query with ``transposition_cost_one`` and Elasticsearch's
    ``fuzzy_transpositions`` count it; anything over ``limit`` is returned as ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return min(previous[-1], limit + 1)


def fuzzy_matches(leaf: Fuzzy, term: str) -> bool:
    """Is the indexed ``term`` within the fuzzy word's distance?"""
    return edit_distance(leaf.term, term, leaf.distance) <= leaf.distance


@dataclass(frozen=True)
class AnyOf:
    options: tuple[Leaf, ...]


Clause = Leaf | AnyOf


@dataclass(frozen=True)
class Query:
    must: tuple[Clause, ...]
    must_not: tuple[Leaf, ...] = ()
    outlet: str | None = None
    lang: str | None = None
    tags: tuple[str, ...] = ()
    # True: match only the verified text of corrected ranges (``verified:yes``); otherwise
    # the machine's text, the current corrected text and the verified text all match
    verified: bool = False

    def leaves(self) -> list[Leaf]:
        """Every positive leaf (for highlighting)."""
        out: list[Leaf] = []
        for clause in self.must:
            out.extend(clause.options if isinstance(clause, AnyOf) else (clause,))
        return out


@dataclass
class _Lexeme:
    kind: str  # "word", "phrase", "or", "filter"
    text: str
    negated: bool = False
    prefix: bool = False
    field: str = ""
    fuzzy: int | None = None  # None: exact; 0: automatic distance; 1, 2: that distance


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """Return (content, index after the closing quote) for a quote opened at ``i``."""
    close = text.find('"', i + 1)
    if close < 0:
        raise QueryError(f'unbalanced quote: the phrase opened at character {i + 1} is never '
                         'closed; add the closing "')
    return text[i + 1:close], close + 1


def _read_bare(text: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(text) and not text[j].isspace() and text[j] != '"':
        j += 1
    return text[i:j], j


def _lex_one(text: str, i: int) -> tuple[_Lexeme, int]:
    negated = text[i] == "-"
    if negated:
        i += 1
        if i >= len(text) or text[i].isspace():
            raise QueryError("a lone '-' excludes nothing: write it directly before a word, "
                             'as in -word or -"a phrase"')
    if text[i] == '"':
        content, i = _read_quoted(text, i)
        return _Lexeme("phrase", content, negated), i
    word, i = _read_bare(text, i)
    field_match = _FILTER_RE.match(word)
    if field_match and not negated:
        value = word[field_match.end():]
        if not value and i < len(text) and text[i] == '"':
            value, i = _read_quoted(text, i)
        if not value.strip():
            raise QueryError(f"the filter {field_match.group(0)} needs a value, "
                             f'as in {field_match.group(0)}NAME or {field_match.group(0)}"A NAME"')
        return _Lexeme("filter", value.strip(), field=field_match.group(1)), i
    if word == "OR" and not negated:
        return _Lexeme("or", word), i
    fuzzy = _FUZZY_RE.match(word)
    if fuzzy:
        return _fuzzy_lexeme(word, fuzzy, negated), i
    if word.endswith("*"):
        return _Lexeme("word", word.rstrip("*"), negated, prefix=True), i
    return _Lexeme("word", word, negated), i


def _fuzzy_lexeme(word: str, match: re.Match[str], negated: bool) -> _Lexeme:
    stem, digits = match.group(1), match.group(2)
    if not stem:
        raise QueryError("'~' must follow a word directly, as in name~ or name~2 "
                         "(it does not apply to phrases)")
    if stem.endswith("*"):
        raise QueryError(f"'{word}': a word is either a prefix (*) or fuzzy (~), not both")
    distance = int(digits) if digits else 0
    if digits and not 1 <= distance <= MAX_FUZZY_DISTANCE:
        raise QueryError(f"'{word}': the edit distance after ~ must be 1 or "
                         f"{MAX_FUZZY_DISTANCE} (or leave it out: {stem}~)")
    return _Lexeme("word", stem, negated, fuzzy=distance)


def _fuzzy_leaf(lexeme: _Lexeme, term: str) -> Fuzzy:
    letters = len(term)
    if letters < MIN_FUZZY_LETTERS:
        raise QueryError(f"'{lexeme.text}~' is too short to search fuzzily ('{term}' once "
                         f"analysed; at least {MIN_FUZZY_LETTERS} letters): drop the ~")
    distance = lexeme.fuzzy or (2 if letters >= AUTO_FUZZY2_LETTERS else 1)
    if distance == 2 and letters < MIN_FUZZY2_LETTERS:
        raise QueryError(f"'{lexeme.text}~2' is too short for 2 edits ('{term}' once analysed; "
                         f"at least {MIN_FUZZY2_LETTERS} letters): write {lexeme.text}~1")
    return Fuzzy(term, lexeme.text, distance)


def _lex(text: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        lexeme, i = _lex_one(text, i)
        lexemes.append(lexeme)
    return lexemes


def _leaf(lexeme: _Lexeme) -> Leaf | None:
    """Analyse one word or phrase; None when nothing searchable is left (stop words only)."""
    if lexeme.prefix:
        prefix = normalize_prefix(lexeme.text)
        if not prefix or not any(ch.isalnum() for ch in prefix):
            raise QueryError(f"'{lexeme.text}*' has no letters before the '*' to search for")
        return Prefix(prefix, lexeme.text)
    tokens = analyze(lexeme.text)
    if lexeme.fuzzy is not None:
        if len(tokens) != 1:
            raise QueryError(f"'{lexeme.text}~' is not one searchable word: ~ applies to "
                             "one word (a stop word or several words cannot be fuzzy)")
        return _fuzzy_leaf(lexeme, tokens[0].text)
    if not tokens:
        return None
    if len(tokens) == 1 and lexeme.kind == "word":
        return Term(tokens[0].text, lexeme.text)
    first = tokens[0].position
    slots: list[str | None] = [None] * (tokens[-1].position - first + 1)
    for token in tokens:
        slots[token.position - first] = token.text
    return Phrase(tuple(slots), lexeme.text)


def _group(lexemes: list[_Lexeme]) -> list[list[_Lexeme]]:
    """Split into AND-ed groups, each a list of OR-ed alternatives."""
    groups: list[list[_Lexeme]] = []
    joining = False
    for lexeme in lexemes:
        if lexeme.kind == "or":
            if not groups or joining:
                raise QueryError("OR must stand between two words, as in: word1 OR word2")
            joining = True
            continue
        if joining:
            if lexeme.negated or groups[-1][-1].negated:
                raise QueryError("OR cannot join an excluded (-) word; exclude it on its own")
            groups[-1].append(lexeme)
        else:
            groups.append([lexeme])
        joining = False
    if joining:
        raise QueryError("OR must stand between two words, as in: word1 OR word2; "
                         "nothing follows the last OR")
    return groups


MAX_QUERY_TERMS = 64  # words, phrases, prefixes and filters in one query (issue 14)
MAX_PREFIX_TERMS_IN_QUERY = 16  # of which prefixes (each expands to many indexed terms)
MAX_FUZZY_TERMS_IN_QUERY = 8  # ... and fuzzy words (each expands to the terms near it)


def _check_size(lexemes: list[_Lexeme]) -> None:
    """Refuse a query too big to be a person's: its cost grows with every term."""
    words = [lx for lx in lexemes if lx.kind in ("word", "phrase", "filter")]
    prefixes = sum(1 for lx in words if lx.prefix)
    if prefixes > MAX_PREFIX_TERMS_IN_QUERY:
        raise QueryError(f"the query has {prefixes} words ending in '*'; at most "
                         f"{MAX_PREFIX_TERMS_IN_QUERY} are allowed")
    fuzzy = sum(1 for lx in words if lx.fuzzy is not None)
    if fuzzy > MAX_FUZZY_TERMS_IN_QUERY:
        raise QueryError(f"the query has {fuzzy} fuzzy words (~); at most "
                         f"{MAX_FUZZY_TERMS_IN_QUERY} are allowed")
    if len(words) > MAX_QUERY_TERMS:
        raise QueryError(f"the query has {len(words)} words, phrases or filters; at most "
                         f"{MAX_QUERY_TERMS} are searched together")


def parse(text: str) -> Query:
    """Parse a query; raise QueryError with a message for the person who typed it."""
    filters: dict[str, str] = {}
    tags: list[str] = []
    lexemes: list[_Lexeme] = []
    everything = _lex(text)
    _check_size(everything)
    for lexeme in everything:
        if lexeme.kind == "filter" and lexeme.field == "tag":
            tags.append(lexeme.text)
        elif lexeme.kind == "filter":
            if lexeme.field in filters and filters[lexeme.field] != lexeme.text:
                raise QueryError(f"{lexeme.field}: is given twice with different values")
            filters[lexeme.field] = lexeme.text
        else:
            lexemes.append(lexeme)
    must: list[Clause] = []
    must_not: list[Leaf] = []
    for group in _group(lexemes):
        leaves = [leaf for leaf in map(_leaf, group) if leaf is not None]
        if not leaves:
            continue
        if group[0].negated:
            must_not.append(leaves[0])
        else:
            must.append(leaves[0] if len(leaves) == 1 else AnyOf(tuple(leaves)))
    if not must:
        if must_not:
            raise QueryError("the query only excludes words: add at least one word to find")
        raise QueryError("the query has no searchable words")
    verified = filters.get("verified")
    if verified is not None and verified.casefold() not in ("yes", "نعم"):
        raise QueryError(f"verified: takes yes (verified:yes limits the search to verified "
                         f"text), not {verified!r}")
    return Query(tuple(must), tuple(must_not), filters.get("outlet"), filters.get("lang"),
                 tuple(dict.fromkeys(tags)), verified is not None)


_DAY_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_date_bound(text: str, *, end: bool = False) -> date:
    """``YYYY-MM-DD`` or ``YYYY-MM`` as an inclusive bound: a month means its first day
    (``end=False``) or its last day (``end=True``). Raise QueryError when malformed."""
    match = _DAY_RE.match(text.strip())
    try:
        if not match:
            raise ValueError
        year, month = int(match.group(1)), int(match.group(2))
        if match.group(3):
            return date(year, month, int(match.group(3)))
        if not end:
            return date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return following - timedelta(days=1)
    except ValueError:
        raise QueryError(f"{text!r} is not a date: write YYYY-MM-DD or YYYY-MM, "
                         "e.g. 2024-03-05 or 2024-03") from None
