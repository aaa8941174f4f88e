"""Fixtures for the transcription tests: the real bundled model and real speech.

Speech is generated at test time with espeak-ng (Arabic voice) and ffmpeg. ``bundled_model``
assembles the offline Whisper base model once per session in the session data dir, which
the ``raqib`` subprocesses share through ``RAQIB_DATA_DIR``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from transcribe_helpers import AMANI_TEXT, DETECT_TEXT, ROOM_FILTER, ffmpeg, speak


@pytest.fixture(scope="session")
def bundled_model() -> Path:
    """The assembled, verified offline Whisper base model (``<data_dir>/models/...``)."""
    from raqib.config import load_config
    from transcribe.bundled_model import ensure_bundled_model
    from transcribe.model_resolver import models_dir

    return ensure_bundled_model(models_dir(load_config().data_dir))


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def amani_video(media_dir: Path) -> Path:
    """A small MP4 (black picture, AAC audio) of an Arabic voice saying AMANI_TEXT."""
    wav = speak(AMANI_TEXT, media_dir / "amani.wav")
    out = media_dir / "amani.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=black:s=64x64:r=10", "-i", str(wav), "-shortest",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out))
    return out


@pytest.fixture(scope="session")
def detect_speech(media_dir: Path) -> Path:
    raw = speak(DETECT_TEXT, media_dir / "detect-raw.wav", speed=130, pitch=40)
    out = media_dir / "detect.m4a"
    ffmpeg("-i", str(raw), "-af", ROOM_FILTER, "-c:a", "aac", str(out))
    return out


@pytest.fixture(scope="session")
def engine(bundled_model: Path):
    from transcribe.faster_whisper_engine import FasterWhisperEngine
    from transcribe.model_resolver import describe_directory

    return FasterWhisperEngine(describe_directory(bundled_model))
