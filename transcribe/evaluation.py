"""Word and character error rates of transcripts against references, Arabic-aware.

Used by ``raqib eval-asr`` and ``benchmarks/asr_engines.py``. Before scoring, reference and
hypothesis both go through ``normalize_for_scoring`` (documented in docs/cli.md, eval-asr),
so spelling variants that do not change what was said are not counted as errors:

1. Unicode NFKC (Arabic presentation forms → base letters, compatibility digits);
2. lowercase (Latin text in mixed transcripts);
3. every decimal digit (Arabic-Indic ٠-٩, Persian ۰-۹) → ASCII 0-9;
4. Lucene's Arabic normaliser (``index.arabic.normalize``): أ إ آ → ا, ى → ي, ة → ه,
   tatweel and harakat (U+064B-U+0652) removed; then also ٱ (wasla) → ا and the remaining
   combining marks (superscript alef, hamza above/below, Quranic marks) removed;
5. punctuation and symbols (Arabic ، ؛ ؟ included) → space; whitespace collapsed.

Scores come from jiwer: per file, and overall as total errors / total reference words
(characters for CER), never an average of per-file rates. The stored transcripts are never
changed by this; normalisation is for scoring only. To change the normalisation, edit
``normalize_for_scoring`` and its description in docs/cli.md together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.arabic import fold_digits, lowercase, normalize

_SPACES = re.compile(r"\s+")


def normalize_for_scoring(text: str) -> str:
    """``text`` normalised as described in the module docstring (for scoring only)."""
    text = unicodedata.normalize("NFKC", text)
    text = normalize(fold_digits(lowercase(text))).replace("\u0671", "\u0627")
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn":
            continue
        out.append(" " if cat[0] in "PSZC" else ch)
    return _SPACES.sub(" ", "".join(out)).strip()


@dataclass
class Score:
    """Error counts of one or more transcripts; rates are errors / reference length."""

    ref_words: int
    word_errors: int
    substitutions: int
    deletions: int
    insertions: int
    ref_chars: int
    char_errors: int

    @property
    def wer(self) -> float:
        return self.word_errors / self.ref_words if self.ref_words else 0.0

    @property
    def cer(self) -> float:
        return self.char_errors / self.ref_chars if self.ref_chars else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(self._counts(), other._counts(), strict=True)))

    def _counts(self) -> tuple[int, ...]:
        return (self.ref_words, self.word_errors, self.substitutions, self.deletions,
                self.insertions, self.ref_chars, self.char_errors)

    def to_json(self) -> dict[str, float | int]:
        return {"wer": round(self.wer, 4), "cer": round(self.cer, 4),
                "ref_words": self.ref_words, "substitutions": self.substitutions,
                "deletions": self.deletions, "insertions": self.insertions,
                "ref_chars": self.ref_chars, "char_errors": self.char_errors}


class EmptyReference(ValueError):
    """The reference has no words left after normalisation."""


def score(reference: str, hypothesis: str) -> Score:
    """Score one hypothesis against its reference (both normalised first)."""
    import jiwer

    ref, hyp = normalize_for_scoring(reference), normalize_for_scoring(hypothesis)
    if not ref:
        raise EmptyReference("the reference transcript is empty")
    words = jiwer.process_words(ref, hyp)
    chars = jiwer.process_characters(ref, hyp)
    char_errors = chars.substitutions + chars.deletions + chars.insertions
    return Score(ref_words=len(ref.split()),
                 word_errors=words.substitutions + words.deletions + words.insertions,
                 substitutions=words.substitutions, deletions=words.deletions,
                 insertions=words.insertions, ref_chars=len(ref), char_errors=char_errors)


def character_agreement(a: str, b: str) -> float:
    """1 − CER of ``b`` against ``a`` after normalisation (1.0: identical; may go below 0)."""
    try:
        return 1.0 - score(a, b).cer
    except EmptyReference:
        return 1.0 if not normalize_for_scoring(b) else 0.0
