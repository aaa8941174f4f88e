"""What every transcription goes through after the engine: the hallucination filter, then
the language evidence (on the text that was kept).

Used alike by the pipeline, ``raqib retranscribe`` and ``raqib transcribe FILE``, so a
transcript looks the same whichever way it was made. To add a step, call it here, after the
filter, and record what it did in ``result.params``.
"""

from __future__ import annotations

from transcribe.base import TranscriptionResult
from transcribe.hallucination import apply_filter
from transcribe.language_check import LanguageDecision, apply_language_check


def finish(result: TranscriptionResult, decision: LanguageDecision | None = None,
           hallucination_filter: bool = True) -> TranscriptionResult:
    """Filter (when enabled) and attach language evidence; returns a new result."""
    if hallucination_filter:
        result = apply_filter(result)
    else:
        result.params = {**result.params, "hallucination_filter": "off"}
    return apply_language_check(result, decision)
