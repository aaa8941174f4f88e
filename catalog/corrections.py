"""Which version of each corrected range counts: read by search (``index``), which may not
import the review rules, and by ``review.corrections``, which writes the versions.

A corrected range is one transcript's segments ``first_number``..``last_number``; its
versions are ``Correction`` rows. ``latest`` is the current version of each range (not
superseded); ``latest_verified`` the newest verified version of each range (a newer,
unverified version does not hide it). ``range_texts`` gives search what it indexes per
transcript. To change which version counts: change it here, both readers follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from catalog.models import Correction


def latest() -> QuerySet[Correction]:
    """The current version of every corrected range."""
    return Correction.objects.filter(superseded_by__isnull=True)


def latest_verified() -> QuerySet[Correction]:
    """The newest verified version of every corrected range."""
    later = Correction.objects.filter(
        transcript=OuterRef("transcript"), first_number=OuterRef("first_number"),
        last_number=OuterRef("last_number"), verified_at__isnull=False,
        created_at__gt=OuterRef("created_at"))
    return Correction.objects.filter(verified_at__isnull=False).exclude(Exists(later))


@dataclass(frozen=True)
class RangeText:
    """What search holds for one corrected range, on the document of its first segment."""

    first_number: int
    last_number: int
    start: float
    end: float
    corrected: str  # the current version's text
    verified: str  # the newest verified version's text ("" when none is verified)


def range_texts(transcript_ids: list[int]) -> dict[int, dict[int, RangeText]]:
    """{transcript id: {first segment number: RangeText}} (two queries; one, the cheap one,
    when the transcripts have no corrected range, the common case)."""
    current = list(latest().filter(transcript_id__in=transcript_ids))
    if not current:  # no range, so no verified version either
        return {}
    verified = {(c.transcript_id, c.first_number, c.last_number): c.text
                for c in latest_verified().filter(transcript_id__in=transcript_ids)}
    out: dict[int, dict[int, RangeText]] = {}
    for c in current:
        key = (c.transcript_id, c.first_number, c.last_number)
        out.setdefault(c.transcript_id, {})[c.first_number] = RangeText(
            c.first_number, c.last_number, c.start, c.end, c.text, verified.get(key, ""))
    return out


def segment_ranges(segment_ids: list[int], transcript_ids: list[int] | None = None
                   ) -> dict[int, tuple[bool, RangeText]]:
    """{segment id: (starts the range?, the corrected range covering that segment)} for the
    segments inside a corrected range. ``transcript_ids``: the segments' transcripts when
    the caller knows them; then a page whose transcripts have no corrected range (the
    common case) costs one query."""
    from catalog.models import Segment

    texts = range_texts(list(set(transcript_ids))) if transcript_ids is not None else None
    if texts == {}:
        return {}
    rows = list(Segment.objects.filter(id__in=segment_ids).values_list(
        "id", "transcript_id", "number"))
    if texts is None:
        texts = range_texts(list({tid for _, tid, _ in rows}))
    out: dict[int, tuple[bool, RangeText]] = {}
    for sid, tid, number in rows:
        for first, found in texts.get(tid, {}).items():
            if first <= number <= found.last_number:
                out[sid] = (first == number, found)
    return out
