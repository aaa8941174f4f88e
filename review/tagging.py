"""Tagging broadcasts (a segment, a segment range or a time range) from the leads'
vocabulary, and keeping the search index in step.

Leads keep the vocabulary (``Tag.vocabulary``, labelled in Arabic and English; the starting
set comes with migration 0007). A reviewer may still type a new tag: it is saved as a
proposal (``vocabulary`` False) and becomes a vocabulary entry only when a lead promotes it
(``promote_tag``, ``raqib tag promote``).

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

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_role
from catalog import audit
from catalog.models import Broadcast, Segment, Tag, Tagging
from index.registry import get_backend
from review.errors import RuleError
from review.incidents import broadcast_duration
from review.text import clean_text
from review.timecode import TimecodeError, parse_time

log = logging.getLogger("raqib.review.tagging")
TAG_RE = re.compile(r"^[\w][\w.-]{0,63}$")


class TagError(RuleError, ValueError):
    """Bad tag input (name, broadcast or segment); the message says what to change."""


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not TAG_RE.match(name):
        raise TagError(_("invalid tag name %(name)s: use 1-64 letters, digits, %(signs)s, no "
                         "spaces (e.g. %(example)s)"), name=repr(name),
                       signs="'-', '_' or '.'", example="forced-confession")
    return name


def _segment(broadcast: Any, number: int | None) -> Any:
    if number is None:
        return None
    segment = (Segment.objects.filter(transcript__broadcast=broadcast, number=number)
               .order_by("-transcript__created_at", "-transcript_id").first())
    if segment is None:
        raise TagError(_("broadcast %(id)s has no segment number %(number)s"), id=broadcast.id,
                       number=number)
    return segment


def find_broadcast(broadcast_id: int) -> Any:
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None:
        raise TagError(_("no broadcast with id %(id)s"), id=broadcast_id)
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


def _range(broadcast: Any, segment: Any, to_segment: int | None, start: Any,
           end: Any) -> tuple[float | None, float | None]:
    """The tagged range in seconds: a segment range, a time range, or (None, None)."""
    if to_segment is not None:
        if segment is None:
            raise TagError(_("a segment range needs its first segment (%(option)s)"),
                           option="--segment N")
        last = _segment(broadcast, to_segment)
        if last.transcript_id != segment.transcript_id or last.number < segment.number:
            raise TagError(_("segment %(last)s does not follow segment %(first)s"),
                           last=to_segment, first=segment.number)
        return segment.start, last.end
    if start is None and end is None:
        return None, None
    if segment is not None:
        raise TagError(_("give a segment or a time range, not both"))
    try:
        begin, finish = parse_time(start, "start"), parse_time(end, "end")
    except TimecodeError as exc:
        raise TagError(exc) from None
    duration = broadcast_duration(broadcast)
    if finish <= begin or (duration is not None and finish > duration + 0.5):
        if duration:
            raise TagError(_("the range %(range)s s is not inside broadcast %(id)s (%(whole)s s)"),
                           range=f"{begin:g}-{finish:g}", id=broadcast.id,
                           whole=f"0-{duration:g}")
        raise TagError(_("the range %(range)s s is not inside broadcast %(id)s"),
                       range=f"{begin:g}-{finish:g}", id=broadcast.id)
    return begin, finish


def add_tag(broadcast_id: int, name: str, *, segment_number: int | None = None,
            user: Any = None, note: str = "", to_segment: int | None = None,
            start: Any = None, end: Any = None) -> tuple[Any, bool, str]:
    """Tag a broadcast, a segment, a segment range (``to_segment``) or a time range
    (``start``/``end``). Return (tagging, created, index_error)."""
    name = clean_name(name)
    broadcast = find_broadcast(broadcast_id)
    segment = _segment(broadcast, segment_number)
    begin, finish = _range(broadcast, segment, to_segment, start, end)
    note = clean_text(note, "note", 4000, error=TagError)
    tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
    tagging, created = Tagging.objects.get_or_create(
        tag=tag, broadcast=broadcast, segment=segment, start=begin, end=finish,
        defaults={"created_by": user if getattr(user, "pk", None) else None, "note": note})
    if created:
        audit.record("tag-added", user, broadcast=broadcast,
                     details={"tag": tag.name, "segment": segment_number, "note": note,
                              "start": begin, "end": finish,
                              "vocabulary": tag.vocabulary})
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


def vocabulary() -> list[dict[str, Any]]:
    """Every tag: the leads' vocabulary first, then the reviewers' proposals."""
    return [{"tag": t.name, "vocabulary": t.vocabulary, "label_ar": t.label_ar,
             "label_en": t.label_en, "uses": t.uses}
            for t in Tag.objects.annotate(uses=Count("taggings")).order_by("-vocabulary",
                                                                            "name")]


def promote_tag(name: str, lead: Any, *, label_ar: str = "", label_en: str = "") -> Any:
    """A lead makes a tag (a reviewer's proposal, or a new name) a vocabulary entry."""
    if not has_role(lead, "lead"):
        who = lead.get_username() if getattr(lead, "pk", None) else _("the command line")
        raise TagError(_("%(who)s may not change the vocabulary: it needs the lead role (a "
                         "lead's token or sign-in)"), who=who)
    name = clean_name(name)
    label_ar = clean_text(label_ar, "Arabic label", 200, error=TagError)
    label_en = clean_text(label_en, "English label", 200, error=TagError)
    tag = Tag.objects.filter(name__iexact=name).first() or Tag(name=name)
    tag.vocabulary, tag.promoted_by = True, lead
    tag.label_ar, tag.label_en = label_ar or tag.label_ar, label_en or tag.label_en
    tag.save()
    audit.record("tag-promoted", lead, details={"tag": tag.name, "label_ar": tag.label_ar,
                                                "label_en": tag.label_en})
    return tag


def tags_of(broadcast_id: int) -> list[dict[str, Any]]:
    return [{"tag": t.tag.name, "broadcast_id": t.broadcast_id,
             "vocabulary": t.tag.vocabulary, "start": t.start, "end": t.end,
             "segment": t.segment.number if t.segment else None,
             "by": t.created_by.username if t.created_by else "",
             "at": t.created_at.isoformat(), "note": t.note}
            for t in Tagging.objects.filter(broadcast_id=broadcast_id)
            .select_related("tag", "segment", "created_by").order_by("tag__name", "start", "id")]
