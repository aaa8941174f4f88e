"""Arabic text analysis that reproduces Elasticsearch's built-in ``arabic`` analyzer.

The chain is Lucene's ``ArabicAnalyzer``: standard tokenizer → lowercase → decimal digits
→ Arabic stop words (matched before normalisation, leaving position gaps) →
``ArabicNormalizer`` → ``ArabicStemmer``. Both search backends rely on it agreeing with
Elasticsearch, so the normaliser and the stemmer follow Lucene's Java source line by line
(see ``tests/index/test_arabic.py`` for Lucene's own test cases).

Known approximations, all outside Arabic text: the tokenizer is a compact take on Unicode
word segmentation (UAX #29: letters, digits and joiners, with marks kept inside words),
emits CJK ideographs and hiragana one character per token, skips emoji, and counts offsets
in code points where Lucene counts UTF-16 units (identical for Arabic). A token that
normalises to nothing (a run of tatweel) is dropped but keeps its position.

The original text is never modified: tokens carry offsets into it. To extend: change the
stop-word list in ``arabic_stopwords.py``, or add a step in ``analyze`` in Lucene's order.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from index.arabic_stopwords import STOPWORDS

MAX_TOKEN_LENGTH = 255  # Elasticsearch's standard tokenizer default

_LETTER, _NUM, _EXT, _MARK, _IDEO, _MIDLETTER, _MIDNUM, _MIDNUMLET, _OTHER = range(9)
_MIDLETTER_CHARS = frozenset(":\u00b7\u0387\u05f4\u2027\ufe13\ufe55\uff1a")
_MIDNUMLET_CHARS = frozenset(".'\u2018\u2019\u2024\ufe52\uff07\uff0e")
_MIDNUM_CHARS = frozenset(",;\u037e\u0589\u060c\u060d\u066c\u07f8\u2044\ufe10\ufe14"
                          "\ufe50\ufe54\uff0c\uff1b")

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


@dataclass(frozen=True)
class Token:
    text: str  # the analysed term
    position: int
    start: int  # offsets into the original text
    end: int

    def to_json(self) -> dict[str, object]:
        """The shape of one token in Elasticsearch's ``_analyze`` response."""
        return {"token": self.text, "start_offset": self.start, "end_offset": self.end,
                "type": "<ALPHANUM>", "position": self.position}


def stopwords() -> frozenset[str]:
    """Lucene's default Arabic stop words (not normalised: compared before normalisation)."""
    return STOPWORDS


@lru_cache(maxsize=4096)
def _kind(ch: str) -> int:
    cat = unicodedata.category(ch)
    code = ord(ch)
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3040 <= code <= 0x309F:
        return _IDEO
    if cat[0] == "L":
        return _LETTER
    if cat == "Nd":
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


def _skip_marks(text: str, i: int) -> int:
    while i < len(text) and _kind(text[i]) == _MARK:
        i += 1
    return i


def _joins(last: int, mid: int, nxt: int) -> bool:
    """May ``mid`` stay inside a word between ``last`` and ``nxt`` (UAX #29 WB6/7, WB11/12)?"""
    if last == _LETTER and nxt == _LETTER:
        return mid in (_MIDLETTER, _MIDNUMLET)
    if last == _NUM and nxt == _NUM:
        return mid in (_MIDNUM, _MIDNUMLET)
    return False


def _word_end(text: str, i: int, last: int) -> int:
    while i < len(text):
        kind = _kind(text[i])
        if kind == _MARK:
            i += 1
        elif kind in (_LETTER, _NUM, _EXT):
            last, i = kind, i + 1
        elif kind in (_MIDLETTER, _MIDNUM, _MIDNUMLET):
            j = _skip_marks(text, i + 1)
            if j < len(text) and _joins(last, kind, _kind(text[j])):
                i = j
            else:
                break
        else:
            break
    return i


def tokenize(text: str) -> list[tuple[int, int]]:
    """Word spans (start, end) of ``text``, like Lucene's StandardTokenizer."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        kind = _kind(text[i])
        if kind == _IDEO:
            end = _skip_marks(text, i + 1)
        elif kind in (_LETTER, _NUM, _EXT):
            end = _word_end(text, i + 1, kind)
        else:
            i += 1
            continue
        # Lucene splits an over-long token into max-length pieces rather than dropping it.
        spans.extend((s, min(s + MAX_TOKEN_LENGTH, end))
                     for s in range(i, end, MAX_TOKEN_LENGTH))
        i = end
    return spans


def _lower_char(ch: str) -> str:
    low = ch.lower()
    # Java's Character.toLowerCase maps one code point to one; Python's special casing
    # (U+0130 → "i̇") does not, so keep the simple mapping.
    return low if len(low) == 1 else low[0]


def lowercase(term: str) -> str:
    return "".join(_lower_char(ch) for ch in term)


def fold_digits(term: str) -> str:
    """Lucene's DecimalDigitFilter: any Unicode decimal digit (٠-٩, ۰-۹, ...) → 0-9."""
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
                   for ch in term)


def normalize(term: str) -> str:
    """Lucene's ArabicNormalizer."""
    return term.translate(_NORMALIZE)


def stem(term: str) -> str:
    """Lucene's ArabicStemmer (light stemming: one prefix, then suffixes)."""
    for prefix in _PREFIXES:
        # the one-letter wa- prefix needs a word of 4+; the others leave at least 2 letters
        minimum = 4 if len(prefix) == 1 else len(prefix) + 2
        if len(term) >= minimum and term.startswith(prefix):
            term = term[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if len(term) >= len(suffix) + 2 and term.endswith(suffix):
            term = term[: -len(suffix)]
    return term


def normalize_prefix(text: str) -> str:
    """What Lucene's ArabicAnalyzer.normalize does to a prefix/wildcard term: lowercase,
    digits and Arabic normalisation, without stop words or stemming."""
    return normalize(fold_digits(lowercase(text)))


def analyze(text: str) -> list[Token]:
    """Tokens of ``text`` as Elasticsearch's ``arabic`` analyzer emits them."""
    tokens: list[Token] = []
    stops = stopwords()
    for position, (start, end) in enumerate(tokenize(text)):
        term = fold_digits(lowercase(text[start:end]))
        if term in stops:
            continue  # the gap in positions is kept, as Lucene's StopFilter does
        term = stem(normalize(term))
        if term:
            tokens.append(Token(term, position, start, end))
    return tokens


def analyze_terms(text: str) -> list[str]:
    """Just the analysed terms of ``text``, in order."""
    return [t.text for t in analyze(text)]
