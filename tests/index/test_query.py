"""The query language: each construct parses to the expected AST; malformed input raises
QueryError with a message, never another exception."""

from __future__ import annotations

import json

import pytest

from index.base import QueryError
from index.query import AnyOf, Phrase, Prefix, Query, Term, parse


def test_words_are_anded_and_analysed() -> None:
    q = parse("أتبرأ ابني")
    assert q.must == (Term("اتبرا", "أتبرأ"), Term("ابن", "ابني"))
    assert q.must_not == () and q.outlet is None


def test_phrase_keeps_stop_word_gaps() -> None:
    q = parse('"أتبرأ من ابني"')
    assert q.must == (Phrase(("اتبرا", None, "ابن"), "أتبرأ من ابني"),)


def test_or_binds_tighter_than_and() -> None:
    q = parse("خائن OR عميل وطن")
    assert q.must == (AnyOf((Term("خائن", "خائن"), Term("عميل", "عميل"))), Term("وطن", "وطن"))


def test_exclusion_and_prefix() -> None:
    q = parse('تبر* -رياضة -"كرة القدم"')
    assert q.must == (Prefix("تبر", "تبر"),)
    assert q.must_not == (Term("رياض", "رياضة"), Phrase(("كر", "قدم"), "كرة القدم"))


def test_prefix_is_normalised_not_stemmed() -> None:
    assert parse("الشهادة*").must == (Prefix("الشهاده", "الشهادة"),)


def test_filters_plain_and_quoted() -> None:
    q = parse('outlet:"Al Ikhbariya" lang:ar شهادة')
    assert (q.outlet, q.lang) == ("Al Ikhbariya", "ar")
    assert parse("outlet:Sama شهادة").outlet == "Sama"


def test_stop_word_only_words_are_dropped() -> None:
    assert parse("من شهادة في").must == (Term("شهاد", "شهادة"),)
    assert parse("في OR شهادة").must == (Term("شهاد", "شهادة"),)


def test_a_word_with_several_terms_becomes_a_phrase() -> None:
    assert parse("U.S-made").must == (Phrase(("u.s", "made"), "U.S-made"),)


def test_lowercase_or_is_a_word() -> None:
    assert parse("this or that").must == (Term("this", "this"), Term("or", "or"),
                                          Term("that", "that"))


def test_query_is_a_value() -> None:
    assert isinstance(parse("كلمة"), Query)


@pytest.mark.parametrize(("text", "message"), [
    ('"أتبرأ من', "unbalanced quote"),
    ('كلمة "', "unbalanced quote"),
    ("OR كلمة", "OR must stand between"),
    ("كلمة OR", "nothing follows the last OR"),
    ("كلمة OR OR أخرى", "OR must stand between"),
    ("- كلمة", "lone '-'"),
    ("كلمة -", "lone '-'"),
    ("كلمة OR -أخرى", "OR cannot join"),
    ("-كلمة", "only excludes"),
    ("من في على", "no searchable words"),
    ("", "no searchable words"),
    ("   ", "no searchable words"),
    ("!!! ؟؟", "no searchable words"),
    ("*", "no letters before"),
    ("outlet: كلمة", "needs a value"),
    ('outlet:"" كلمة', "needs a value"),
    ("outlet:A outlet:B كلمة", "given twice"),
    ("outlet:Sama", "no searchable words"),
])
def test_malformed_queries_raise_query_error(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text)


@pytest.mark.parametrize("text", ['"', '""', "-", "-*", '-""', "OR", '"a" OR', "**", ":",
                                  'outlet:"x', "a\x00b", "\u202e", "ـــ"])
def test_odd_input_gives_a_query_error_or_a_query(text: str) -> None:
    try:
        parse(text)
    except QueryError as exc:
        assert str(exc)


def test_elasticsearch_translation() -> None:
    from index.es_query import query_dsl

    dsl = query_dsl(parse('أتبرأ OR "ابني" شها* -رياضة lang:ar'), outlet="Sama")
    # one branch per text a document holds (review.corrections): the machine's, the
    # corrected and the verified; a query matches when one text holds it all
    machine, corrected, verified = dsl["bool"].pop("should")
    assert dsl == {"bool": {
        "minimum_should_match": 1,
        "filter": [{"term": {"outlet": {"value": "Sama", "case_insensitive": True}}},
                   {"term": {"lang": "ar"}}],
    }}
    assert machine == {"bool": {
        "must": [
            {"bool": {"should": [{"match": {"text": {"query": "أتبرأ", "operator": "and"}}},
                                 {"bool": {"should": [
                                     {"match_phrase": {"text": "ابني"}},
                                     {"bool": {"must": [{"match_phrase": {"bridge": "ابني"}}],
                                               "must_not": [
                                                   {"match_phrase": {"next_head": "ابني"}}]}}],
                                     "minimum_should_match": 1}}],
                      "minimum_should_match": 1}},
            {"prefix": {"text": {"value": "شها"}}},
        ],
        "must_not": [{"match": {"text": {"query": "رياضة", "operator": "and"}}}],
    }}
    # a corrected range is one text: a phrase needs no bridge to the next segment
    assert corrected == {"bool": {
        "must": [
            {"bool": {"should": [
                {"match": {"text_corrected": {"query": "أتبرأ", "operator": "and"}}},
                {"match_phrase": {"text_corrected": "ابني"}}], "minimum_should_match": 1}},
            {"prefix": {"text_corrected": {"value": "شها"}}},
        ],
        "must_not": [{"match": {"text_corrected": {"query": "رياضة", "operator": "and"}}}],
    }}
    assert json.dumps(verified) == json.dumps(corrected).replace("text_corrected",
                                                                 "text_verified")


def test_elasticsearch_index_file_uses_the_arabic_analyzer() -> None:
    from index.elasticsearch_backend import index_definition

    definition = index_definition()
    assert isinstance(definition["version"], int)
    props = definition["mappings"]["properties"]
    assert props["text"] == {"type": "text", "analyzer": "arabic"}
    assert props["outlet"]["type"] == props["lang"]["type"] == "keyword"
    assert props["aired_at"]["type"] == "date"
