"""Fuzzy words (``name~``, ``name~2``): parsing, bounds, the Elasticsearch body, and the
edit distance the watchlist matcher and highlights count agreeing with Tantivy's own fuzzy
term query on a real index (so a watchlist alerts on exactly what a fuzzy search finds)."""

from __future__ import annotations

import random

import pytest
import tantivy

from index.base import QueryError
from index.query import Fuzzy, Query, edit_distance, parse


def test_fuzzy_words_parse_to_the_analysed_term_with_a_distance() -> None:
    assert parse("بلوز~") == Query((Fuzzy("بلوز", "بلوز", 1),))
    assert parse("بلوز~1").must == (Fuzzy("بلوز", "بلوز", 1),)
    assert parse("المحمدي~").must == (Fuzzy("محمد", "المحمدي", 1),)  # stemmed: 4 letters
    assert parse("عبدالرحمن~").must[0].distance == 2  # automatic: 6 letters or more
    assert parse("خاشقجي~").must == (Fuzzy("خاشقج", "خاشقجي", 1),)  # 5 letters: 1 edit
    assert parse("خاشقجي~2").must == (Fuzzy("خاشقج", "خاشقجي", 2),)
    assert parse("أماني -بلوز~").must_not == (Fuzzy("بلوز", "بلوز", 1),)


@pytest.mark.parametrize(("text", "message"), [
    ("اب~", "too short to search fuzzily"),
    ("بلوز~2", "too short for 2 edits"),
    ("بلوز~3", "must be 1 or 2"),
    ("بلوز~0", "must be 1 or 2"),
    ("بلو*~", "either a prefix"),
    ('"أماني بلور"~', "must follow a word directly"),
    ("من~", "not one searchable word"),
    (" ".join(f"كلمة{i}~" for i in range(9)), "fuzzy words"),
])
def test_bad_fuzzy_words_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text)


def test_elasticsearch_body_uses_fuzziness_on_the_analysed_field() -> None:
    from index.es_query import MAX_FUZZY_EXPANSIONS, query_dsl

    branches = query_dsl(parse("بلوز~"))["bool"]["should"]  # machine, corrected, verified
    for branch, field in zip(branches, ("text", "text_corrected", "text_verified"),
                             strict=True):
        assert branch["bool"]["must"] == [{"match": {field: {
            "query": "بلوز", "operator": "and", "fuzziness": 1, "prefix_length": 0,
            "fuzzy_transpositions": True, "max_expansions": MAX_FUZZY_EXPANSIONS}}}]


def test_edit_distance_counts_a_swap_of_neighbours_as_one() -> None:
    assert edit_distance("بلور", "بلوز") == 1
    assert edit_distance("بلور", "بولر") == 1
    assert edit_distance("ابcd", "ab", limit=2) == 3  # over the limit: limit + 1
    assert edit_distance("", "ab") == 2


def test_python_distance_agrees_with_tantivys_fuzzy_term_query(tmp_path) -> None:
    # The watchlist matcher and the highlights use index.query.edit_distance; search uses
    # Tantivy's Levenshtein automaton. Random near-miss words over a small alphabet (many
    # swaps, repeats and length changes) must be matched identically by both.
    rng = random.Random(27)
    alphabet = "بلورزا"
    words = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))
                    for _ in range(600)})
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("t", stored=True, tokenizer_name="raw")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(tmp_path))
    writer = index.writer(50_000_000, 1)
    for word in words:
        writer.add_document(tantivy.Document(t=word))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    for query in rng.sample(words, 40):
        for distance in (1, 2):
            tq = tantivy.Query.fuzzy_term_query(schema, "t", query, distance=distance,
                                                transposition_cost_one=True)
            hits = searcher.search(tq, limit=len(words)).hits
            by_tantivy = {searcher.doc(address)["t"][0] for _, address in hits}
            by_python = {w for w in words if edit_distance(query, w, distance) <= distance}
            assert by_tantivy == by_python, (query, distance)
