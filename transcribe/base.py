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

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "language_probability": self.language_probability,
            "duration": self.duration,
            "engine": self.engine,
            "model": self.model_id,
            "model_sha256": self.model_sha256,
            "params": self.params,
            "segments": [
                {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text}
                for s in self.segments
            ],
        }


class Engine(Protocol):
    name: str

    def transcribe(self, media: Path, language: str | None = None) -> TranscriptionResult:
        """Transcribe ``media``; ``language`` is a hint (None: detect). Raise
        TranscriptionError with a reason a monitor understands."""
        ...
