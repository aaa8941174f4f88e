"""The hallucination filter: drop segments Whisper invents, keep them aside for review.

Whisper produces text where nobody speaks: over silence and music it writes the subtitle
credits and channel outros it saw in training ("ترجمة نانسي قنقر", "اشتركوا في القناة"),
loops on one phrase, or repeats a segment back to back. ``filter_segments`` sorts a
transcript's segments into kept and dropped ``(segment, reason)`` pairs; the dropped ones
are stored as ``DroppedSegment`` rows so a reviewer can always see what was removed.

Rules, in order (the first that matches gives the reason):

* ``empty``: no text at all.
* ``subtitle credit``: the segment is (almost only) a known credit or outro from ``CREDITS``.
  Matching is done on an Arabic-normalised copy (diacritics, tatweel, alef/yeh/teh-marbuta
  variants and punctuation folded); at most ``MAX_EXTRA_WORDS`` other words may surround it,
  so a real sentence that merely contains such words is never dropped.
* ``generic phrase over silence``: a phrase from ``GENERIC`` ("شكرا للمشاهدة", "سبحان الله",
  "موسيقى") that people also really say, dropped only when the decoder itself doubts
  speech (``no_speech_prob`` > 0.5 or ``avg_logprob`` < -0.8).
* ``repetition``: an n-gram (1-5 words) repeated back to back at least ``MIN_REPEATS`` times
  (``MIN_REPEATS_UNIGRAM`` for a single word), or a compression ratio above 2.4 on a
  segment of ``MIN_RATIO_CHARS`` characters or more (Whisper's own loop signal).
* ``text over silence``: ``no_speech_prob`` > 0.6 and ``avg_logprob`` < -1.0.
* ``repeated segment``: the same normalised text as the previous kept segment, when it has
  at least ``MIN_DUPLICATE_WORDS`` words (short answers such as "نعم" are really repeated).

The stored text is never changed; normalisation is only used to compare. To extend: add a
phrase to ``CREDITS`` or ``GENERIC`` (in any spelling; it is normalised the same way), or a
rule function to ``_RULES``.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import replace

from transcribe.base import SegmentResult, TranscriptionResult

FILTER_VERSION = "1"
MAX_EXTRA_WORDS = 2
MIN_REPEATS = 4
MIN_REPEATS_UNIGRAM = 6
MAX_NGRAM = 5
COMPRESSION_RATIO = 2.4
MIN_RATIO_CHARS = 60
NO_SPEECH_SILENCE, LOGPROB_SILENCE = 0.6, -1.0
NO_SPEECH_GENERIC, LOGPROB_GENERIC = 0.5, -0.8
MIN_DUPLICATE_WORDS = 3

# Credits and outros Whisper copies from subtitled training videos; never said on air in a
# broadcast segment of their own.
CREDITS = (
    "ترجمة نانسي قنقر", "نانسي قنقر", "ترجمة نانسي", "ترجمة وتدقيق", "تدقيق لغوي",
    "ترجمة من قبل المجتمع", "تمت الترجمة بواسطة", "الترجمة بواسطة", "سترجمة",
    "اشتركوا في القناة", "اشترك في القناة", "اشتركوا في قناتنا", "اشترك في قناتي",
    "لا تنسوا الاشتراك في القناة", "لا تنسى الاشتراك في القناة", "لا تنسوا الاشتراك",
    "لا تنسى الاشتراك", "اشتركوا بالقناة", "اشتركوا في القناة وفعلوا الجرس",
    "Subtitles by the Amara.org community", "Amara.org", "subscribe to the channel",
    "please subscribe", "like and subscribe",
)
# Phrases Whisper also invents over silence and music, but which people really say.
GENERIC = (
    "شكرا للمشاهدة", "شكرا على المشاهدة", "شكرا لكم على المشاهدة", "شكرا لحسن المتابعة",
    "شكرا لكم", "شكرا", "سبحان الله", "سبحان الله وبحمده", "موسيقى", "موسيقي",
    "مع تحياتي", "إلى اللقاء", "Thank you", "Thanks for watching", "Thank you for watching",
    "you", "Music",
)

_FOLD = str.maketrans({
    "\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",
    "\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None, "\u06cc": "\u064a",
    "\u06a9": "\u0643",
})


def normalize(text: str) -> str:
    """An Arabic-folded, punctuation-free, lower-case copy of ``text`` for comparisons."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Mn":  # harakat, shadda, sukun, superscript alef
            continue
        out.append(" " if category[0] in "PSZC" else ch)
    return " ".join("".join(out).split())


def _phrases(items: Iterable[str]) -> list[str]:
    # Longest first, so "ترجمة نانسي قنقر" wins over "نانسي قنقر".
    return sorted({normalize(p) for p in items}, key=len, reverse=True)


_CREDITS = _phrases(CREDITS)
_GENERIC = _phrases(GENERIC)


def _strip_phrases(words: list[str], phrases: list[str]) -> tuple[bool, int]:
    """Remove every occurrence of ``phrases`` (word-aligned); return (found, words left)."""
    text = f" {' '.join(words)} "
    found = False
    for phrase in phrases:
        needle = f" {phrase} "
        while needle in text:
            found = True
            text = text.replace(needle, " ")
    return found, len(text.split())


def compression_ratio(text: str) -> float:
    """Whisper's loop signal: UTF-8 bytes over zlib-compressed bytes."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def longest_run(words: list[str]) -> tuple[int, int]:
    """The most back-to-back repeats of any n-gram (n=1..MAX_NGRAM): (repeats, n)."""
    best = (1, 1)
    for n in range(1, MAX_NGRAM + 1):
        for start in range(0, len(words) - n + 1):
            gram, count, i = words[start:start + n], 1, start + n
            while words[i:i + n] == gram:
                count, i = count + 1, i + n
            if count > best[0]:
                best = (count, n)
    return best


def _credit(seg: SegmentResult, words: list[str]) -> str | None:
    found, left = _strip_phrases(words, _CREDITS)
    return "subtitle credit" if found and left <= MAX_EXTRA_WORDS else None


def _doubtful(seg: SegmentResult) -> bool:
    return ((seg.no_speech_prob is not None and seg.no_speech_prob > NO_SPEECH_GENERIC)
            or (seg.avg_logprob is not None and seg.avg_logprob < LOGPROB_GENERIC))


def _generic(seg: SegmentResult, words: list[str]) -> str | None:
    found, left = _strip_phrases(words, _GENERIC)
    if found and left <= MAX_EXTRA_WORDS and _doubtful(seg):
        return "generic phrase over silence"
    return None


def _repetition(seg: SegmentResult, words: list[str]) -> str | None:
    repeats, n = longest_run(words)
    if repeats >= (MIN_REPEATS_UNIGRAM if n == 1 else MIN_REPEATS):
        return "repetition"
    text = seg.text.strip()
    ratio = seg.compression_ratio if seg.compression_ratio is not None \
        else compression_ratio(text)
    if len(text) >= MIN_RATIO_CHARS and ratio > COMPRESSION_RATIO:
        return "repetition"
    return None


def _silence(seg: SegmentResult, words: list[str]) -> str | None:
    if (seg.no_speech_prob is not None and seg.avg_logprob is not None
            and seg.no_speech_prob > NO_SPEECH_SILENCE and seg.avg_logprob < LOGPROB_SILENCE):
        return "text over silence"
    return None


_RULES = (_credit, _generic, _repetition, _silence)


def classify(seg: SegmentResult, previous: SegmentResult | None = None) -> str | None:
    """The reason to drop ``seg`` (None: keep it); ``previous`` is the last kept segment."""
    words = normalize(seg.text).split()
    if not words:
        return "empty"
    for rule in _RULES:
        reason = rule(seg, words)
        if reason:
            return reason
    if (previous is not None and len(words) >= MIN_DUPLICATE_WORDS
            and normalize(previous.text).split() == words):
        return "repeated segment"
    return None


def filter_segments(segments: Iterable[SegmentResult]
                    ) -> tuple[list[SegmentResult], list[tuple[SegmentResult, str]]]:
    """Split ``segments`` into kept ones and dropped ``(segment, reason)`` pairs, in order."""
    kept: list[SegmentResult] = []
    dropped: list[tuple[SegmentResult, str]] = []
    for seg in segments:
        reason = classify(seg, kept[-1] if kept else None)
        if reason:
            dropped.append((seg, reason))
        else:
            kept.append(seg)
    return kept, dropped


def apply_filter(result: TranscriptionResult) -> TranscriptionResult:
    """A copy of ``result`` with hallucinations moved from ``segments`` to ``dropped``."""
    kept, dropped = filter_segments(result.segments)
    params = {**result.params, "hallucination_filter": FILTER_VERSION}
    return replace(result, segments=kept, dropped=[*result.dropped, *dropped], params=params)

