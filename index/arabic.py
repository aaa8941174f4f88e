"""Arabic text analysis that reproduces Elasticsearch's built-in ``arabic`` analyzer.

The chain is Lucene's ``ArabicAnalyzer``: standard tokenizer → lowercase → decimal digits
→ Arabic stop words (matched before normalisation, leaving position gaps) →
``ArabicNormalizer`` → ``ArabicStemmer``. Both search backends are fed by it (Tantivy
receives its terms and positions as pre-tokenized text; Elasticsearch runs the same chain
itself), so the normaliser and the stemmer follow Lucene's Java source line by line
(``tests/index/test_arabic.py`` holds Lucene's own test cases, and
``tests/index/test_lucene_differential.py`` runs the real Lucene over real Arabic text).

Speed: the tokenizer is one compiled regular expression whose character classes are built
once from ``unicodedata``'s word-break classes, saved in ``index.word_break_data`` (the
first call takes about 0.06 s, the full pattern 0.03 s more when a text first needs it;
scanning ``unicodedata`` took 0.1 s more at each start), and the analysis of a word
(lowercase, digits, stop word, normalise, stem) is cached by its raw text, so a word is
analysed once however often it is spoken (``benchmarks/search_scale.py`` measures tokens/s).

Emoji: symbols such as ``©``, ``☰`` or ``⏲`` are ``<EMOJI>`` tokens as in Lucene (its
tables in ``index.emoji_data``; joiners, skin tones, flags and keycaps as its grammar does).

Known differences from Lucene 8 (the differential test names each and excludes only these):
a token that normalises to nothing (a lone tatweel) is dropped here but keeps its position, where
Lucene indexes an empty term; offsets count code points where Lucene counts UTF-16 units
(identical for Arabic); CJK ideographs and hiragana are one token per character; scripts
Lucene types apart (Hangul, Katakana, South-East Asian), letters assigned after Unicode 9
and alphabetic symbols such as circled letters (``Ⓐ``) are not Lucene's (none in Arabic
broadcasts; the code-point test checks emoji only).

The original text is never modified: tokens carry offsets into it. To extend: change the
stop-word list in ``arabic_stopwords.py``, or add a step in ``_analyse_word`` in Lucene's
order (and clear nothing: the cache lives for the process).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from index.arabic_stopwords import STOPWORDS
from index.emoji_data import EMOJI, MODIFIER_BASES

MAX_TOKEN_LENGTH = 255  # Elasticsearch's standard tokenizer default

_LETTER, _NUM, _EXT, _MARK, _IDEO, _MIDLETTER, _MIDNUM, _MIDNUMLET, _OTHER, _EMOJI = range(10)
_MIDLETTER_CHARS = frozenset(":\u00b7\u0387\u05f4\u2027\ufe13\ufe55\uff1a")
_MIDNUMLET_CHARS = frozenset(".'\u2018\u2019\u2024\ufe52\uff07\uff0e")
_MIDNUM_CHARS = frozenset(",;\u037e\u0589\u060c\u060d\u066c\u07f8\u2044\ufe10\ufe14"
                          "\ufe50\ufe54\uff0c\uff1b")
# UAX #29 gives U+066B ARABIC DECIMAL SEPARATOR the Numeric word-break property: Lucene
# keeps "١٫٢" as one token (and a lone "٫" as a <NUM> token).
_NUMERIC_PUNCTUATION = frozenset("\u066b")
# Lucene's emoji characters (index.emoji_data). U+2139 INFORMATION SOURCE is a letter too:
# alone it is an <EMOJI> token, beside letters part of a word (the longer match wins).
_EMOJI_CODES = frozenset(c for first, last in EMOJI for c in range(first, last + 1))
_LETTER_EMOJI = "\u2139"
_ZWJ, _VS16, _KEYCAP = "\u200d", "\ufe0f", "\u20e3"

# ArabicNormalizer (Lucene): hamza-seated alefs → alef, alef maksura → yeh, teh marbuta → heh,
# and tatweel plus FATHATAN..SUKUN deleted. U+0670 (superscript alef) is NOT touched.
_NORMALIZE = str.maketrans(
    {"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0649": "\u064a",
     "\u0629": "\u0647", "\u0640": None,
     **{chr(c): None for c in range(0x064B, 0x0653)}})

# ArabicStemmer (Lucene): prefixes tried in order, the first that fits is removed; then every
# suffix is tried in order against the shrinking word (no early exit, as in Lucene).
_PREFIXES = ("\u0627\u0644", "\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0643\u0627\u0644",
             "\u0641\u0627\u0644", "\u0644\u0644", "\u0648")
_SUFFIXES = ("\u0647\u0627", "\u0627\u0646", "\u0627\u062a", "\u0648\u0646", "\u064a\u0646",
             "\u064a\u0647", "\u064a\u0629", "\u0647", "\u0629", "\u064a")


class Token(NamedTuple):
    text: str  # the analysed term
    position: int
    start: int  # offsets into the original text
    end: int
    type: str = "<ALPHANUM>"  # Lucene's token type: <ALPHANUM>, <NUM>, <IDEOGRAPHIC>, ...

    def to_json(self) -> dict[str, object]:
        """The shape of one token in Elasticsearch's ``_analyze`` response."""
        return {"token": self.text, "start_offset": self.start, "end_offset": self.end,
                "type": self.type, "position": self.position}


def stopwords() -> frozenset[str]:
    """Lucene's default Arabic stop words (not normalised: compared before normalisation)."""
    return STOPWORDS


def _kind(ch: str) -> int:
    """The word-break class of one character (the source of the tokenizer's classes)."""
    cat = unicodedata.category(ch)
    code = ord(ch)
    if code in _EMOJI_CODES and ch != _LETTER_EMOJI:
        return _EMOJI
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3040 <= code <= 0x309F:
        return _IDEO
    if cat[0] == "L":
        return _LETTER
    if cat == "Nd" or ch in _NUMERIC_PUNCTUATION:
        return _NUM
    if cat[0] == "M" or cat == "Cf":
        return _MARK  # Extend/Format: attach to the preceding character (UAX #29 WB4)
    if cat == "Pc":
        return _EXT
    if ch in _MIDLETTER_CHARS:
        return _MIDLETTER
    if ch in _MIDNUMLET_CHARS:
        return _MIDNUMLET
    if ch in _MIDNUM_CHARS:
        return _MIDNUM
    return _OTHER


def _char_class(codes: list[int]) -> str:
    """A regex character class for sorted code points, as ranges."""
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        first, last = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "[" + "".join(parts) + "]"


class _Regexes:
    """The tokenizer's regular expressions: ``plain`` and ``joins`` compiled at once,
    ``full`` and ``full_words`` (about 0.03 s each to compile) when first used."""

    def __init__(self, full: str, plain: str, runs: str, joins: str) -> None:
        self._full = full
        self.plain = re.compile(plain)  # the same words in text without joins or ideographs
        self.runs = re.compile(runs)  # runs of word characters in such text (≤ 1 word each)
        self.joins = re.compile(joins)  # finds what needs ``full``: an ideograph, a join...

    @functools.cached_property
    def full(self) -> re.Pattern[str]:
        """Every rule (the ``ideo``/``emoji`` groups mark those types)."""
        return re.compile(self._full)

    @functools.cached_property
    def full_words(self) -> re.Pattern[str]:
        """The same without the groups (for findall)."""
        return re.compile(
            self._full.replace("(?P<emoji>", "(?:", 1).replace("(?P<ideo>", "(?:", 1))


# planes 4-13 are unassigned and 15-16 private use (class OTHER): not scanned
_SCANNED = (range(0xD800), range(0xE000, 0x40000), range(0xE0000, 0xE1000))
_KIND_NAMES = {_LETTER: "LETTER", _NUM: "NUM", _EXT: "EXT", _MARK: "MARK", _IDEO: "IDEO",
               _MIDLETTER: "MIDLETTER", _MIDNUM: "MIDNUM", _MIDNUMLET: "MIDNUMLET",
               _EMOJI: "EMOJI"}


def _ranges(codes: list[int]) -> tuple[tuple[int, int], ...]:
    """Sorted code points as inclusive (first, last) ranges."""
    out: list[tuple[int, int]] = []
    for code in codes:
        if out and out[-1][1] == code - 1:
            out[-1] = (out[-1][0], code)
        else:
            out.append((code, code))
    return tuple(out)


def scan_word_break_kinds() -> dict[str, tuple[tuple[int, int], ...]]:
    """The code points of each word-break class but OTHER (``_kind`` of every scanned code
    point: about 0.1 s), as ranges: what ``index.word_break_data`` holds."""
    by_kind: dict[int, list[int]] = {k: [] for k in _KIND_NAMES}
    for scanned in _SCANNED:
        for code in scanned:
            kind = _kind(chr(code))
            if kind != _OTHER:
                by_kind[kind].append(code)
    return {_KIND_NAMES[k]: _ranges(codes) for k, codes in by_kind.items()}


def write_word_break_data(path: str | None = None) -> None:
    """Write ``index/word_break_data.py`` from ``scan_word_break_kinds`` (run it when
    Python's Unicode database changes: ``tests/index/test_arabic.py`` says so)."""
    import pathlib

    target = pathlib.Path(path or pathlib.Path(__file__).with_name("word_break_data.py"))
    lines = ['"""The tokenizer\'s word-break classes (``index.arabic``), as inclusive code-point',
             "ranges: ``index.arabic._kind`` of every scanned code point, computed once from",
             "Python's Unicode database (version ``UNIDATA_VERSION``) instead of at each start",
             "(about 0.1 s). Generated by ``index.arabic.write_word_break_data()``; do not edit;",
             "``tests/index/test_arabic.py`` checks it against a fresh scan.",
             '"""', "", f'UNIDATA_VERSION = "{unicodedata.unidata_version}"', "", "KINDS = {"]
    for name, ranges in scan_word_break_kinds().items():
        lines.append(f'    "{name}": (')
        lines += [f"        (0x{first:X}, 0x{last:X})," for first, last in ranges]
        lines.append("    ),")
    lines.append("}")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _word_break_kinds() -> dict[int, list[int]]:
    """The code points of each class (from ``index.word_break_data``)."""
    from index.word_break_data import KINDS

    by_kind: dict[int, list[int]] = {k: [] for k in range(10)}
    for kind, name in _KIND_NAMES.items():
        codes = by_kind[kind]
        for first, last in KINDS[name]:
            codes.extend(range(first, last + 1))
    return by_kind


def _build_word_regex() -> _Regexes:
    """UAX #29 word segmentation as Lucene's StandardTokenizer applies it, as one regex.

    A word is letters, digits and connector punctuation (``_``) with marks attached; a
    mid-letter character (``:``, ``'``, ``.``) stays inside between two letters and a
    mid-number one (``,``, ``.``, ``٬``) between two digits (WB6/7, WB11/12). A word needs a
    letter or a digit (a lone ``_`` is no token, as in Lucene). An ideograph is a token of
    its own.

    Speed: most transcript text has no ideograph, no character beyond the BMP and no mid
    character followed by a letter or digit (``،`` and ``.`` end a word before a space).
    There the same words are ``(ext (ext|mark)*)? (letter|digit) (letter|digit|ext|mark)*``
    over BMP classes (``plain``), which ``re`` runs several times faster than the full
    pattern (a class reaching beyond the BMP is a list of ranges that ``re`` scans for every
    character). ``joins`` tells which texts need the full one."""
    by_kind = _word_break_kinds()
    cls = {k: _char_class(v) for k, v in by_kind.items() if v and k not in (_OTHER, _EMOJI)}
    letter, num, ext, mark = cls[_LETTER], cls[_NUM], cls[_EXT], cls[_MARK]
    mid_letter = _char_class(sorted(by_kind[_MIDLETTER] + by_kind[_MIDNUMLET]))
    mid_num = _char_class(sorted(by_kind[_MIDNUM] + by_kind[_MIDNUMLET]))
    letter_chunk = f"{letter}{mark}*(?:{mid_letter}{mark}*(?={letter}))?"
    num_chunk = f"{num}{mark}*(?:{mid_num}{mark}*(?={num}))?"
    ext_chunk = f"{ext}{mark}*"
    word = (f"(?:{ext_chunk})*(?:{letter_chunk}|{num_chunk})"
            f"(?:{letter_chunk}|{num_chunk}|{ext_chunk})*")
    emoji = _emoji_pattern(by_kind, letter, num, mark, mid_num)
    full = f"(?P<emoji>{emoji})|(?P<ideo>{cls[_IDEO]}{mark}*)|{word}"

    def bmp(*kinds: int) -> str:
        return _char_class(sorted(c for k in kinds for c in by_kind[k] if c < 0x10000))

    ln, lnem = bmp(_LETTER, _NUM), bmp(_LETTER, _NUM, _EXT, _MARK)
    plain = f"(?:{bmp(_EXT)}{bmp(_EXT, _MARK)}*)?{ln}{lnem}*"
    # an ideograph, a character beyond the BMP, or a mid character followed (after marks)
    # by a letter or digit
    # ... or an emoji character (or the keycap mark) of the BMP
    joins = (f"{bmp(_IDEO)}|[\U00010000-\U0010ffff]"
             f"|{bmp(_MIDLETTER, _MIDNUMLET, _MIDNUM)}{bmp(_MARK)}*{ln}"
             f"|{bmp(_EMOJI)}|[{_LETTER_EMOJI}{_KEYCAP}]")
    return _Regexes(full, plain, f"{lnem}+", joins)


def _emoji_pattern(by_kind: dict[int, list[int]], letter: str, num: str, mark: str,
                   mid_num: str) -> str:
    """Lucene 8's emoji rules (StandardTokenizer, read off its behaviour; the differential
    test checks them): an emoji character, optionally with U+FE0F, or a modifier base with
    its skin tone; joined by zero-width joiners to the next such unit (a leading joiner is
    part of the token); followed by any marks and joiners (not a second U+FE0F); a pair of
    regional indicators; a keycap (``0-9 # *``, U+FE0F, U+20E3). A keycap on a digit, or
    U+2139 (a letter), loses to a longer word (possessive quantifiers keep the suffix from
    giving way to the look-ahead)."""
    emoji = _char_class(sorted(by_kind[_EMOJI] + [ord(_LETTER_EMOJI)]))
    bases = _char_class([c for first, last in MODIFIER_BASES for c in range(first, last + 1)])
    # marks and format characters other than the joiner and the emoji presentation selector
    ef = _char_class([c for c in by_kind[_MARK] if chr(c) not in (_ZWJ, _VS16)])
    suffix = f"(?:{ef}|{_ZWJ})*+"
    unit = f"(?:{bases}{ef}*[\U0001F3FB-\U0001F3FF]|{emoji}{_VS16}?)"
    word_next = f"(?:{letter}|{num}|{_char_class(by_kind[_EXT])})"
    sequence = (f"(?!{_LETTER_EMOJI}{mark}*(?:{word_next}))"
                f"{_ZWJ}*{unit}(?:{ef}*{_ZWJ}+{unit})*{suffix}")
    regional = f"[\U0001F1E6-\U0001F1FF]{suffix}[\U0001F1E6-\U0001F1FF]{suffix}"
    keycap = (f"[#*]{ef}*{_VS16}?{_KEYCAP}{suffix}"
              f"|[0-9]{ef}*{_VS16}?{_KEYCAP}{suffix}(?!{word_next}|{mid_num}{mark}*{num})")
    return f"{sequence}|{regional}|{keycap}"


_REGEXES: _Regexes | None = None


def _regexes() -> _Regexes:
    global _REGEXES
    if _REGEXES is None:
        _REGEXES = _build_word_regex()
    return _REGEXES


def _word_regex(text: str) -> re.Pattern[str]:
    """The regex that finds the words of ``text`` (the fast one where it gives the same)."""
    found = _regexes()
    return found.full if found.joins.search(text) else found.plain


def _pieces(start: int, end: int) -> list[tuple[int, int]]:
    # Lucene splits an over-long token into max-length pieces rather than dropping it.
    return [(s, min(s + MAX_TOKEN_LENGTH, end)) for s in range(start, end, MAX_TOKEN_LENGTH)]


def tokenize(text: str) -> list[tuple[int, int]]:
    """Word spans (start, end) of ``text``, like Lucene's StandardTokenizer."""
    spans: list[tuple[int, int]] = []
    for match in _word_regex(text).finditer(text):
        start, end = match.span()
        if end - start > MAX_TOKEN_LENGTH:
            spans.extend(_pieces(start, end))
        else:
            spans.append((start, end))
    return spans


def _lower_char(ch: str) -> str:
    low = ch.lower()
    # Java's Character.toLowerCase maps one code point to one; Python's special casing
    # (U+0130 → "i̇") does not, so keep the simple mapping.
    return low if len(low) == 1 else low[0]


def lowercase(term: str) -> str:
    low = term.lower()
    # str.lower applies final-sigma context and may change the length; Java does neither
    if len(low) == len(term) and "\u03a3" not in term:
        return low
    return "".join(_lower_char(ch) for ch in term)


_DECIMAL = re.compile(r"\d")  # a decimal digit (category Nd, as ``str.isdecimal``)


def fold_digits(term: str) -> str:
    """Lucene's DecimalDigitFilter: any Unicode decimal digit (٠-٩, ۰-۹, ...) → 0-9."""
    if term.isascii() or not _DECIMAL.search(term):
        return term
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
                   for ch in term)


def normalize(term: str) -> str:
    """Lucene's ArabicNormalizer."""
    return term.translate(_NORMALIZE)


def stem(term: str) -> str:
    """Lucene's ArabicStemmer (light stemming: one prefix, then suffixes)."""
    if term.startswith(_PREFIXES):  # (one C-level test skips the loop for most words)
        term = _strip_prefix(term)
    if not term.endswith(_SUFFIXES):
        return term
    for suffix in _SUFFIXES:
        if len(term) >= len(suffix) + 2 and term.endswith(suffix):
            term = term[: -len(suffix)]
    return term


def _strip_prefix(term: str) -> str:
    for prefix in _PREFIXES:
        # the one-letter wa- prefix needs a word of 4+; the others leave at least 2 letters
        minimum = 4 if len(prefix) == 1 else len(prefix) + 2
        if len(term) >= minimum and term.startswith(prefix):
            return term[len(prefix):]
    return term


def normalize_prefix(text: str) -> str:
    """What Lucene's ArabicAnalyzer.normalize does to a prefix/wildcard term: lowercase,
    digits and Arabic normalisation, without stop words or stemming."""
    return normalize(fold_digits(lowercase(text)))


def _token_type(raw: str) -> str:
    if raw[0].isalpha() or any(unicodedata.category(ch)[0] == "L" for ch in raw):
        return "<ALPHANUM>"
    return "<NUM>"


_STOP = ("", "")  # cache entry of a stop word: no term, no type
_CACHE_LIMIT = 500_000
_cache: dict[str, tuple[str, str]] = {}


def _analyse_word(raw: str, group: str | None) -> tuple[str, str]:
    """(term, type) of one raw token (``group``: the regex group that matched it, ``ideo``
    or ``emoji``, None for a word), or _STOP for a stop word. Cached by raw text."""
    term = fold_digits(lowercase(raw))
    if term in STOPWORDS:
        entry = _STOP
    elif group == "emoji":
        entry = (stem(normalize(term)), "<EMOJI>")
    else:
        kind = "<IDEOGRAPHIC>" if group == "ideo" else _token_type(raw)
        if kind == "<IDEOGRAPHIC>" and 0x3040 <= ord(raw[0]) <= 0x309F:
            kind = "<HIRAGANA>"
        entry = (stem(normalize(term)), kind)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[raw] = entry
    return entry


def analysis(text: str) -> tuple[list[Token], int]:
    """The tokens of ``text`` and how many positions its words take (stop words included:
    a text ending in stop words takes positions after its last token)."""
    tokens: list[Token] = []
    append = tokens.append
    cache_get = _cache.get
    position = -1
    for match in _word_regex(text).finditer(text):
        raw = match.group()
        start, end = match.span()
        if end - start > MAX_TOKEN_LENGTH:
            for piece_start, piece_end in _pieces(start, end):
                position += 1
                term, kind = _analyse_word(text[piece_start:piece_end], None)
                if term:
                    append(Token(term, position, piece_start, piece_end, kind))
            continue
        position += 1
        entry = cache_get(raw)
        if entry is None:
            entry = _analyse_word(raw, match.lastgroup)
        if entry[0]:
            # a stop word (or a word that normalises to nothing, like a lone tatweel)
            # leaves its position empty, as Lucene's StopFilter does
            append(Token(entry[0], position, start, end, entry[1]))
    return tokens, position + 1


# An empty position (a stop word) in ``index_terms``: never part of a word, no whitespace,
# and a character JSON writes as it is (a control character below U+0020 would take six
# bytes, "\\u0001", in each document the analysis workers send; Tantivy never indexes it).
GAP = "\x7f"
_index_cache: dict[str, str] = {}
_irregular: set[str] = set()  # pieces that are not exactly one position
# A character JSON must escape in a string: a quote, a backslash, a control character. The
# tokenizer never puts one in a word (they are of the class OTHER; ``test_arabic.py``
# checks that the analysis of no other character yields one), so no term should hold one;
# ``_index_term`` records any piece whose terms would (checked once per new piece).
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')
_json_escaped: set[str] = set()


def terms_need_json_escapes() -> bool:
    """Whether any ``index_terms`` of this process so far held a character that JSON must
    escape (never expected: the analysis workers then write every term through the JSON
    encoder's escaper, ``index.analysis_pool.segment_docs_json``)."""
    return bool(_json_escaped)


def _index_term(piece: str) -> str:
    """The term(s) of a piece of text without whitespace, space-separated, GAP for an
    empty position ("" for a piece without a word, such as a lone "،")."""
    found = _regexes()
    if len(piece) <= MAX_TOKEN_LENGTH and not found.joins.search(piece) and (
            found.plain.fullmatch(piece)):  # the usual piece: one word, nothing around it
        value = _analyse_word(piece, None)[0] or GAP
    else:
        terms = []
        for match in _word_regex(piece).finditer(piece):
            start, end = match.span()
            for piece_start, piece_end in _pieces(start, end):  # an over-long word: pieces
                terms.append(_analyse_word(piece[piece_start:piece_end], match.lastgroup)[0]
                             or GAP)
        if len(terms) != 1:  # no word ("،", "_"), several ("a-b") or an over-long one
            _irregular.add(piece)
        value = " ".join(terms)
    if _JSON_ESCAPED.search(value):
        _json_escaped.add(piece)
    if len(_index_cache) >= _CACHE_LIMIT:
        _index_cache.clear()
    _index_cache[piece] = value
    return value


def index_terms(text: str) -> list[str]:
    """The analysed term at each position of ``text``, ``GAP`` where a stop word (or a word
    that normalises to nothing) leaves its position empty: the terms and positions of
    ``analysis(text)`` without offsets or types, for indexing; the search index joins them
    with spaces (``index.tantivy_backend``).

    Speed: no word holds a character on which ``str.split`` splits (every such character
    is of the class OTHER, ``tests/index/test_arabic.py`` checks it, and no rule of the
    tokenizer looks across one), so the words of ``text`` are the words of its
    whitespace-separated pieces in order. ``str.split`` and a cache from a piece (mostly
    one word, perhaps with punctuation) to its term(s) make it mostly dictionary lookups,
    with no regular expression over the text; a piece not seen before is tokenized alone
    (``_index_term``)."""
    pieces = text.split()
    terms = list(map(_index_cache.get, pieces))  # one C-level pass; None where not cached
    if None in terms:
        terms = [_index_term(piece) if term is None else term
                 for term, piece in zip(terms, pieces, strict=True)]
    if _irregular and not _irregular.isdisjoint(pieces):
        return " ".join(terms).split()
    return terms


def analyze(text: str) -> list[Token]:
    """Tokens of ``text`` as Elasticsearch's ``arabic`` analyzer emits them."""
    return analysis(text)[0]


def analyze_terms(text: str) -> list[str]:
    """Just the analysed terms of ``text``, in order."""
    return [t.text for t in analysis(text)[0]]
