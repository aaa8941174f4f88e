"""What was said in each clip of an evidence package: the machine's text, the corrected
and verified text, their difference, who corrected and who verified, and translations.

``clip_text_record(clip, names)`` is the JSON the package writes as
``data/clips/clip-N.text.json`` (``names`` turns a username into what the package calls
the account: itself in the full profile, a pseudonym in the public one,
``review.evidence.redact``); ``clip_diff`` the unified diff written beside it
(``clip-N.diff``, one word a line); ``summary_block`` the HTML the readable summary shows
under each clip: the verified text (or the machine's, marked unverified) and its
translation. The texts are read through ``review.corrections`` (the latest verified
version of each corrected range overlapping the clip, else its latest version). To add a
fact: add it to the record here (the summary reads the record).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from review import corrections as rules
from review.models import Clip

# bidi embeddings, overrides and isolates, and the marks: shown as U+FFFD in the summary
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    return html.escape(BIDI_CONTROLS.sub("\ufffd", text or ""))


def clip_text_record(clip: Clip, names: Callable[[str | None], str | None]) -> dict[str, Any]:
    """The clip's texts (see the module docstring)."""
    found = rules.clip_text(clip.broadcast, clip.start, clip.end)
    ranges = []
    for c in found.corrections:
        versions = rules.history(c)
        translations = []
        for language in sorted(set(c.translations.values_list("language", flat=True))):
            t = rules.current_translation(c, language)
            if t is not None:
                translations.append({
                    "language": t.language, "text": t.text,
                    "translated_by": names(t.author.get_username()),
                    "translated_at": t.created_at.isoformat(), "verified": t.verified,
                    "verified_by": names(t.verified_by.get_username())
                    if t.verified_by_id else None,
                    "verified_at": t.verified_at.isoformat() if t.verified_at else None})
        ranges.append({
            "correction": c.pk, "segments": [c.first_number, c.last_number],
            "start": c.start, "end": c.end, "language": c.language,
            "machine_text": c.machine_text, "text": c.text, "verified": c.verified,
            "corrected_by": names(c.author.get_username()),
            "corrected_at": c.created_at.isoformat(),
            "verified_by": names(c.verified_by.get_username()) if c.verified_by_id else None,
            "verified_at": c.verified_at.isoformat() if c.verified_at else None,
            "word_diff": [[op, words] for op, words in rules.word_diff(c.machine_text,
                                                                       c.text)],
            "versions": [{"correction": v.pk, "text": v.text,
                          "corrected_by": names(v.author.get_username()),
                          "corrected_at": v.created_at.isoformat(),
                          "verified_by": names(v.verified_by.get_username())
                          if v.verified_by_id else None} for v in versions],
            "translations": translations})
    verified_text = " ".join(r["text"] for r in ranges if r["verified"])
    return {"clip": clip.pk, "broadcast": clip.broadcast_id, "start": clip.start,
            "end": clip.end,
            "about": "The machine's transcript of the clip, the corrected text of each "
                     "corrected range overlapping it (the latest verified version, else the "
                     "latest), its difference from the machine's text, who corrected and "
                     "who verified it (a second person), and translations.",
            "machine_text": found.machine, "verified": found.verified,
            "verified_text": verified_text, "ranges": ranges}


def clip_diff(record: dict[str, Any]) -> str:
    """The unified diff, machine → corrected, of each corrected range of the clip."""
    parts = []
    for r in record["ranges"]:
        state = "verified" if r["verified"] else "NOT verified"
        parts.append(rules.unified_diff(
            r["machine_text"], r["text"],
            old=f"machine segments {r['segments'][0]}-{r['segments'][1]}",
            new=f"corrected ({state})"))
    return "".join(parts)


# The summary's words for what was said, in each half's language (the summary's other
# fixed words are written into review.evidence.package the same way).
_SAID = {
    "ar": {"verified": "مُتحقَّق منه — صحّحه {by}، وتحقّق منه {checker}",
           "corrected": "مصحَّح، غير مُتحقَّق منه — صحّحه {by}",
           "machine": "نص آلي غير مُتحقَّق منه",
           "t_verified": "مُتحقَّق منها", "t_unverified": "غير مُتحقَّق منها"},
    "en": {"verified": "verified — corrected by {by}, verified by {checker}",
           "corrected": "corrected, NOT verified — corrected by {by}",
           "machine": "machine transcript, unverified",
           "t_verified": "verified", "t_unverified": "NOT verified"},
}


def summary_block(record: dict[str, Any] | None, language: str = "en") -> str:
    """The summary's lines under a clip, in ``language`` ("ar" or "en"): what was said (the
    verified text, else the corrected or the machine's, marked as such), and its
    translations; names and texts as entered, isolated."""
    if record is None:
        return ""
    words = _SAID["ar" if language == "ar" else "en"]
    rows = []
    for r in record["ranges"]:
        by = f"<bdi>{_safe(r['corrected_by'] or '')}</bdi>"
        if r["verified"]:
            state = words["verified"].format(
                by=by, checker=f"<bdi>{_safe(r['verified_by'] or '')}</bdi>")
        else:
            state = words["corrected"].format(by=by)
        rows.append(f"<p class='said'><bdi dir='auto'>{_safe(r['text'])}</bdi> "
                    f"<small>({state})</small></p>")
        for t in r["translations"]:
            mark = words["t_verified"] if t["verified"] else words["t_unverified"]
            rows.append(f"<p class='translation' lang='{_safe(t['language'])}' dir='auto'>"
                        f"<small>[<code dir='ltr'>{_safe(t['language'])}</code>, {mark}]"
                        f"</small> <bdi>{_safe(t['text'])}</bdi></p>")
    if not record["ranges"]:
        rows.append(f"<p class='said machine'><bdi dir='auto'>"
                    f"{_safe(record['machine_text']) or '—'}</bdi> <small>"
                    f"({words['machine']})</small></p>")
    return "".join(rows)
