"""Corrections of the machine's transcript, their verification, and translations.

A reviewer selects a range of one transcript's segments and writes what was really said
(``correct``); the machine's segments are never changed: each correction is a
``catalog.models.Correction`` row holding the machine's text of the range at the time and
the corrected text. Correcting the same range again makes a new version that
``supersedes`` the previous one (who, when, what changed: ``history`` and ``word_diff``).
A range may not overlap another corrected range of the same transcript (correct that
range instead). A second person verifies the latest version (``verify``): the two-person
rule, the verifier is a reviewer or above and not the author of the version. A verified
range is a reference transcript (``verified_ranges``, the error-rate evaluation reads it).
A translation of a corrected range (``translate``, English for UN mechanisms) is verified
the same way (``verify_translation``).

Every change is audited (``catalog.audit``, the audit chain) and re-indexes the
transcript, so search finds corrected and verified text beside the machine's
(``index``: the segment documents carry the latest corrected and the latest verified
text of the range that starts at them), and the watchlists run on the new text
(``review.watchlists.run_on_correction``). The UI (``review_ui.views.corrections``) and
any command line call these functions, so every door applies the same rules.

To add a rule: raise ``CorrectionRuleError`` (forbidden) or ``CorrectionError`` (bad
input) here, before anything is written.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import has_role
from catalog import audit
from catalog import corrections as versions
from catalog.models import Broadcast, Correction, Segment, Transcript, Translation
from index.registry import get_backend
from review.errors import RuleError, role_name
from review.text import clean_text
from review.watchlists import run_on_correction

log = logging.getLogger("raqib.review.corrections")

MAX_TEXT = 20_000
MAX_SEGMENTS = 200  # segments one correction may cover
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class CorrectionError(RuleError, ValueError):
    """Bad input (unknown segment, empty text, ...); nothing was written."""


class CorrectionRuleError(RuleError, PermissionError):
    """The rules forbid it (role, two-person rule, stale version); nothing was written."""


def _require(user: Any, minimum: str, action: str) -> None:
    if user is None or not getattr(user, "pk", None):
        raise CorrectionRuleError(_("%(action)s needs a user account"), action=action)
    if not has_role(user, minimum):
        raise CorrectionRuleError(_("%(user)s may not %(action)s: it needs the %(role)s role "
                                    "or higher"), user=user.get_username(), action=action,
                                  role=role_name(minimum))


# --- reading ---------------------------------------------------------------------------------

def latest_versions(broadcast: Broadcast | None = None) -> QuerySet[Correction]:
    """The current version of every corrected range (not superseded)."""
    found = versions.latest()
    if broadcast is not None:
        found = found.filter(broadcast=broadcast)
    return found.select_related("author", "verified_by")


def verified_ranges(broadcast: Broadcast | None = None) -> QuerySet[Correction]:
    """The latest verified version of every corrected range (a later, unverified version
    does not hide the verified one): the reference transcripts."""
    found = versions.latest_verified()
    if broadcast is not None:
        found = found.filter(broadcast=broadcast)
    return found.select_related("author", "verified_by", "broadcast", "transcript")


def history(correction: Correction) -> list[Correction]:
    """Every version of the correction's range, oldest first."""
    return list(Correction.objects.filter(
        transcript_id=correction.transcript_id, first_number=correction.first_number,
        last_number=correction.last_number).select_related("author", "verified_by")
        .order_by("created_at", "id"))


def machine_text(transcript: Transcript, first: int, last: int) -> str:
    """The machine's text of segments ``first``..``last``, joined by spaces."""
    return " ".join(t.strip() for t in Segment.objects.filter(
        transcript=transcript, number__gte=first, number__lte=last)
        .order_by("number").values_list("text", flat=True) if t.strip())


def current_text(broadcast: Broadcast, transcript: Transcript | None = None) -> str:
    """The broadcast's transcript as people read it now: each corrected range's latest
    text in place of the machine's segments, the machine's text elsewhere."""
    transcript = transcript or broadcast.transcripts.order_by("-created_at", "-id").first()
    if transcript is None:
        return ""
    ranges = {c.first_number: c for c in latest_versions(broadcast).filter(
        transcript=transcript)}
    parts: list[str] = []
    skip_to = -1
    for number, text in transcript.segments.order_by("number").values_list("number", "text"):
        if number <= skip_to:
            continue
        found = ranges.get(number)
        if found is not None:
            parts.append(found.text)
            skip_to = found.last_number
        elif text.strip():
            parts.append(text.strip())
    return " ".join(parts)


@dataclass(frozen=True)
class ClipText:
    """What was said in a clip: the corrected ranges overlapping it and the machine's text."""

    machine: str
    corrections: list[Correction]

    @property
    def verified(self) -> bool:
        return bool(self.corrections) and all(c.verified for c in self.corrections)


def clip_text(broadcast: Broadcast, start: float, end: float,
              transcript: Transcript | None | bool = True,
              texts: list[str] | None = None) -> ClipText:
    """The machine's text of the segments overlapping ``start``-``end`` (the newest
    transcript) and the corrected ranges overlapping it: for each range the latest
    verified version, else the latest. Ranges of every transcript of the broadcast count
    (a correction made before a re-transcription is not lost); where ranges of different
    transcripts overlap, a verified one wins, then the newest. ``transcript``: the newest
    transcript (or None), when the caller read it already; ``texts``: the texts of its
    segments overlapping the clip, in order, likewise."""
    if transcript is True:
        transcript = broadcast.transcripts.order_by("-created_at", "-id").first()
    if transcript is None:
        return ClipText("", [])
    if texts is None:
        texts = list(transcript.segments.filter(start__lt=end, end__gt=start)
                     .order_by("number").values_list("text", flat=True))
    machine = " ".join(t.strip() for t in texts if t.strip())
    if not versions.has_current(broadcast_id=broadcast.pk):  # most broadcasts: one plain read
        return ClipText(machine, [])
    overlapping = Q(start__lt=end, end__gt=start)
    current = list(latest_versions(broadcast).filter(overlapping))
    if not current:  # no corrected range here, so no verified version either
        return ClipText(machine, [])
    verified = {(c.transcript_id, c.first_number, c.last_number): c
                for c in verified_ranges(broadcast).filter(overlapping)}
    candidates = [verified.get((c.transcript_id, c.first_number, c.last_number), c)
                  for c in current]
    candidates.sort(key=lambda c: (not c.verified, -c.created_at.timestamp(), -c.pk))
    chosen: list[Correction] = []
    for c in candidates:
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    return ClipText(machine, sorted(chosen, key=lambda c: (c.start, c.pk)))


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The words removed and added: [(op, text)] with op " " (kept), "-" or "+"."""
    a, b = before.split(), after.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append((" ", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return out


def unified_diff(before: str, after: str, *, old: str = "machine",
                 new: str = "corrected") -> str:
    """A unified diff, one word a line (readable for Arabic, where lines are long)."""
    return "".join(difflib.unified_diff(
        [w + "\n" for w in before.split()], [w + "\n" for w in after.split()],
        fromfile=old, tofile=new, lineterm="\n"))


# --- changing --------------------------------------------------------------------------------

def _segment(broadcast: Broadcast, ref: Any, transcript: Transcript | None) -> Segment:
    if isinstance(ref, Segment):
        if ref.transcript.broadcast_id != broadcast.pk:
            raise CorrectionError(_("segment %(segment)s is not in broadcast %(id)s"),
                                  segment=ref.pk, id=broadcast.pk)
        return ref
    try:
        number = int(ref)
    except (TypeError, ValueError):
        raise CorrectionError(_("segment %(segment)s is not a number"),
                              segment=repr(ref)) from None
    if transcript is None:
        transcript = broadcast.transcripts.order_by("-created_at", "-id").first()
    found = (Segment.objects.filter(transcript=transcript, number=number).first()
             if transcript is not None and 0 <= number < 2**31 else None)
    if found is None:
        raise CorrectionError(_("broadcast %(id)s has no segment %(segment)s"), id=broadcast.pk,
                              segment=ref)
    return found


def _reindex(transcript_id: int) -> str:
    """Re-index the transcript; "" or the backend's error (the correction is saved:
    ``raqib reindex`` repairs the index)."""
    try:
        get_backend().index_transcript(transcript_id)
    except Exception as exc:  # noqa: BLE001 - the correction is saved; reindex repairs
        log.warning("correction saved but the search index was not updated",
                    extra={"transcript": transcript_id, "error": str(exc)})
        return f"the search index was not updated ({exc}); run `raqib reindex` later"
    return ""


def _after_change(correction: Correction) -> None:
    """Re-index and run the watchlists; ``correction.index_error`` says whether search
    could not be updated ("" when it was)."""
    correction.index_error = _reindex(correction.transcript_id)  # type: ignore[attr-defined]
    try:
        run_on_correction(correction)
    except Exception as exc:  # noqa: BLE001 - matching never fails the correction
        log.warning("watchlists did not run on the correction",
                    extra={"correction": correction.pk, "error": str(exc)})


def _facts(correction: Correction) -> dict[str, Any]:
    return {"correction": correction.pk, "transcript": correction.transcript_id,
            "segments": [correction.first_number, correction.last_number],
            "start": correction.start, "end": correction.end,
            "supersedes": correction.supersedes_id, "language": correction.language}


def correct(broadcast: Broadcast, first_segment: Any, last_segment: Any, text: str, *,
            by: Any, language: str = "", transcript: Transcript | None = None,
            replaces: Correction | int | None = None) -> Correction:
    """Correct segments ``first_segment``..``last_segment`` (``Segment`` rows or numbers
    of ``transcript``, by default the newest) to ``text``; a new version when the range was
    corrected before. ``replaces``, when given, must be the range's current version (the
    one the person saw): a correction made on a stale page is refused."""
    _require(by, "reviewer", _("correct a transcript"))
    first = _segment(broadcast, first_segment, transcript)
    last = _segment(broadcast, last_segment, first.transcript)
    if last.transcript_id != first.transcript_id:
        raise CorrectionError(_("a corrected range lies within one transcript"))
    if last.number < first.number:
        raise CorrectionError(_("segment %(last)s comes before segment %(first)s"),
                              last=last.number, first=first.number)
    if last.number - first.number + 1 > MAX_SEGMENTS:
        raise CorrectionError(_("a correction covers at most %(count)s segments"),
                              count=MAX_SEGMENTS)
    text = clean_text(text, "corrected text", MAX_TEXT, required=True, error=CorrectionError)
    language = (language or broadcast.language or "ar").strip()
    if not LANGUAGE.match(language):
        raise CorrectionError(_("language %(language)s is not a language code (%(examples)s)"),
                              language=repr(language), examples="ar, en...")
    with transaction.atomic():
        # lock the broadcast row: two people correcting the same range at once make two
        # versions one after the other, never two heads
        Broadcast.objects.select_for_update().filter(pk=broadcast.pk).first()
        current = latest_versions().filter(transcript_id=first.transcript_id,
                                           first_number=first.number,
                                           last_number=last.number).first()
        overlap = latest_versions().filter(
            transcript_id=first.transcript_id, first_number__lte=last.number,
            last_number__gte=first.number).exclude(pk=getattr(current, "pk", None)).first()
        if overlap is not None:
            raise CorrectionError(
                _("segments %(range)s overlap the corrected range %(corrected)s: correct that "
                  "range instead"), range=f"{first.number}-{last.number}",
                corrected=f"{overlap.first_number}-{overlap.last_number}")
        replaces_id = replaces.pk if isinstance(replaces, Correction) else replaces
        if replaces_id is not None and (current is None or current.pk != int(replaces_id)):
            raise CorrectionRuleError(_("the range was corrected again meanwhile: reload the "
                                        "page and start from the newest version"))
        if current is not None and current.text == text:
            raise CorrectionError(_("the text is the same as the current version's"))
        correction = Correction.objects.create(
            broadcast=broadcast, transcript_id=first.transcript_id,
            first_number=first.number, last_number=last.number, start=first.start,
            end=max(last.end, first.start), text=text, language=language,
            machine_text=machine_text(first.transcript, first.number, last.number),
            author=by, supersedes=current)
        audit.record("correction-made", by, broadcast=broadcast, details=_facts(correction))
    _after_change(correction)
    return correction


def _second_person_verifies(model: type[Any], row: Any, by: Any, *, wrote: Any, newer: Any,
                            already: Any) -> Any:
    """Mark the current version ``row`` (a Correction or a Translation) verified by ``by``,
    inside the caller's transaction: never its author (two-person rule), never a version
    that a newer one replaced, never twice. The refusals are the caller's own words."""
    row = model.objects.select_for_update().get(pk=row.pk)
    if row.author_id == by.pk:
        raise CorrectionRuleError(wrote, user=by.get_username())
    if model.objects.filter(supersedes=row).exists():
        raise CorrectionRuleError(newer)
    if row.verified_at is not None:
        raise CorrectionError(already)
    row.verified_by, row.verified_at = by, timezone.now()
    row.save(update_fields=["verified_by", "verified_at"])
    return row


def verify(correction: Correction, *, by: Any) -> Correction:
    """A second person verifies the current version of a corrected range."""
    _require(by, "reviewer", _("verify a correction"))
    with transaction.atomic():
        correction = _second_person_verifies(
            Correction, correction, by,
            wrote=_("two-person rule: %(user)s wrote this correction and may not verify it; "
                    "another reviewer must"),
            newer=_("a newer version of this range exists: verify that one"),
            already=_("this correction is already verified"))
        audit.record("correction-verified", by, broadcast=correction.broadcast,
                     details={**_facts(correction), "author": correction.author.get_username()})
    _after_change(correction)
    return correction


def translate(correction: Correction, text: str, *, by: Any, language: str = "en",
              replaces: Translation | int | None = None) -> Translation:
    """A translation of a corrected range's text into ``language`` (a new version when
    one exists)."""
    _require(by, "reviewer", _("translate a transcript"))
    text = clean_text(text, "translation", MAX_TEXT, required=True, error=CorrectionError)
    language = (language or "").strip()
    if not LANGUAGE.match(language):
        raise CorrectionError(_("language %(language)s is not a language code (%(examples)s)"),
                              language=repr(language), examples="en, fr...")
    with transaction.atomic():
        Broadcast.objects.select_for_update().filter(pk=correction.broadcast_id).first()
        current = Translation.objects.filter(correction=correction, language=language,
                                             superseded_by__isnull=True).first()
        replaces_id = replaces.pk if isinstance(replaces, Translation) else replaces
        if replaces_id is not None and (current is None or current.pk != int(replaces_id)):
            raise CorrectionRuleError(_("the translation changed meanwhile: reload the page"))
        translation = Translation.objects.create(correction=correction, language=language,
                                                 text=text, author=by, supersedes=current)
        audit.record("translation-made", by, broadcast=correction.broadcast, details={
            "translation": translation.pk, "correction": correction.pk,
            "language": language, "supersedes": translation.supersedes_id})
    return translation


def verify_translation(translation: Translation, *, by: Any) -> Translation:
    """A second person verifies the current version of a translation."""
    _require(by, "reviewer", _("verify a translation"))
    with transaction.atomic():
        translation = _second_person_verifies(
            Translation, translation, by,
            wrote=_("two-person rule: %(user)s wrote this translation and may not verify it; "
                    "another reviewer must"),
            newer=_("a newer version of this translation exists"),
            already=_("this translation is already verified"))
        audit.record("translation-verified", by, broadcast=translation.correction.broadcast,
                     details={"translation": translation.pk,
                              "correction": translation.correction_id,
                              "language": translation.language})
    return translation


def current_translation(correction: Correction, language: str = "en") -> Translation | None:
    """The latest verified translation of this version's text, else the latest."""
    rows = correction.translations.filter(language=language).select_related(
        "author", "verified_by").order_by("-created_at", "-id")
    return rows.filter(verified_at__isnull=False).first() or rows.first()


def correction_json(correction: Correction) -> dict[str, Any]:
    """A correction as the API and the command line show it."""
    return {"id": correction.pk, "broadcast": correction.broadcast_id,
            "transcript": correction.transcript_id,
            "segments": [correction.first_number, correction.last_number],
            "start": correction.start, "end": correction.end,
            "machine_text": correction.machine_text, "text": correction.text,
            "language": correction.language, "author": correction.author.get_username(),
            "created_at": correction.created_at.isoformat(),
            "supersedes": correction.supersedes_id,
            "verified_by": (correction.verified_by.get_username()
                            if correction.verified_by_id else None),
            "verified_at": (correction.verified_at.isoformat()
                            if correction.verified_at else None)}
