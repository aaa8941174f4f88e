"""The broadcast screens: the list of captured broadcasts and the broadcast viewer.

The list filters on the pipeline status and on takedown watch (what the outlet deleted or
re-cut since capture) and is paged with ``common.paginate``. The viewer shows the player
at the second given by ``?t=``, the chosen transcript with the current segment marked,
and the tags (the forms only for reviewers; ``tags.broadcast_tags`` checks again), and
where else the same recording was seen (its sightings); a merged duplicate's old id
redirects to the recording it repeats. Corrections (``review.corrections``): each
corrected range is marked on its segments (corrected, verified) with its current text, a
word diff from the machine's text, who corrected and who verified; reviewers select lines
to correct them (``views.corrections``), the player bound to the range.
Words the machine was unsure of (probability below
``transcribe.low_confidence``) are marked in the transcript, and ``broadcast_listening``
lists the ranges to listen to first, most unsure first (``review.listening``).
Each transcript line's HTML is written in Python (``segment_rows``: the template loop
was most of the page's rendering; ``tests/review_ui/test_page_rows.py`` compares it with
that loop). Reading needs the viewer role. The media itself is served by ``media``. To
add a filter to the list: read it with a ``common`` helper and add it to ``filter_query``
so the pager keeps it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accounts.roles import has_role
from catalog.models import Broadcast, Segment, Sighting, Tag, Tagging, Transcript
from catalog.prepared import Prepared, first_of
from catalog.reads import transcript_segments
from catalog.sightings import sightings_json
from review.listening import needs_listening
from review_ui.access import role_required
from review_ui.templatetags.raqib_ui import (
    marked_text_filter,
    seconds_param,
    template_value,
    timecode,
)
from review_ui.views.common import (
    PER_PAGE,
    choice_param,
    digits_param,
    filter_query,
    paginate,
)

BROADCASTS_PER_PAGE = PER_PAGE
TAKEDOWN_FILTERS = (Broadcast.Availability.GONE, Broadcast.Availability.RECUT)


def broadcast_detail_url(broadcast_id: int) -> str:
    """The viewer's URL for a broadcast."""
    return reverse("review_ui:broadcast_detail", args=[broadcast_id])


@require_GET
@role_required("viewer")
def broadcast_list(request: HttpRequest) -> HttpResponse:
    """Every broadcast, newest discovery first, optionally by status or takedown state."""
    broadcasts = Broadcast.objects.select_related("outlet", "source", "media").order_by(
        "-discovered_at", "-id")
    status = choice_param(request.GET, "status", Broadcast.Status.values)
    if status:
        broadcasts = broadcasts.filter(status=status)
    # Takedown watch: monitors list what the outlet deleted or re-cut since capture.
    availability = choice_param(request.GET, "availability", TAKEDOWN_FILTERS)
    if availability:
        broadcasts = broadcasts.filter(availability=availability)
    return render(request, "review_ui/broadcast_list.html", {
        "page": paginate(broadcasts, request.GET, BROADCASTS_PER_PAGE), "status": status,
        "statuses": Broadcast.Status.values, "availability": availability,
        "filters": filter_query(status=status, availability=availability),
    })


def _start_seconds(raw: str | None) -> float:
    try:
        value = float(raw or 0)
    except ValueError:
        return 0.0
    return value if value > 0 and value < 10**7 else 0.0


def _chosen_transcript(broadcast: Broadcast, raw_id: str,
                       transcripts: list[Transcript] | None = None) -> Transcript | None:
    """The transcript ``?transcript=`` names, else the newest; ``transcripts``: every
    transcript of the broadcast, newest first, when the caller read them already."""
    if transcripts is not None:
        named = next((t for t in transcripts if raw_id and t.pk == int(raw_id)), None)
        return named or (transcripts[0] if transcripts else None)
    ordered = broadcast.transcripts.order_by("-created_at", "-id")
    if raw_id:
        return ordered.filter(pk=int(raw_id)).first() or ordered.first()
    return ordered.first()


# The viewer's reads, compiled once per process (``catalog.prepared``): the broadcast
# (``Broadcast.objects.select_related("outlet", "source", "media").filter(pk=...).first()``),
# its transcripts (``broadcast.transcripts.order_by("-created_at", "-id")``), its tags
# (``broadcast.taggings.select_related("tag", "segment").order_by("tag__name")``) and the
# vocabulary (``Tag.objects.filter(vocabulary=True).order_by("name")``).
_BROADCAST = Prepared(lambda pk: first_of(Broadcast.objects.select_related(
    "outlet", "source", "media").filter(pk=pk)), "int")
_TRANSCRIPTS = Prepared(lambda broadcast_id: Transcript.objects.filter(
    broadcast_id=broadcast_id).order_by("-created_at", "-id"), "int")
_TAGGINGS = Prepared(lambda broadcast_id: Tagging.objects.filter(
    broadcast_id=broadcast_id).select_related("tag", "segment").order_by("tag__name"), "int")
_VOCABULARY = Prepared(lambda: Tag.objects.filter(vocabulary=True).order_by("name"))


def _of(broadcast: Broadcast, field: Any, rows: list[Any]) -> list[Any]:
    """``rows`` read by the broadcast's id, each knowing its broadcast (as the related
    manager's query gives them)."""
    for row in rows:
        field.set_cached_value(row, broadcast)
    return rows


@require_GET
@role_required("viewer")
def broadcast_detail(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """The viewer: player at ``?t=`` seconds, transcript (``?transcript=`` id), tags."""
    found = _BROADCAST(broadcast_id)
    broadcast = found[0] if found else None
    if broadcast is None:
        # A duplicate merged into the recording it repeats: its old links lead there.
        sighting = get_object_or_404(Sighting, former_broadcast_id=broadcast_id)
        return redirect(broadcast_detail_url(sighting.broadcast_id))
    start = _start_seconds(request.GET.get("t"))
    transcripts = _of(broadcast, Transcript.broadcast.field,  # read once
                      _TRANSCRIPTS(broadcast.pk))
    transcript = _chosen_transcript(broadcast, digits_param(request.GET, "transcript"),
                                    transcripts)
    segments = transcript_segments(transcript) if transcript else []
    current = next((s.pk for s in segments if s.start <= start < max(s.end, s.start + 0.01)),
                   None)
    corrected = _corrected_ranges(broadcast, transcript, request.user) if transcript else []
    can_tag = has_role(request.user, "reviewer")
    starts = {row["correction"].first_number: row for row in corrected}
    inside = {n: row for row in corrected
              for n in range(row["correction"].first_number,
                             row["correction"].last_number + 1)}
    return render(request, "review_ui/broadcast_detail.html", {
        "broadcast": broadcast, "start": start, "transcript": transcript,
        "transcripts": transcripts,
        "segments": segments, "current_segment": current,
        "taggings": _of(broadcast, Tagging.broadcast.field, _TAGGINGS(broadcast.pk)),
        "can_tag": can_tag,
        "vocabulary": _VOCABULARY() if can_tag else [],  # the tag form's (reviewers')
        "sightings": sightings_json(broadcast)[1:],  # its own capture is shown above
        "corrected": corrected,
        "segment_rows": segment_rows(segments, starts, inside, current=current,
                                     can_tag=can_tag, transcript=transcript),
        "low_confidence": low_confidence(),
        "listening_count": len(needs_listening(segments, low_confidence())),
    })


def segment_rows(segments: list[Segment], starts: dict[int, Any], inside: dict[int, Any], *,
                 current: int | None, can_tag: bool, transcript: Transcript | None
                 ) -> list[dict[str, Any]]:
    """Each transcript line of the viewer: ``segment``, ``starts`` and ``inside`` (the
    corrected range it opens or lies in) and ``html``, the line's ``<li>`` up to its link's
    end, written here once rather than by the template's loop (most of the page's
    rendering time for a long transcript): the same characters the template wrote
    (``template_value`` for each ``{{ }}``, the same filters, the same translation)."""
    threshold = low_confidence()
    select_line = gettext("select line %(number)s")
    transcript_param = (f"&amp;transcript={template_value(transcript.pk)}"
                        if transcript else "")
    rows = []
    for seg in segments:
        into = inside.get(seg.number)
        is_current = seg.pk == current
        number = template_value(seg.number)
        start, end = escape(seconds_param(seg.start)), escape(seconds_param(seg.end))
        classes = "segment" + (" current" if is_current else "")
        if into:
            classes += " in-corrected" + (
                " in-verified" if into["correction"].verified or into["verified"] else "")
        aria_current = ' aria-current="true"' if is_current else ""
        checkbox = ""
        if can_tag:
            try:
                label = select_line % {"number": number}
            except (KeyError, ValueError):  # a broken translation: the template's fallback
                label = "select line %(number)s" % {"number": number}  # noqa: UP031
            checkbox = (f'<input type="checkbox" class="select-line" name="seg" '
                        f'value="{number}" form="incident-from-lines" aria-label="{label}">')
        html = (
            f'<li class="{classes}" id="s{number}" data-number="{number}" '
            f'data-start="{start}" data-end="{end}">\n'
            f"        {checkbox}\n"
            f'        <a class="seek" href="?t={start}{transcript_param}" data-start="{start}" '
            f'data-end="{end}"{aria_current}>\n'
            f'          <span class="timecode" dir="ltr">{escape(timecode(seg.start))}</span>\n'
            f'          <span class="text" dir="auto">'
            f"{conditional_escape(marked_text_filter(seg, threshold))}</span>\n"
            f"        </a>")
        rows.append({"segment": seg, "starts": starts.get(seg.number), "inside": into,
                     "html": mark_safe(html)})  # noqa: S308  (every value escaped above)
    return rows


def _corrected_ranges(broadcast: Broadcast, transcript: Transcript,
                      user: object) -> list[dict[str, object]]:
    """The transcript's corrected ranges: the current version, the verified one (when a
    later version is not yet verified), the word diff from the machine's text, the
    translations, and whether ``user`` may verify it."""
    from catalog.corrections import has_current
    from review import corrections as rules

    if not has_current(transcript_id=transcript.pk):  # most transcripts: one plain read
        return []
    current = list(rules.latest_versions(broadcast).filter(transcript=transcript).order_by(
        "first_number"))
    if not current:  # no corrected range (most transcripts): no verified version either
        return []
    verified = {(c.first_number, c.last_number): c for c in
                rules.verified_ranges(broadcast).filter(transcript=transcript)}
    rows = []
    for c in current:
        rows.append({"correction": c, "verified": verified.get((c.first_number,
                                                                 c.last_number)),
                     "diff": rules.word_diff(c.machine_text, c.text),
                     "translations": list(c.translations.filter(
                         superseded_by__isnull=True).select_related("author", "verified_by")),
                     "can_verify": (not c.verified and has_role(user, "reviewer")
                                    and c.author_id != getattr(user, "pk", None))})
    return rows


def low_confidence() -> float:
    """The word probability below which the machine was unsure (``transcribe.low_confidence``)."""
    return float(settings.CONFIG.get("transcribe.low_confidence"))


LISTENING_LIMIT = 200  # ranges shown on the needs-listening page


@require_GET
@role_required("viewer")
def broadcast_listening(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """The ranges of the chosen transcript (``?transcript=`` id) to listen to first: runs of
    segments holding words the machine was unsure of, most unsure first."""
    broadcast = get_object_or_404(Broadcast.objects.select_related("outlet"), pk=broadcast_id)
    transcript = _chosen_transcript(broadcast, digits_param(request.GET, "transcript"))
    segments = list(transcript.segments.order_by("number")) if transcript else []
    threshold = low_confidence()
    ranges = needs_listening(segments, threshold)
    return render(request, "review_ui/broadcast_listening.html", {
        "broadcast": broadcast, "transcript": transcript, "threshold": threshold,
        "threshold_percent": round(threshold * 100),
        "ranges": ranges[:LISTENING_LIMIT], "total": len(ranges),
        "detail": broadcast_detail_url(broadcast.pk)})
