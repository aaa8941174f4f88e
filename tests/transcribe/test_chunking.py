"""Chunked transcription: cuts land in silence near each boundary, only a chunk's samples
are read, timestamps are shifted to the whole file, a second run reuses every stored chunk,
and the pipeline stores one transcript (words, dropped segments, language evidence) in one
transaction that also clears the chunks."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from transcribe_helpers import DETECT_TEXT, ffmpeg, speak

from transcribe.audio import SAMPLE_RATE, read_samples
from transcribe.base import SegmentResult, TranscriptionResult
from transcribe.chunking import MemoryStore, plan_chunks, transcribe_chunked


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return 0.5 * np.sin(2 * np.pi * 300 * t)


def test_cuts_fall_in_the_silence_before_each_boundary(tmp_path: Path) -> None:
    # 4.2 s tone, 0.5 s silence, 4.3 s tone, 0.5 s silence, 3 s tone: 12.5 s in all.
    gap = np.zeros(SAMPLE_RATE // 2)
    wav = write_wav(tmp_path / "a.wav", np.concatenate([tone(4.2), gap, tone(4.3), gap,
                                                        tone(3.0)]))
    chunks = plan_chunks(wav, 5)
    assert [c.number for c in chunks] == [0, 1, 2]
    assert 4.2 <= chunks[0].end <= 4.7 and 9.0 <= chunks[1].end <= 9.5
    assert chunks[-1].end == pytest.approx(12.5)
    assert all(c.end - c.start <= 5 for c in chunks)
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:], strict=False))
    assert plan_chunks(wav, 5) == chunks  # deterministic: what lets a restart reuse chunks
    assert len(plan_chunks(wav, 600)) == 1


def test_without_silence_the_cut_is_at_the_boundary(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "b.wav", tone(11.0))
    chunks = plan_chunks(wav, 5)
    assert [round(c.end - c.start, 1) for c in chunks] == [5.0, 5.0, 1.0]


def test_read_samples_reads_only_the_requested_frames(tmp_path: Path) -> None:
    samples = np.linspace(-0.5, 0.5, SAMPLE_RATE * 3)
    wav = write_wav(tmp_path / "c.wav", samples)
    part = read_samples(wav, SAMPLE_RATE, 160)
    assert part.shape == (160,) and part.dtype == np.float32
    assert np.allclose(part, samples[SAMPLE_RATE:SAMPLE_RATE + 160], atol=1e-4)
    assert read_samples(wav, SAMPLE_RATE * 10, 100).size == 0  # past the end


class Counting:
    """The real engine, with a count of the chunks it was asked to transcribe."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.calls = engine, 0

    def __getattr__(self, name: str):  # noqa: ANN204 - name, model, device, params...
        return getattr(self.engine, name)

    def transcribe(self, media: Path, language: str | None = None) -> TranscriptionResult:
        self.calls += 1
        return self.engine.transcribe(media, language=language)


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("chunks")
    raw = speak(DETECT_TEXT, d / "speech.wav")  # about 13 s
    out = d / "long.m4a"
    ffmpeg("-i", str(raw), "-c:a", "aac", str(out))
    return out


@pytest.mark.slow
def test_chunks_are_shifted_and_reused(engine, long_speech: Path) -> None:
    counting = Counting(engine)
    store = MemoryStore()
    first, decision, _ = transcribe_chunked(counting, long_speech, 5, "ar",
                                            store_for=lambda key: store)
    assert counting.calls == len(store.chunks) >= 3
    assert first.params["chunks"] == counting.calls and first.params["chunk_seconds"] == 5
    starts = [s.start for s in first.segments]
    assert starts == sorted(starts) and starts[-1] > 5  # shifted into the later chunks
    assert first.duration > 10 and first.language == "ar"

    again, _, _ = transcribe_chunked(counting, long_speech, 5, "ar",
                                     store_for=lambda key: store)
    assert counting.calls == len(store.chunks)  # nothing transcribed twice
    assert [s.text for s in again.segments] == [s.text for s in first.segments]


@pytest.mark.django_db
def test_store_transcript_is_one_unit_with_words_and_dropped(tmp_path: Path) -> None:
    from catalog.models import (
        Broadcast,
        DroppedSegment,
        MediaFile,
        Outlet,
        Segment,
        Source,
        TranscriptionChunk,
    )
    from raqib.transcription import store_transcript
    from transcribe.chunking import DbChunkStore
    from transcribe.postprocess import finish

    outlet = Outlet.objects.create(name="o")
    source = Source.objects.create(name="s", outlet=outlet, kind="site")
    media = MediaFile.objects.create(sha256="a" * 64, path="m.mp4", size=1)
    b = Broadcast.objects.create(source=source, outlet=outlet, external_id="1",
                                 url="https://e.org/1", media=media)
    store = DbChunkStore(b.id, "k" * 64)
    words = [{"start": 0.0, "end": 0.5, "word": "ابنتي", "p": 0.9}]
    result = TranscriptionResult("ar", 0.9, 6.0, [
        SegmentResult(0.0, 2.0, "ابنتي الدكتورة أماني", -0.2, 0.1, words),
        SegmentResult(2.0, 4.0, "ترجمة نانسي قنقر", -0.2, 0.1),
    ], "faster-whisper", "base")
    from transcribe.chunking import Chunk

    store.save(Chunk(0, 0.0, 6.0), {"segments": []})
    assert TranscriptionChunk.objects.filter(broadcast=b).count() == 1
    final = finish(result)
    transcript, replaced = store_transcript(b, final, store)
    assert replaced == []
    assert list(Segment.objects.filter(transcript=transcript).values_list("text", "words")) == [
        ("ابنتي الدكتورة أماني", words)]
    assert list(DroppedSegment.objects.values_list("text", "reason")) == [
        ("ترجمة نانسي قنقر", "subtitle credit")]
    assert transcript.text_language == "ar" and transcript.language_flags == []
    assert not TranscriptionChunk.objects.filter(broadcast=b).exists()
    again, replaced = store_transcript(b, final)
    assert replaced == [transcript.id] and Segment.objects.count() == 1
