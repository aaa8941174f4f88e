"""Where the machine was unsure: low-confidence words and the "needs listening" list.

Both engines keep, for every segment, its words with their times and probabilities
(``Segment.words``: ``[{"start", "end", "word", "p"}, ...]``, written by
``raqib.transcription.store_transcript``). A word whose probability is below the
``transcribe.low_confidence`` threshold (default 0.5) is *unsure*: the transcript view marks
it (``segment_words``) and ``needs_listening`` lists the ranges a reviewer should listen to
first, most unsure first.

A range is a run of consecutive segments that each hold at least one unsure word (a
segment without word timings counts as unsure when ``exp(avg_logprob)`` is below the
threshold). Its *sureness* is the mean probability of its words (the lower, the earlier it
is listed); ties go to more unsure words, then to the earlier range. To rank differently,
change ``_rank`` (and the sentence about it in docs/configuration.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Word:
    """One word as shown: its text, its probability (None: not known) and whether the
    machine was unsure of it."""

    text: str
    p: float | None
    unsure: bool


@dataclass
class ListeningRange:
    """Consecutive segments holding unsure words, to be listened to."""

    start: float
    end: float
    first_segment: int
    last_segment: int
    words: int = 0
    unsure_words: int = 0
    sureness: float = 1.0  # mean word probability over the range
    lowest: float = 1.0  # the least sure word's probability
    text: str = ""
    unsure: list[str] = field(default_factory=list)  # the unsure words, in order

    @property
    def sureness_percent(self) -> int:
        return round(self.sureness * 100)

    def to_json(self) -> dict[str, Any]:
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "segments": [self.first_segment, self.last_segment],
                "words": self.words, "unsure_words": self.unsure_words,
                "sureness": round(self.sureness, 4), "lowest": round(self.lowest, 4),
                "unsure": self.unsure, "text": self.text}


def _probability(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def segment_words(words: Iterable[dict[str, Any]] | None, text: str,
                  threshold: float = DEFAULT_THRESHOLD) -> list[Word]:
    """The segment's words, each marked unsure or not; its ``text`` as one unmarked word
    when the engine kept no word timings."""
    if not words:
        return [Word(text, None, False)] if text else []
    out = []
    for item in words:
        if not isinstance(item, dict):
            continue
        word = str(item.get("word") or "").strip()
        if not word:
            continue
        p = _probability(item.get("p"))
        out.append(Word(word, p, p is not None and p < threshold))
    return out or ([Word(text, None, False)] if text else [])


def _segment_probabilities(segment: Any) -> list[float]:
    words = segment.words or []
    found = [p for p in (_probability(w.get("p")) for w in words if isinstance(w, dict))
             if p is not None]
    if found:
        return found
    logprob = _probability(segment.avg_logprob)
    return [math.exp(logprob)] if logprob is not None else []


def _rank(item: ListeningRange) -> tuple[float, int, float]:
    return (item.sureness, -item.unsure_words, item.start)


def needs_listening(segments: Iterable[Any], threshold: float = DEFAULT_THRESHOLD,
                    limit: int | None = None) -> list[ListeningRange]:
    """The ranges of ``segments`` (Segment rows, in order) holding unsure words, most
    unsure first (see the module docstring); at most ``limit`` of them."""
    ranges: list[ListeningRange] = []
    current: ListeningRange | None = None
    probabilities: list[float] = []
    texts: list[str] = []

    def close() -> None:
        if current is not None:
            current.sureness = sum(probabilities) / len(probabilities)
            current.lowest = min(probabilities)
            current.text = " ".join(texts)
            ranges.append(current)

    previous = None
    for segment in segments:
        found = _segment_probabilities(segment)
        unsure = [p for p in found if p < threshold]
        if not unsure:
            close()
            current, probabilities, texts = None, [], []
            previous = segment.number
            continue
        if current is None or previous is None or segment.number != previous + 1:
            close()
            current = ListeningRange(segment.start, segment.end, segment.number,
                                     segment.number)
            probabilities, texts = [], []
        current.end = max(current.end, segment.end)
        current.last_segment = segment.number
        current.words += len(found)
        current.unsure_words += len(unsure)
        current.unsure.extend(w.text for w in segment_words(segment.words, "", threshold)
                              if w.unsure)
        probabilities.extend(found)
        texts.append(segment.text)
        previous = segment.number
    close()
    ranges.sort(key=_rank)
    return ranges if limit is None else ranges[:limit]
