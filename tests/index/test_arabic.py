"""The analyzer against Lucene's own published test cases (TestArabicNormalizationFilter,
TestArabicStemFilter, TestArabicAnalyzer) and the Elasticsearch ``arabic`` chain's order."""

from __future__ import annotations

import pytest

from index.arabic import (
    analysis,
    analyze,
    analyze_terms,
    normalize,
    normalize_prefix,
    stem,
    stopwords,
)

# TestArabicNormalizationFilter.java
NORMALIZATION = [
    ("آجن", "اجن"), ("أحمد", "احمد"), ("إعاذ", "اعاذ"), ("بنى", "بني"), ("فاطمة", "فاطمه"),
    ("روبرـــــت", "روبرت"), ("مَبنا", "مبنا"), ("علِي", "علي"), ("بُوات", "بوات"),
    ("ولداً", "ولدا"), ("ولدٍ", "ولد"), ("ولدٌ", "ولد"), ("نلْسون", "نلسون"), ("هتميّ", "هتمي"),
    ("", ""),
]

# TestArabicStemFilter.java
STEMMING = [
    ("الحسن", "حسن"), ("والحسن", "حسن"), ("بالحسن", "حسن"), ("كالحسن", "حسن"),
    ("فالحسن", "حسن"), ("للاخر", "اخر"), ("وحسن", "حسن"), ("زوجها", "زوج"),
    ("ساهدان", "ساهد"), ("ساهدات", "ساهد"), ("ساهدون", "ساهد"), ("ساهدين", "ساهد"),
    ("ساهديه", "ساهد"), ("ساهدية", "ساهد"), ("ساهده", "ساهد"), ("ساهدة", "ساهد"),
    ("ساهدي", "ساهد"), ("وساهدون", "ساهد"), ("ساهدهات", "ساهد"), ("الو", "الو"),
    ("English", "English"), ("", ""),
]

# TestArabicAnalyzer.java (the whole chain)
ANALYZER = [
    ("كبير", ["كبير"]), ("كبيرة", ["كبير"]), ("مشروب", ["مشروب"]), ("مشروبات", ["مشروب"]),
    ("أمريكيين", ["امريك"]), ("امريكي", ["امريك"]), ("كتاب", ["كتاب"]), ("الكتاب", ["كتاب"]),
    ("ما ملكت أيمانكم", ["ملكت", "ايمانكم"]), ("الذين ملكت أيمانكم", ["ملكت", "ايمانكم"]),
    ("English text.", ["english", "text"]), ("١٢٣٤", ["1234"]),
]


@pytest.mark.parametrize(("word", "expected"), NORMALIZATION)
def test_lucene_normalization_cases(word: str, expected: str) -> None:
    assert normalize(word) == expected


@pytest.mark.parametrize(("word", "expected"), STEMMING)
def test_lucene_stem_cases(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(("text", "expected"), ANALYZER)
def test_lucene_analyzer_cases(text: str, expected: list[str]) -> None:
    assert analyze_terms(text) == expected


def test_superscript_alef_is_left_alone_as_in_lucene() -> None:
    assert normalize("هٰذا") == "هٰذا"


@pytest.mark.parametrize(("text", "expected"), [
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"), ("۰۱۲۳۴۵۶۷۸۹", "0123456789"), ("عام ٢٠٢١", "2021")])
def test_decimal_digits_fold_to_ascii(text: str, expected: str) -> None:
    assert analyze_terms(text)[-1] == expected


def test_stop_words_leave_position_gaps_and_offsets_point_into_the_original() -> None:
    text = "من أتبرأ من ابني"
    tokens = analyze(text)
    assert [(t.text, t.position) for t in tokens] == [("اتبرا", 1), ("ابن", 3)]
    assert [text[t.start:t.end] for t in tokens] == ["أتبرأ", "ابني"]


def test_stop_words_are_matched_before_normalisation() -> None:
    # "أن" is listed; "آن" is not (the list is not normalised) so it survives as "ان".
    assert "أن" in stopwords() and "آن" not in stopwords()
    assert analyze_terms("أن") == []
    assert analyze_terms("آن") == ["ان"]


def test_diacritics_and_spelling_variants_give_the_same_terms() -> None:
    assert analyze_terms("أَمَانِي") == analyze_terms("اماني") == analyze_terms("أماني")
    assert analyze_terms("مدرسة") == analyze_terms("مدرسه")
    assert analyze_terms("مستشفى") == analyze_terms("مستشفي")
    assert analyze_terms("إعلان") == analyze_terms("اعلان") == analyze_terms("أعلان")


def test_marks_stay_inside_words_and_the_text_is_not_modified() -> None:
    text = "أَمَانِي، شَهادةٌ!"
    before = str(text)
    tokens = analyze(text)
    assert [text[t.start:t.end] for t in tokens] == ["أَمَانِي", "شَهادةٌ"]
    assert text == before


def test_tokenizer_keeps_word_internal_punctuation_like_uax29() -> None:
    assert analyze_terms("U.S.A. don't 3,000.5 foo_bar, end.") == [
        "u.s.a", "don't", "3,000.5", "foo_bar", "end"]


def test_prefix_normalisation_does_not_stem() -> None:
    assert normalize_prefix("الشهادة") == "الشهاده"
    assert normalize_prefix("٢٠") == "20"


def test_token_json_has_the_elasticsearch_analyze_shape() -> None:
    assert analyze("الكتاب")[0].to_json() == {
        "token": "كتاب", "start_offset": 0, "end_offset": 6, "type": "<ALPHANUM>",
        "position": 0}


def test_stop_word_list_is_lucenes() -> None:
    words = stopwords()
    assert len(words) == 119
    assert {"من", "في", "الذين", "إلى", "جميع", "الآن"} <= words


def test_analysis_counts_positions_past_trailing_stop_words() -> None:
    # what Tantivy receives: terms at their positions; the bridge to the next segment
    # continues after the stop words a segment ends with
    tokens, positions = analysis("أَمَانِي من ابني في")
    assert [(t.text, t.position) for t in tokens] == [("امان", 0), ("ابن", 2)]
    assert positions == 4
    assert analysis("من في") == ([], 2)


def test_lone_underscore_is_no_token_and_decimal_separator_joins_digits() -> None:
    # as Lucene's StandardTokenizer (UAX #29: U+066B is Numeric, "_" needs a letter/digit)
    assert analyze_terms("_ __a a_ foo_bar") == ["__a", "a_", "foo_bar"]
    assert analyze_terms("١٫٢ و٣") == ["1٫2", "و3"]


def test_token_types_follow_lucene() -> None:
    assert [t.type for t in analyze("كتاب ١٢٣ 3,5 abc1 漢")] == [
        "<ALPHANUM>", "<NUM>", "<NUM>", "<ALPHANUM>", "<IDEOGRAPHIC>"]


INDEXING_SAMPLES = [
    "أَمَانِي من ابني في", "من في", "", "_ __a a_ foo_bar", "١٫٢ و٣ 3.5 U.S. don't",
    "ـ ابن ـ", "كلمة، كلمة. وكتب: نعم", "ً_ابن ًكتب", "漢字 ひらがな كتاب 𝐀𝐁 x",
    "ا" * 600 + " من الكتاب", "والكتابات بالمدرسة للطلاب و فالمسلمون",
    # whitespace of every kind between pieces, lone punctuation, pieces of several words
    "كلمة\tكلمة\nمن\u00a0في  x\u3000y\u2028z", "، . - كتب ، ؟", "a.b.c. 1,2 x:y ١٬٢ a-b-c",
    " \u064eكتب ـ\u064e _ك ©كتاب",
]


def test_index_terms_are_analysis_terms_at_their_positions() -> None:
    # the indexing path (one findall, a cache per word) against the full analysis
    from index.arabic import GAP, index_terms

    for text in INDEXING_SAMPLES:
        tokens, positions = analysis(text)
        expected = [GAP] * positions
        for token in tokens:
            expected[token.position] = token.text
        assert index_terms(text) == expected, text
        assert index_terms(text) == expected, text  # again, from the cache


def test_bridge_strings_are_bridge_terms() -> None:
    from index.arabic import GAP, index_terms
    from index.highlight import bridge_strings, bridge_terms

    def spelled(pairs: list[tuple[int, str]]) -> str:
        out = [GAP] * (max(p for p, _ in pairs) + 1)
        for position, term in pairs:
            out[position] = term
        return " ".join(out)

    texts = INDEXING_SAMPLES + ["في " + " ".join(f"كلمة{i}" for i in range(12)) + " من في"]
    for text in texts:
        for following in texts:
            tokens, positions = analysis(text)
            expected = bridge_terms(tokens, positions, analysis(following)[0])
            got = bridge_strings(index_terms(text), index_terms(following))
            if expected is None:
                assert got is None, (text, following)
            else:
                assert got == (spelled(expected[0]), spelled(expected[1])), (text, following)


def test_no_word_holds_whitespace_or_gap() -> None:
    # index_terms splits a text at whitespace (str.split) and analyses each piece alone:
    # right only if no word can hold, or look across, a character it splits on
    import json

    from index.arabic import _OTHER, GAP, _kind

    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) > 20
    assert {_kind(ch) for ch in spaces} == {_OTHER}
    # GAP marks an empty position: never in a word, no whitespace, written by JSON as it is
    assert _kind(GAP) == _OTHER and not GAP.isspace() and GAP not in "".join(spaces)
    assert json.dumps(GAP, ensure_ascii=False) == f'"{GAP}"'


def test_no_term_holds_a_character_json_escapes() -> None:
    # the analysis workers write terms into JSON between quotes without the escaper
    # (index.analysis_pool.segment_docs_json): right only if no term can hold a quote, a
    # backslash or a control character; index.arabic records any term that would
    import json

    from index import arabic
    from index.arabic import _JSON_ESCAPED, _OTHER, _kind, index_terms, terms_need_json_escapes

    escaped = {chr(c) for c in range(0x110000)
               if json.dumps(chr(c), ensure_ascii=False) != f'"{chr(c)}"'}
    assert escaped == {'"', "\\"} | {chr(c) for c in range(0x20)}
    assert all(_JSON_ESCAPED.fullmatch(ch) for ch in escaped)
    assert not _JSON_ESCAPED.search("".join(chr(c) for c in range(0x20, 0x800)
                                            if chr(c) not in escaped))
    assert {_kind(ch) for ch in escaped} == {_OTHER}  # never part of a word
    # what the analysis makes of any other character (lowercase, digits, normalise, stem)
    # holds none either
    for code in range(0x110000):
        ch = chr(code)
        if _kind(ch) == _OTHER or 0xD800 <= code < 0xE000:
            continue
        for step in (arabic.lowercase(ch), arabic.fold_digits(arabic.lowercase(ch)),
                     arabic.normalize_prefix(ch), arabic.stem(arabic.normalize_prefix(ch))):
            assert not _JSON_ESCAPED.search(step), hex(code)
    text = 'قال "الحق" \\ و\\ا \x01ب\x1f"ج" a"b c\\d \x7fد'
    terms = index_terms(text)
    assert terms and not any(_JSON_ESCAPED.search(t) for t in terms)
    assert not terms_need_json_escapes()


def test_word_break_data_is_a_fresh_scan_of_unicodedata() -> None:
    # index.word_break_data saves the scan at each start; it must be what the scan gives
    # (if Python's Unicode database changed: index.arabic.write_word_break_data())
    import unicodedata

    from index.arabic import scan_word_break_kinds
    from index.word_break_data import KINDS, UNIDATA_VERSION

    assert unicodedata.unidata_version == UNIDATA_VERSION
    assert scan_word_break_kinds() == KINDS
