"""faster-whisper on real (synthetic) Arabic speech with the bundled base model."""

from __future__ import annotations

import re
from pathlib import Path

from transcribe.faster_whisper_engine import load_model

ARABIC = re.compile(r"[\u0600-\u06FF]")
PIN = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"


def test_arabic_speech_with_hint(engine, amani_video: Path) -> None:
    seen: list[tuple[float, float]] = []
    result = engine.transcribe(amani_video, language="ar",
                               progress=lambda done, total: seen.append((done, total)))
    assert result.language == "ar" and 2.0 < result.duration < 4.0
    assert result.segments, "no segments"
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
    for seg in result.segments:
        assert 0 <= seg.start < seg.end <= result.duration
        assert ARABIC.search(seg.text) and seg.text == seg.text.strip()
    assert "أماني" in " ".join(s.text for s in result.segments)
    assert seen and all(done <= total == result.duration for done, total in seen)
    assert (result.engine, result.model_sha256) == ("faster-whisper", PIN)
    assert result.model_id.startswith("whisper-base-")
    p = result.params
    assert (p["task"], p["language_hint"], p["vad_filter"], p["word_timestamps"],
            p["condition_on_previous_text"]) == ("transcribe", "ar", True, True, False)
    assert p["seed"] == engine.seed and p["temperature"] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert (p["compression_ratio_threshold"], p["log_prob_threshold"],
            p["no_speech_threshold"]) == (2.4, -1.0, 0.6)
    assert (p["device"], p["compute_type"]) in {("cpu", "int8"), ("cuda", "float16")}
    assert p["batched"] is (p["device"] == "cuda") and p["cpu_threads"] >= 1


def test_word_timestamps_and_compression_ratio(engine, amani_video: Path) -> None:
    result = engine.transcribe(amani_video, language="ar")
    words = [w for seg in result.segments for w in seg.words]
    assert words and "أماني" in [w["word"] for w in words]
    for seg in result.segments:
        assert seg.compression_ratio is not None and seg.compression_ratio > 0
        assert " ".join(w["word"] for w in seg.words) == seg.text
        for w in seg.words:
            assert seg.start - 0.05 <= w["start"] <= w["end"] <= seg.end + 0.05
            assert 0.0 <= w["p"] <= 1.0
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)


def test_same_input_same_transcript(engine, amani_video: Path) -> None:
    first = engine.transcribe(amani_video, language="ar").to_json()
    again = engine.transcribe(amani_video, language="ar").to_json()
    assert first == again


def test_language_is_detected_without_hint(engine, detect_speech: Path) -> None:
    result = engine.transcribe(detect_speech)
    assert result.language == "ar"
    assert 0.5 < result.language_probability <= 1.0
    assert result.params["language_hint"] is None


def test_model_is_loaded_once_per_process(engine) -> None:
    args = (engine.model.source, engine.device, engine.compute_type, engine.threads)
    assert load_model(*args) is load_model(*args)
