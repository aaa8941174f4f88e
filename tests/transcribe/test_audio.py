"""Audio extraction: unusable files fail with a reason; the original is never touched."""

from __future__ import annotations

import hashlib
import wave
from pathlib import Path

import pytest
from transcribe_helpers import ffmpeg

from transcribe.audio import SAMPLE_RATE, extract_audio, prepared_audio, probe
from transcribe.base import TranscriptionError


def _zero_length_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(b"")
    return path


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _silent_video(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "color=black:s=64x64:r=10:d=1", "-an", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", str(path))
    return path


@pytest.mark.parametrize("make, reason", [
    (lambda d: d / "missing.mp4", "file not found"),
    (lambda d: _write(d / "empty.mp4", b""), "empty file (0 bytes)"),
    (lambda d: _write(d / "notes.mp4", b"minutes of the meeting\n" * 20),
     "ffmpeg cannot read it: Invalid data found when processing input"),
    (lambda d: _silent_video(d / "silent.mp4"), "no audio stream"),
    (lambda d: _zero_length_wav(d / "zero.wav"), "zero-length audio"),
], ids=["missing", "empty", "text-renamed-mp4", "no-audio-stream", "zero-length"])
def test_unusable_files_raise_with_reason(engine, tmp_path: Path, make, reason: str) -> None:
    media = make(tmp_path)
    with pytest.raises(TranscriptionError) as err:
        engine.transcribe(media, language="ar")
    assert str(err.value).startswith(reason)


def test_extraction_leaves_the_original_alone(amani_video: Path, tmp_path: Path) -> None:
    media = tmp_path / "evidence.mp4"
    media.write_bytes(amani_video.read_bytes())
    digest = hashlib.sha256(media.read_bytes()).hexdigest()
    info = probe(media)
    assert (info.audio_streams, info.video_streams) == (1, 1)
    with prepared_audio(media) as samples:
        assert 2.0 < len(samples) / SAMPLE_RATE < 4.0
        assert samples.dtype.name == "float32" and abs(samples).max() > 0.05
    assert [p.name for p in tmp_path.iterdir()] == ["evidence.mp4"]
    assert hashlib.sha256(media.read_bytes()).hexdigest() == digest
    with pytest.raises(TranscriptionError, match="over the original"):
        extract_audio(media, media)


def test_only_the_opening_is_extracted_when_asked(amani_video: Path) -> None:
    """Language detection reads a bounded opening, whatever the file's length."""
    with prepared_audio(amani_video) as whole, prepared_audio(amani_video,
                                                              max_seconds=1.0) as opening:
        assert len(opening) == SAMPLE_RATE  # exactly one second
        assert len(whole) > 2 * SAMPLE_RATE
        assert (opening == whole[:SAMPLE_RATE]).all()
