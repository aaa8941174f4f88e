"""The openai-whisper engine on real (synthetic) Arabic speech, with the bundled base weights
converted to an openai-whisper checkpoint; and both engines through ``raqib transcribe``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from raqib.config import load_config
from transcribe.base import TranscriptionError
from transcribe.model_resolver import models_dir

pytest.importorskip("whisper", reason="the [openai] extra (openai-whisper) is not installed")

ARABIC = re.compile(r"[\u0600-\u06FF]")
PIN = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def openai_engine(bundled_model: Path):
    from transcribe.model_resolver import describe_directory
    from transcribe.openai_whisper_engine import OpenAIWhisperEngine

    return OpenAIWhisperEngine(describe_directory(bundled_model),
                               cache_dir=models_dir(load_config().data_dir) / "openai")


@pytest.fixture(scope="module")
def amani_result(openai_engine, amani_video: Path):
    return openai_engine.transcribe(amani_video, language="ar")


def test_arabic_speech_with_hint(openai_engine, amani_result) -> None:
    result = amani_result
    assert result.language == "ar" and 2.0 < result.duration < 4.0
    assert result.segments, "no segments"
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
    for seg in result.segments:
        assert 0 <= seg.start < seg.end <= result.duration
        assert ARABIC.search(seg.text) and seg.text == seg.text.strip()
        assert seg.words and all(seg.start - 0.05 <= w["start"] <= w["end"] <= seg.end + 0.05
                                 for w in seg.words)
        assert seg.compression_ratio is not None and seg.avg_logprob is not None
    assert "أماني" in " ".join(s.text for s in result.segments)
    assert result.engine == "openai-whisper" and result.model_id.startswith("whisper-base-")
    assert result.model_sha256 == openai_engine.checkpoint_sha256 != PIN
    p = result.params
    assert (p["task"], p["language_hint"], p["vad_filter"], p["word_timestamps"],
            p["condition_on_previous_text"]) == ("transcribe", "ar", True, True, False)
    assert p["temperature"] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert (p["device"], p["precision"]) in {("cpu", "float32"), ("cuda", "float16")}
    assert p["source_model_sha256"] == PIN and p["seed"] == openai_engine.seed
    assert p["cpu_threads"] >= 1


def test_silence_gives_no_segments_and_real_timeline(openai_engine, media_dir: Path) -> None:
    """VAD drops the leading silence; timestamps stay on the original timeline."""
    from transcribe_helpers import ffmpeg

    padded = media_dir / "amani-padded.wav"
    if not padded.exists():
        ffmpeg("-i", str(media_dir / "amani.wav"), "-af", "adelay=4000", str(padded))
    result = openai_engine.transcribe(padded, language="ar")
    assert result.segments and result.segments[0].start >= 3.0
    assert "أماني" in " ".join(s.text for s in result.segments)


def test_unreadable_file_is_a_clear_error(openai_engine, tmp_path: Path) -> None:
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"\0" * 100)
    with pytest.raises(TranscriptionError, match="ffmpeg cannot read it"):
        openai_engine.transcribe(bad)


@pytest.mark.parametrize("engine", ["faster-whisper", "openai-whisper"])
def test_cli_both_engines(engine: str, amani_video: Path, openai_engine) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "raqib", "transcribe", str(amani_video), "--engine", engine,
         "--language", "ar", "--format", "json", "--model", "bundled-base"],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["engine"] == engine and data["language"] == "ar"
    segments = data["segments"]
    assert segments and [s["start"] for s in segments] == sorted(s["start"] for s in segments)
    assert all(ARABIC.search(s["text"]) for s in segments)
    assert all(s["words"] for s in segments)
    expected_sha = PIN if engine == "faster-whisper" else openai_engine.checkpoint_sha256
    assert data["model_sha256"] == expected_sha


def test_language_is_detected_without_hint(openai_engine, detect_speech: Path) -> None:
    lang, probability = openai_engine.detect_language(detect_speech)
    assert lang == "ar" and 0.5 < probability <= 1.0


def test_default_threads_are_one_and_recorded(openai_engine) -> None:
    # issue 27: with all cores, torch's threads spin on a busy machine (3.1x the CPU time)
    from transcribe.openai_whisper_engine import DEFAULT_THREADS

    assert DEFAULT_THREADS == 1
    assert openai_engine.threads == 1  # transcribe.threads is 0 (the default) here
    assert openai_engine.params("ar")["cpu_threads"] == 1


def test_torch_threads_are_set_once_and_a_second_call_is_harmless() -> None:
    # set_num_interop_threads raises when called twice or after inter-op work started:
    # configure_torch_threads must set it the first time and never fail afterwards, even
    # when something else set it first.
    code = (
        "import torch\n"
        "from transcribe.openai_whisper_engine import configure_torch_threads\n"
        "configure_torch_threads(2)\n"
        "a = (torch.get_num_threads(), torch.get_num_interop_threads())\n"
        "torch.ones(64, 64) @ torch.ones(64, 64)\n"
        "configure_torch_threads(1)\n"
        "b = (torch.get_num_threads(), torch.get_num_interop_threads())\n"
        "print(a, b)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300)
    assert out.stdout.strip() == "(2, 1) (1, 1)"
    first_elsewhere = ("import torch\n"
                       "torch.set_num_interop_threads(3)\n"
                       "from transcribe.openai_whisper_engine import configure_torch_threads\n"
                       "configure_torch_threads(1)\n"
                       "print(torch.get_num_threads(), torch.get_num_interop_threads())\n")
    out = subprocess.run([sys.executable, "-c", first_elsewhere], capture_output=True,
                         text=True, check=True, timeout=300)
    assert out.stdout.strip() == "1 3"
