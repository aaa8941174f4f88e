"""Index consistency: compare the catalog (the source of truth) with the search index.

``check(backend)`` returns a ``Drift`` per transcript whose indexed segment count differs
from the database (``missing``: fewer indexed, ``extra``: more) and per ``orphan`` (a
transcript the index holds but the database no longer has). ``fix`` re-indexes the first two
and removes orphans. ``raqib index check [--fix]`` prints the report.

A deleted transcript also leaves the index when its deletion commits, through
``on_transcript_deleted`` (a ``post_delete`` handler that defers to ``on_commit``;
``connect_signals()`` wires it, called from the catalog app's ``ready``); when the
backend is down it only logs, and ``index check --fix`` repairs later.
To extend: add a drift kind in ``check`` and its repair in ``fix``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from index.base import SearchBackend

log = logging.getLogger("raqib.index.consistency")


@dataclass
class Drift:
    transcript_id: int
    broadcast_id: int | None  # None for an orphan
    kind: str  # "missing" | "extra" | "orphan"
    in_database: int
    in_index: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check(backend: SearchBackend) -> list[Drift]:
    """Every difference between the catalog's segment counts and the index's."""
    from django.db.models import Count

    from catalog.models import Transcript

    indexed = backend.indexed_transcripts()
    drift: list[Drift] = []
    rows = Transcript.objects.annotate(n=Count("segments")).values_list("id", "broadcast_id", "n")
    known: set[int] = set()
    for transcript_id, broadcast_id, count in rows.order_by("id"):
        known.add(transcript_id)
        held = indexed.get(transcript_id, 0)
        if held != count:
            drift.append(Drift(transcript_id, broadcast_id, "missing" if held < count else "extra",
                               count, held))
    for transcript_id in sorted(set(indexed) - known):
        drift.append(Drift(transcript_id, None, "orphan", 0, indexed[transcript_id]))
    return drift


def fix(backend: SearchBackend, drift: list[Drift]) -> int:
    """Repair the drift found by ``check``; return how many transcripts were repaired."""
    for item in drift:
        if item.kind == "orphan":
            backend.remove_transcript(item.transcript_id)
        else:
            backend.index_transcript(item.transcript_id)
    return len(drift)


def on_transcript_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_delete handler: drop a deleted transcript's segments from the index once the
    deletion commits (never from inside the catalog transaction: an external backend may
    take seconds to answer, or not answer, and a rolled-back deletion keeps its index)."""
    from django.db import transaction

    transcript_id = instance.pk
    transaction.on_commit(lambda: _remove_deleted(transcript_id),
                          using=kwargs.get("using"))


def _remove_deleted(transcript_id: int) -> None:
    from index.registry import get_backend

    try:
        get_backend().remove_transcript(transcript_id)
    except Exception as exc:  # noqa: BLE001 - `raqib index check --fix` repairs it
        log.warning("could not remove a deleted transcript from the search index; "
                    "run `raqib index check --fix`",
                    extra={"transcript": transcript_id, "error": str(exc)})


def connect_signals() -> None:
    """Wire ``on_transcript_deleted`` (idempotent)."""
    from django.db.models.signals import post_delete

    post_delete.connect(on_transcript_deleted, sender="raqib.Transcript",
                        dispatch_uid="raqib-index-transcript-deleted")
