"""The transcription stage's interface.

An ``Engine`` turns an audio/video file into a ``TranscriptionResult`` with timed segments.
The task is always transcription (never translation). To add an engine: write a module
with a class implementing ``Engine`` and add one line to ``transcribe.registry``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


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


class Engine(Protocol):
    name: str

    def transcribe(self, media: Path, language: str | None = None) -> TranscriptionResult:
        """Transcribe ``media``; ``language`` is a hint (None: detect). Raise
        TranscriptionError with a reason a monitor understands."""
        ...
