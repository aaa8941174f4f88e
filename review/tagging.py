"""Tagging broadcasts (and segments) and keeping the search index in step.

``add_tag``/``remove_tag`` change ``Tagging`` rows and then ask the backend to reflect the
broadcast's tags (``SearchBackend.update_tags``: a no-op on SQLite, which joins tags at query
time; a re-index of the broadcast's transcripts on Elasticsearch). If the backend is down the
tag is still saved; the error is returned so the caller can say so, and ``raqib reindex``
(or the next tag change) brings the index in step. Used by ``raqib tag`` and the review UI.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from catalog import audit
from catalog.models import Broadcast, Segment, Tag, Tagging
from index.registry import get_backend

log = logging.getLogger("raqib.review.tagging")
TAG_RE = re.compile(r"^[\w][\w.-]{0,63}$")


class TagError(ValueError):
    """Bad tag input (name, broadcast or segment); the message says what to change."""


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not TAG_RE.match(name):
        raise TagError(f"invalid tag name {name!r}: use 1-64 letters, digits, '-', '_' or '.', "
                       "no spaces (e.g. forced-confession)")
    return name


def _segment(broadcast: Any, number: int | None) -> Any:
    if number is None:
        return None
    segment = (Segment.objects.filter(transcript__broadcast=broadcast, number=number)
               .order_by("-transcript__created_at", "-transcript_id").first())
    if segment is None:
        raise TagError(f"broadcast {broadcast.id} has no segment number {number}")
    return segment


def find_broadcast(broadcast_id: int) -> Any:
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None:
        raise TagError(f"no broadcast with id {broadcast_id}")
    return broadcast


def sync_index(broadcast_id: int) -> str:
    """Update the index for the broadcast's tags; return "" or the backend's error."""
    try:
        get_backend().update_tags(broadcast_id)
    except Exception as exc:  # noqa: BLE001 - the tag is saved; reindex repairs the index
        log.warning("tags saved but the search index was not updated",
                    extra={"broadcast": broadcast_id, "error": str(exc)})
        return f"the search index was not updated ({exc}); run `raqib reindex` later"
    return ""


def add_tag(broadcast_id: int, name: str, *, segment_number: int | None = None,
            user: Any = None, note: str = "") -> tuple[Any, bool, str]:
    """Tag a broadcast (or one of its segments). Return (tagging, created, index_error)."""
    name = clean_name(name)
    broadcast = find_broadcast(broadcast_id)
    segment = _segment(broadcast, segment_number)
    tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
    tagging, created = Tagging.objects.get_or_create(
        tag=tag, broadcast=broadcast, segment=segment,
        defaults={"created_by": user if getattr(user, "pk", None) else None, "note": note})
    if created:
        audit.record("tag-added", user, broadcast=broadcast,
                     details={"tag": tag.name, "segment": segment_number, "note": note})
    return tagging, created, sync_index(broadcast.id) if created else ""


def remove_tag(broadcast_id: int, name: str, *, segment_number: int | None = None,
               user: Any = None) -> tuple[int, str]:
    """Remove a tag from a broadcast (or one segment). Return (rows removed, index_error)."""
    broadcast = find_broadcast(broadcast_id)
    segment = _segment(broadcast, segment_number)
    removed, _ = Tagging.objects.filter(tag__name__iexact=name.strip(), broadcast=broadcast,
                                        segment=segment).delete()
    if removed:
        audit.record("tag-removed", user, broadcast=broadcast,
                     details={"tag": name.strip(), "segment": segment_number})
    return removed, sync_index(broadcast.id) if removed else ""


def tags_of(broadcast_id: int) -> list[dict[str, Any]]:
    return [{"tag": t.tag.name, "broadcast_id": t.broadcast_id,
             "segment": t.segment.number if t.segment else None,
             "by": t.created_by.username if t.created_by else "",
             "at": t.created_at.isoformat(), "note": t.note}
            for t in Tagging.objects.filter(broadcast_id=broadcast_id)
            .select_related("tag", "segment", "created_by").order_by("tag__name", "id")]
