"""The demo's verified corrections: the machine's error rate has references to show.

``seed_corrections(reviewer, verifier)`` corrects each demo broadcast's ASR transcript to
what its speech really says (``raqib.demo.speech.spoken_text``: the script espeak-ng
spoke) through ``review.corrections.correct``, one range over all its segments, and has a
second person verify it (``verify``: the two-person rule holds), so the dashboard's
machine error chart and ``raqib eval-asr --verified`` have the demo's verified ranges.
Idempotent: a transcript that already has a correction is left alone. To correct another
broadcast: give its slug speech in ``raqib.demo.speech.SPEECH``.
"""

from __future__ import annotations

from typing import Any

from catalog.models import Broadcast, Correction, Transcript
from raqib.demo.speech import SPEECH, spoken_text
from review.corrections import MAX_SEGMENTS, CorrectionError, correct, verify


def seed_corrections(reviewer: Any, verifier: Any) -> dict[str, int]:
    """Correct and verify the demo transcripts not corrected yet; counts by outcome
    (``verified``, ``existing``, ``skipped``: no broadcast or transcript)."""
    counts = {"verified": 0, "existing": 0, "skipped": 0}
    for slug in SPEECH:
        broadcast = (Broadcast.objects.filter(url__endswith=f"/items/{slug}.html")
                     .order_by("id").first())
        transcript = None if broadcast is None else (
            Transcript.objects.filter(broadcast=broadcast, track=Transcript.TRACK_ASR)
            .order_by("id").first())
        last = None if transcript is None else transcript.segments.order_by("-number").first()
        if last is None:
            counts["skipped"] += 1
            continue
        if Correction.objects.filter(transcript=transcript).exists():
            counts["existing"] += 1
            continue
        try:
            made = correct(broadcast, 0, min(last.number, MAX_SEGMENTS - 1), spoken_text(slug),
                           by=reviewer, transcript=transcript)
        except CorrectionError:
            counts["skipped"] += 1
            continue
        verify(made, by=verifier)
        counts["verified"] += 1
    return counts
