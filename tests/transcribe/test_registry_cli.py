"""The engine registry and the ``raqib transcribe`` command (run as a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from raqib.config import load_config
from transcribe.base import TranscriptionError
from transcribe.faster_whisper_engine import FasterWhisperEngine
from transcribe.registry import get_engine


def raqib(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def test_registry_builds_the_configured_engine(bundled_model: Path) -> None:
    engine = get_engine(load_config(), model="bundled-base")
    assert isinstance(engine, FasterWhisperEngine)
    assert (Path(engine.model.source), engine.beam_size, engine.vad) == (bundled_model, 5, True)


def test_registry_rejects_unknown_engine() -> None:
    with pytest.raises(TranscriptionError, match="unknown transcription engine 'vosk'"):
        get_engine(load_config(), engine="vosk")


def test_cli_json(bundled_model: Path, amani_video: Path) -> None:
    proc = raqib("transcribe", str(amani_video), "--language", "ar", "--format", "json",
                 "--model", "bundled-base")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["language"] == "ar" and data["duration"] > 2
    assert data["segments"] and {"start", "end", "text"} <= set(data["segments"][0])
    assert data["model"] == bundled_model.name
    assert data["model_sha256"].startswith(bundled_model.name.rsplit("-", 1)[1])
    # The same post-processing as the pipeline: filter and language evidence are shown.
    assert data["dropped"] == [] and data["params"]["hallucination_filter"] == "1"
    assert data["text_language"] == "ar" and 0 < data["text_language_probability"] <= 1
    decision = data["params"]["language_decision"]
    assert decision["rule"] == "forced" and decision["hint"] == "ar" and decision["detected"]
    assert "non-arabic" not in data["language_flags"]
    assert data["params"]["chunks"] == 1
    assert "[raqib 1/1] transcribed chunk to" in proc.stderr  # progress, even when piped


def test_cli_without_language_uses_the_configured_default_and_says_so(
        bundled_model: Path, amani_video: Path) -> None:
    # issue 27: without --language, plain espeak-ng Arabic was detected as English and
    # written as an English transcript. Now transcribe.language (default ar) is the prior.
    proc = raqib("transcribe", str(amani_video), "--format", "json", "--model", "bundled-base")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    decision = data["params"]["language_decision"]
    assert data["language"] == "ar" and decision["hint"] == "ar"
    assert decision["rule"] in {"hint", "hint-confirmed", "hint-kept"}, decision
    assert ("detection-disagrees" in data["language_flags"]) is (decision["rule"] == "hint-kept")
    reason = data["language_choice"]["reason"]
    assert reason.startswith("ar: the configured default (transcribe.language)"), reason
    assert data["language_choice"]["language"] == "ar"
    assert f"language {reason}" in proc.stderr
    assert "أماني" in " ".join(s["text"] for s in data["segments"])


def test_text_output_starts_with_the_language_and_why() -> None:
    from raqib.commands.transcribe import _render
    from transcribe.base import SegmentResult, TranscriptionResult

    result = TranscriptionResult("ar", None, 2.0, [SegmentResult(0.0, 1.5, "أماني")],
                                 "faster-whisper", "m")
    assert _render(result, "text", "ar: --language").splitlines() == [
        "language: ar: --language", "[00:00:00.000 --> 00:00:01.500] أماني"]
    assert "language" not in _render(result, "srt", "ar: --language")


def test_cli_unreadable_file_is_one_line_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n" * 10)
    proc = raqib("transcribe", str(bad), "--model", "bundled-base")
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("[raqib]")]  # not progress
    assert errors == [f"raqib: cannot transcribe {bad}: ffmpeg cannot read it: "
                      "Invalid data found when processing input"]


def test_cli_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "raqib.toml"
    config.write_text("[transcribe]\nbeam_size = 'wide'\n")
    proc = raqib("transcribe", "x.mp4", env={"RAQIB_CONFIG": str(config)})
    assert proc.returncode == 2 and "transcribe.beam_size" in proc.stderr
