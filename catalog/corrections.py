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
from typing import Any

from django.db import connection
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


def _plain_current(where: str, params: list[Any], columns: str, limit: str = "") -> list[Any]:
    """Rows of the current versions (``latest()``: no later version supersedes them), in
    the model's order, by a plain statement: on every search, broadcast and incident page
    the ORM took longer to build this query than the database to answer it, most often
    with no row at all (issue 26). ``where`` and ``columns`` name columns as ``{field}``."""
    quote, meta = connection.ops.quote_name, Correction._meta
    col = {f: "c." + quote(meta.get_field(f).column) for f in (
        "id", "transcript", "broadcast", "first_number", "last_number", "start", "end",
        "text", "created_at")}
    table, supersedes = quote(meta.db_table), quote(meta.get_field("supersedes").column)
    sql = (f"SELECT {columns.format(**col)} FROM {table} c "
           f"LEFT OUTER JOIN {table} n ON c.{quote(meta.pk.column)} = n.{supersedes} "
           f"WHERE n.{quote(meta.pk.column)} IS NULL AND {where.format(**col)} "
           f"ORDER BY {col['transcript']}, {col['first_number']}, {col['created_at']}, "
           f"{col['id']}{limit}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def has_current(*, transcript_id: int | None = None, broadcast_id: int | None = None) -> bool:
    """True when the transcript (or the broadcast) has a corrected range: the readers ask
    first and skip their queries in the common case, none."""
    field, value = (("transcript", transcript_id) if transcript_id is not None
                    else ("broadcast", broadcast_id))
    return bool(_plain_current(f"{{{field}}} = %s", [value], "1", " LIMIT 1"))


def range_texts(transcript_ids: list[int]) -> dict[int, dict[int, RangeText]]:
    """{transcript id: {first segment number: RangeText}} (two queries; one, the cheap one,
    when the transcripts have no corrected range, the common case)."""
    if not transcript_ids:
        return {}
    marks = ", ".join(["%s"] * len(transcript_ids))
    current = _plain_current(
        f"{{transcript}} IN ({marks})", list(transcript_ids),
        "{transcript}, {first_number}, {last_number}, {start}, {end}, {text}")
    if not current:  # no range, so no verified version either
        return {}
    verified = {(c.transcript_id, c.first_number, c.last_number): c.text
                for c in latest_verified().filter(transcript_id__in=transcript_ids)}
    out: dict[int, dict[int, RangeText]] = {}
    for transcript_id, first, last, start, end, text in current:
        key = (transcript_id, first, last)
        out.setdefault(transcript_id, {})[first] = RangeText(
            first, last, start, end, text, verified.get(key, ""))
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
