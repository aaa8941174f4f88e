"""The contract every speech engine keeps, run on EVERY engine in ``transcribe.registry``.

The tests are parametrized over ``ENGINES.names()``, so an engine added to the registry is
checked here without touching this file: it subclasses ``transcribe.base.Engine``, its
``from_config`` builds it from the settings with the bundled offline Whisper base model,
it transcribes a short generated Arabic clip into timed, ordered, non-empty segments with
word timings inside the clip, records its model id and hash, reports progress, declares
its capabilities honestly (``detects_language`` goes with a working ``detect_language``),
and turns an empty or corrupt file into a ``TranscriptionError``. An engine whose optional
dependencies are missing is skipped with the reason ``from_config`` gives.

Real inference is marked ``slow``; each engine's model is loaded once (module scope).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from raqib.config import load_config
from transcribe.base import Engine, TranscriptionError, TranscriptionResult
from transcribe.chunking import engine_identity, run_key
from transcribe.model_resolver import resolve_model
from transcribe.registry import ENGINES

ARABIC = re.compile(r"[\u0600-\u06FF]")
SHA256 = re.compile(r"[0-9a-f]{64}")
SLACK = 0.05  # seconds a word may overhang its segment (rounding of the timestamps)


@pytest.fixture(scope="module", params=ENGINES.names())
def engine(request: pytest.FixtureRequest, bundled_model: Path) -> Engine:
    """The registered engine ``request.param``, built the way the pipeline builds it."""
    config = load_config()
    cls = ENGINES.load(request.param)
    try:
        return cls.from_config(config, model=resolve_model("bundled-base", config.data_dir))
    except TranscriptionError as exc:
        if "not installed" in str(exc):  # an optional extra, e.g. [openai]
            pytest.skip(f"{request.param}: {exc}")
        raise


@pytest.fixture(scope="module")
def transcribed(engine: Engine, amani_video: Path
                ) -> tuple[TranscriptionResult, list[tuple[float, float]]]:
    """The engine's transcript of the short Arabic clip, and every progress report."""
    reports: list[tuple[float, float]] = []
    result = engine.transcribe(amani_video, language="ar",
                               progress=lambda done, total: reports.append((done, total)))
    return result, reports


def test_is_a_registered_engine_subclass(engine: Engine) -> None:
    cls = type(engine)
    assert isinstance(engine, Engine) and issubclass(cls, Engine)
    assert engine.name in ENGINES and ENGINES.load(engine.name) is cls
    assert isinstance(engine.detects_language, bool)
    if not engine.detects_language:  # detection implemented but not declared is never used
        assert cls.detect_language is Engine.detect_language


def test_declares_model_and_parameters(engine: Engine) -> None:
    assert engine.model_id
    assert SHA256.fullmatch(engine.model_sha256)  # the bundled weights are local
    params = engine.params("ar")
    assert isinstance(params, dict)
    json.dumps(params)  # stored in a JSON field and hashed into the run key
    identity = engine_identity(engine, "ar")
    assert (identity["engine"], identity["model_id"], identity["model_sha256"]) == (
        engine.name, engine.model_id, engine.model_sha256)
    assert run_key(identity) == run_key(engine_identity(engine, "ar"))


@pytest.mark.parametrize("content", [b"", b"\0" * 100], ids=["empty", "corrupt"])
def test_unusable_file_is_a_transcription_error(engine: Engine, tmp_path: Path,
                                                content: bytes) -> None:
    bad = tmp_path / "clip.mp4"
    bad.write_bytes(content)
    with pytest.raises(TranscriptionError):
        engine.transcribe(bad, language="ar")
    if engine.detects_language:
        with pytest.raises(TranscriptionError):
            engine.detect_language(bad)


@pytest.mark.slow
def test_transcribes_arabic_speech_into_timed_segments(engine: Engine, transcribed) -> None:  # noqa: ANN001
    result, _ = transcribed
    assert result.engine == engine.name and result.language == "ar"
    assert 2.0 < result.duration < 4.0
    assert result.segments, "no segments"
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
    for seg in result.segments:
        assert 0 <= seg.start < seg.end <= result.duration
        assert seg.text and seg.text == seg.text.strip()
    assert ARABIC.search(" ".join(s.text for s in result.segments))


@pytest.mark.slow
def test_records_model_and_parameters(engine: Engine, transcribed) -> None:  # noqa: ANN001
    result, _ = transcribed
    assert (result.model_id, result.model_sha256) == (engine.model_id, engine.model_sha256)
    assert result.params and json.dumps(result.params)


@pytest.mark.slow
def test_word_timestamps_lie_inside_their_segment(transcribed) -> None:  # noqa: ANN001
    result, _ = transcribed
    for seg in result.segments:
        assert seg.words, f"no word timestamps in {seg.text!r}"
        for w in seg.words:
            assert seg.start - SLACK <= w["start"] <= w["end"] <= seg.end + SLACK
            assert isinstance(w["word"], str) and 0.0 <= w["p"] <= 1.0


@pytest.mark.slow
def test_progress_reports_move_forward_within_the_clip(transcribed) -> None:  # noqa: ANN001
    result, reports = transcribed
    assert reports  # at least one per kept segment
    done = [d for d, _ in reports]
    assert done == sorted(done)
    assert all(0 <= d <= total == result.duration for d, total in reports)


@pytest.mark.slow
def test_language_detection_is_honest(engine: Engine, detect_speech: Path) -> None:
    if not engine.detects_language:
        assert engine.detect_language(detect_speech) is None
        return
    found = engine.detect_language(detect_speech)
    assert found is not None
    lang, probability = found
    assert lang == "ar" and 0.0 < probability <= 1.0
