"""The machine's error rate on the organisation's own speech: verified ranges as references.

Every verified corrected range (``review.corrections.verified_ranges``: the newest verified
version of each range; two people agreed on what was said) is a reference transcript. For
each one, every ASR transcript of the same broadcast is scored against it
(``transcribe.evaluation.score``: jiwer WER and CER after the Arabic normalisation described
there and in docs/cli.md):

- the transcript the range was corrected on: its machine text of those segments, as kept on
  the correction (``Correction.machine_text``; segments are never changed);
- any other ASR transcript of the broadcast (another model, ``raqib retranscribe``): its
  words whose middle falls inside the range's time (``start``..``end``), or, for a segment
  without word timings, the segments whose middle does. So a new model is scored on the
  very stretches people verified, before anyone switches to it.

``evaluate`` gives one ``RangeScore`` per (range, transcript); ``summarise`` adds them up by
outlet, model, period (the broadcast's air day, else its discovery day, by ``month`` or ISO
``week``) and outlet × period, always as total errors over total reference words
(characters for CER), never an average of rates. ``same_ranges`` keeps only the ranges
every named model covers, so models are compared on identical references.
Used by ``raqib eval-asr --verified`` and the dashboard chart (``review_ui.charts``). To add
a grouping: a key function in ``GROUPS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from catalog.aired import AirDate
from catalog.models import Broadcast, Correction, Segment, Transcript
from review.corrections import verified_ranges
from transcribe.evaluation import EmptyReference, Score, score


@dataclass
class RangeScore:
    """One verified range scored for one transcript."""

    correction: int
    broadcast: int
    outlet: str
    transcript: int
    engine: str
    model: str
    day: dt.date
    start: float
    end: float
    own: bool  # the transcript the range was corrected on
    reference: str
    hypothesis: str
    score: Score

    def period(self, by: str) -> str:
        if by == "week":
            year, week, _ = self.day.isocalendar()
            return f"{year}-W{week:02d}"
        return self.day.strftime("%Y-%m")

    def to_json(self) -> dict[str, Any]:
        return {"correction": self.correction, "broadcast": self.broadcast,
                "outlet": self.outlet, "transcript": self.transcript,
                "engine": self.engine, "model": self.model, "day": self.day.isoformat(),
                "start": round(self.start, 3), "end": round(self.end, 3), "own": self.own,
                **self.score.to_json(), "reference": self.reference,
                "hypothesis": self.hypothesis}


def _day(broadcast: Broadcast) -> dt.date:
    day = AirDate.of(broadcast).day()
    return day or broadcast.discovered_at.date()


def _mid(start: float, end: float) -> float:
    return (float(start) + float(end)) / 2


def text_in_range(segments: Iterable[Segment], start: float, end: float) -> str:
    """The words of ``segments`` whose middle lies in ``start``..``end`` (a segment without
    word timings: the whole segment when its middle does)."""
    out: list[str] = []
    for seg in segments:
        if seg.words:
            out.extend(str(w.get("word", "")).strip() for w in seg.words
                       if isinstance(w, dict) and start <= _mid(w.get("start", 0),
                                                                w.get("end", 0)) <= end)
        elif start <= _mid(seg.start, seg.end) <= end:
            out.append(seg.text.strip())
    return " ".join(w for w in out if w)


def evaluate(outlet: str | None = None, models: Iterable[str] = (),
             since: dt.date | None = None, until: dt.date | None = None) -> list[RangeScore]:
    """Every verified range scored against every ASR transcript of its broadcast (only the
    ``models`` named, when given), newest day last."""
    wanted = set(models)
    ranges = verified_ranges().select_related("broadcast__outlet")
    if outlet:
        ranges = ranges.filter(broadcast__outlet__name=outlet)
    rows: list[RangeScore] = []
    transcripts: dict[int, list[Transcript]] = {}
    for c in ranges.order_by("broadcast_id", "start", "id"):
        day = _day(c.broadcast)
        if (since and day < since) or (until and day > until):
            continue
        if c.broadcast_id not in transcripts:
            transcripts[c.broadcast_id] = list(Transcript.objects.filter(
                broadcast_id=c.broadcast_id, track=Transcript.TRACK_ASR).order_by("id"))
        for transcript in transcripts[c.broadcast_id]:
            if wanted and transcript.model_id not in wanted:
                continue
            row = _score_one(c, transcript, day)
            if row is not None:
                rows.append(row)
    rows.sort(key=lambda r: (r.day, r.broadcast, r.start, r.transcript))
    return rows


def _score_one(c: Correction, transcript: Transcript, day: dt.date) -> RangeScore | None:
    own = transcript.pk == c.transcript_id
    if own:
        hypothesis = c.machine_text
    else:
        near = transcript.segments.filter(start__lt=c.end, end__gt=c.start).order_by("number")
        hypothesis = text_in_range(near, c.start, c.end)
    try:
        got = score(c.text, hypothesis)
    except EmptyReference:
        return None  # a range corrected to nothing but punctuation: no words to compare
    return RangeScore(c.pk, c.broadcast_id, c.broadcast.outlet.name, transcript.pk,
                      transcript.engine, transcript.model_id, day, c.start, c.end, own,
                      c.text, hypothesis, got)


def same_ranges(rows: list[RangeScore], models: Iterable[str]) -> list[RangeScore]:
    """Only the rows of ranges that every one of ``models`` was scored on."""
    wanted = set(models)
    covered: dict[int, set[str]] = {}
    for row in rows:
        covered.setdefault(row.correction, set()).add(row.model)
    return [r for r in rows if wanted <= covered[r.correction]]


GROUPS: dict[str, Callable[[RangeScore, str], str]] = {
    "outlet": lambda r, by: r.outlet,
    "model": lambda r, by: r.model,
    "period": lambda r, by: r.period(by),
    "outlet_period": lambda r, by: f"{r.outlet}\t{r.period(by)}",
    "model_period": lambda r, by: f"{r.model}\t{r.period(by)}",
}


def _total(rows: list[RangeScore]) -> dict[str, Any]:
    total = rows[0].score
    for row in rows[1:]:
        total = total + row.score
    return {"ranges": len({r.correction for r in rows}), **total.to_json()}


def summarise(rows: list[RangeScore], by: str = "month") -> dict[str, Any]:
    """Totals overall and per group (``GROUPS``), periods by ``month`` or ``week``."""
    if by not in ("month", "week"):
        raise ValueError(f"period {by!r}: month or week")
    out: dict[str, Any] = {"period": by, "overall": _total(rows) if rows else {}}
    for name, key in GROUPS.items():
        groups: dict[str, list[RangeScore]] = {}
        for row in rows:
            groups.setdefault(key(row, by), []).append(row)
        entries = []
        for value in sorted(groups):
            parts = value.split("\t")
            label = dict(zip(name.split("_"), parts, strict=True))
            entries.append({**label, **_total(groups[value])})
        out[f"by_{name}"] = entries
    return out


def machine_error_by_outlet(by: str = "month") -> dict[str, Any]:
    """For the dashboard: each outlet's WER per period over the verified ranges, scored on
    the transcript each range was corrected on (the machine text people saw)."""
    rows = [r for r in evaluate() if r.own]
    summary = summarise(rows, by)
    return {"period": by, "overall": summary["overall"],
            "series": summary["by_outlet_period"], "outlets": summary["by_outlet"]}
