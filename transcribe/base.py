"""The transcription stage's interface: the ``Engine`` base class and what it produces.

An ``Engine`` turns an audio/video file into a ``TranscriptionResult`` with timed segments.
The task is always transcription (never translation). ``Engine`` declares every capability
the rest of Raqib relies on (name, model id and hash, decoding parameters, language
detection, progress reporting, building from the settings), each with a default, so the
core reads them and never probes an engine with ``hasattr``.

To add an engine: write ``transcribe/<name>_engine.py`` with a subclass of ``Engine`` that
sets ``name``, implements ``transcribe`` (raising ``TranscriptionError`` for unusable
files) and overrides what it can do better than the defaults (``params``, ``from_config``,
``detects_language`` with ``detect_language``, ``model_sha256``, ``hotwords`` in its
decoding options); then add one line to
``transcribe.registry``. ``tests/transcribe/test_engine_contract.py`` runs every registered
engine through the same checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from catalog.components import Settings

# progress(done_seconds, total_seconds), called by an engine after each segment
Progress = Callable[[float, float], None]


class TranscriptionError(Exception):
    """A file that cannot be transcribed: corrupt, empty, no audio stream, model missing."""


@dataclass
class SegmentResult:
    start: float
    end: float
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    # Word timestamps: [{"start": float, "end": float, "word": str, "p": float}, ...]
    words: list[dict[str, Any]] | None = None
    compression_ratio: float | None = None


@dataclass
class TranscriptionResult:
    language: str
    language_probability: float | None
    duration: float
    segments: list[SegmentResult]
    engine: str
    model_id: str
    model_sha256: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    # What the hallucination filter removed: (SegmentResult, reason) pairs, kept for review.
    dropped: list[tuple[SegmentResult, str]] = field(default_factory=list)
    # Language evidence beside ``language`` (Whisper's audio detection, or the hint used):
    text_language: str = ""  # langdetect on the transcript text (seeded)
    text_language_probability: float | None = None
    language_flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "language_probability": self.language_probability,
            "duration": self.duration,
            "engine": self.engine,
            "model": self.model_id,
            "model_sha256": self.model_sha256,
            "params": self.params,
            "text_language": self.text_language,
            "text_language_probability": self.text_language_probability,
            "language_flags": self.language_flags,
            "segments": [
                {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text,
                 **({"words": s.words} if s.words is not None else {})}
                for s in self.segments
            ],
            "dropped": [
                {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text,
                 "reason": reason}
                for s, reason in self.dropped
            ],
        }


@dataclass(frozen=True)
class ResolvedModel:
    """The weights an engine runs: what to load (``source``) and how to record it.
    ``transcribe.model_resolver`` makes these from the ``transcribe.model`` setting."""

    source: str  # a local directory path or a model name
    model_id: str
    sha256: str = ""  # of model.bin; empty only when the weights are not local
    kind: str = "directory"  # "bundled", "directory", "named" or "checkpoint" (a .pt file)


class Engine(ABC):
    """The base every speech engine subclasses. ``transcribe`` is required; every other
    capability is declared here with its default, so the core reads it instead of probing."""

    name: ClassVar[str] = ""  # the ``transcribe.engine`` setting that selects it
    # True when ``detect_language`` works: the chunker then decides the language once, on
    # the opening of the audio, before the first chunk (``transcribe.language_check``).
    detects_language: ClassVar[bool] = False

    # Names and words the engine is told to expect (faster-whisper ``hotwords``,
    # openai-whisper ``initial_prompt``); "" for none. Set by the caller before a run
    # (``raqib.hotwords`` builds it); an engine that can use it puts it in ``params``.
    hotwords: str = ""

    def __init__(self, model: ResolvedModel) -> None:
        self.model = model

    @classmethod
    def from_config(cls, config: Settings, model: ResolvedModel) -> Engine:
        """Build the engine from the ``transcribe.*`` settings (the registry calls this).
        Default: ``cls(model)``."""
        return cls(model)

    @property
    def model_id(self) -> str:
        """The model's stable id, as transcripts record it."""
        return self.model.model_id

    @property
    def model_sha256(self) -> str:
        """The SHA-256 of the weights that actually run (transcripts record it)."""
        return self.model.sha256

    def params(self, language: str | None) -> dict[str, Any]:
        """Every decoding choice for a run in ``language`` (recorded, part of the run key)."""
        return {}

    @abstractmethod
    def transcribe(self, media: Path, language: str | None = None, *,
                   progress: Progress | None = None) -> TranscriptionResult:
        """Transcribe ``media``; ``language`` is a hint (None: detect);
        ``progress(done_seconds, total_seconds)`` after each segment. Raise
        TranscriptionError with a reason a monitor understands."""

    def detect_language(self, media: Path) -> tuple[str, float] | None:
        """``(language, probability)`` heard in the opening of ``media``; None when there is
        no speech to judge. Only called when ``detects_language`` is True. Default: None."""
        return None
