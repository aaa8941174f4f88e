"""Language evidence for a transcript: which language to transcribe in, and flags for review.

Two independent witnesses are recorded: Whisper's detection on the audio and langdetect on
the transcript text (seeded with ``DetectorFactory.seed = 0``, so it is deterministic).

The rule for choosing the transcription language (``decide_language``), documented in
docs/architecture.md:

* no hint: Whisper's detection is used;
* a hint (the source's ``language``) that Whisper's detection confirms: the hint;
* a hint that Whisper contradicts with probability >= ``OVERRIDE_PROBABILITY`` (0.8): the
  audio is transcribed in the detected language and flagged ``hint-overridden`` (an English
  programme on Press TV, a Persian one on an Iranian outlet); a weaker contradiction keeps
  the hint (Whisper base often hears synthetic or noisy Arabic as English);
* a forced language (``raqib transcribe --language``): always used as given.

The hint comes from the broadcast's source (its ``language`` key, default ``ar``), else
``transcribe.language`` (default ``ar``); ``raqib transcribe`` uses ``--language`` (forced)
or ``transcribe.language``, and prints ``describe_choice``: which language and why.

Flags (``language_flags``): ``non-arabic`` when the transcript is not in Arabic,
``hint-overridden`` (above), ``detection-disagrees`` when Whisper's detection named another
language but too weakly to override the hint (the hint is kept, never silently), and
``audio-text-disagree`` when the audio detection and a
confident (>= ``TEXT_CONFIDENCE``) text detection name different languages.

To extend: add a flag in ``language_flags``. An engine that can detect the language
declares ``detects_language = True`` and implements ``detect_language(path)`` returning
``(language, probability)`` (``transcribe.base.Engine``); ``detect_audio_language`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from transcribe.base import Engine, TranscriptionResult

OVERRIDE_PROBABILITY = 0.8
TEXT_CONFIDENCE = 0.8
ARABIC = "ar"


@dataclass(frozen=True)
class LanguageDecision:
    language: str | None  # what to transcribe in (None: let the engine detect)
    hint: str | None
    detected: str | None  # Whisper's audio detection, when it ran
    probability: float | None
    rule: str  # "forced", "detected", "hint-confirmed", "hint-kept", "hint-overridden", "hint"

    def to_json(self) -> dict[str, Any]:
        return {"hint": self.hint, "detected": self.detected,
                "detected_probability": self.probability, "rule": self.rule,
                "language": self.language}


def decide_language(hint: str | None, detected: tuple[str, float] | None,
                    forced: bool = False) -> LanguageDecision:
    """Apply the documented rule to a hint and Whisper's ``(language, probability)``."""
    hint = (hint or "").strip() or None
    lang, prob = detected if detected else (None, None)
    if hint and forced:
        return LanguageDecision(hint, hint, lang, prob, "forced")
    if detected is None:
        return LanguageDecision(hint, hint, None, None, "hint" if hint else "detected")
    if not hint:
        return LanguageDecision(lang, None, lang, prob, "detected")
    if lang == hint:
        return LanguageDecision(hint, hint, lang, prob, "hint-confirmed")
    if prob is not None and prob >= OVERRIDE_PROBABILITY:
        return LanguageDecision(lang, hint, lang, prob, "hint-overridden")
    return LanguageDecision(hint, hint, lang, prob, "hint-kept")


def _detection(decision: LanguageDecision) -> str:
    if decision.probability is None:
        return f"Whisper detected {decision.detected}"
    return f"Whisper detected {decision.detected} (p={decision.probability:.2f})"


def describe_choice(decision: LanguageDecision, hint_from: str) -> str:
    """Which language was used and why, for a person: ``"ar: --language"``, ``"ar: the
    configured default (transcribe.language)"``, a detection... ``hint_from`` says where the
    hint came from (``"--language"``, ``"the configured default (transcribe.language)"``,
    ``"the source's language"``)."""
    used = decision.language or "(detected per chunk)"
    if decision.rule == "forced":
        return f"{used}: {hint_from}"
    if decision.rule == "detected":
        if decision.detected is None:
            return f"{used}: detected by the engine (no language was given)"
        return f"{used}: {_detection(decision)}; no language was given"
    if decision.rule == "hint":
        return f"{used}: {hint_from}"
    if decision.rule == "hint-confirmed":
        return f"{used}: {hint_from}, confirmed: {_detection(decision)}"
    if decision.rule == "hint-kept":
        return (f"{used}: {hint_from}; {_detection(decision)}, too unsure to override it "
                f"(flagged detection-disagrees)")
    return (f"{used}: {_detection(decision)}, overriding {hint_from} {decision.hint} "
            f"(flagged hint-overridden)")


def detect_audio_language(engine: Engine, wav: Path) -> tuple[str, float] | None:
    """The engine's language detection on the opening of ``wav`` (Whisper reads its first
    30 s of speech); None when the engine does not detect or heard no speech."""
    if not engine.detects_language:
        return None
    found = engine.detect_language(Path(wav))
    if found is None or not found[0] or found[1] is None:
        return None
    lang, prob = found
    return str(lang), float(prob)


def text_language(text: str) -> tuple[str, float | None]:
    """langdetect's best language for ``text`` and its probability ("" when no text)."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    if not text.strip():
        return "", None
    try:
        best = detect_langs(text)[0]
    except LangDetectException:  # digits or symbols only
        return "", None
    return best.lang[:8], round(float(best.prob), 4)


def language_flags(language: str, decision: LanguageDecision | None, text_lang: str,
                   text_prob: float | None) -> list[str]:
    flags = []
    if language and language != ARABIC:
        flags.append("non-arabic")
    if decision is not None and decision.rule == "hint-overridden":
        flags.append("hint-overridden")
    if decision is not None and decision.rule == "hint-kept":
        flags.append("detection-disagrees")
    audio = decision.detected if decision and decision.detected else None
    if (audio and text_lang and text_prob is not None and text_prob >= TEXT_CONFIDENCE
            and text_lang != audio):
        flags.append("audio-text-disagree")
    return flags


def apply_language_check(result: TranscriptionResult,
                         decision: LanguageDecision | None = None) -> TranscriptionResult:
    """A copy of ``result`` with text language, flags and the decision in ``params``."""
    if decision is None:  # the engine detected (or was given) the language itself
        decision = LanguageDecision(result.language, None, result.language,
                                    result.language_probability, "detected")
    text_lang, text_prob = text_language(" ".join(s.text for s in result.segments))
    flags = language_flags(result.language, decision, text_lang, text_prob)
    params = {**result.params, "language_decision": decision.to_json()}
    return replace(result, text_language=text_lang, text_language_probability=text_prob,
                   language_flags=flags, params=params)
