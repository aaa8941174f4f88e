"""Chunked, resumable transcription of long media in bounded memory.

``transcribe_chunked`` extracts the audio once (16 kHz mono WAV in a temporary directory),
plans chunks of about ``chunk_seconds`` that end at the quietest 100 ms near each boundary
(found by reading only a few seconds around it), and hands the engine one chunk at a time,
written to its own small WAV: a three-hour broadcast never sits in memory whole. Each
finished chunk's segments (timestamps shifted to the whole file) go to a ``ChunkStore``;
on a restart the stored chunks are reused and only the rest is transcribed. The caller
writes the final transcript and then clears the store (``DbChunkStore`` keeps chunks as
``TranscriptionChunk`` rows, one transaction each, keyed by ``run_key``).

The language is decided once, before the first chunk, by ``transcribe.language_check``,
and every chunk is transcribed in it, so a long programme is not split across languages.
The plan is deterministic for the same audio and settings, which is what lets a restart
reuse chunks. To change how chunks are cut, change ``plan_chunks``; to keep chunks
elsewhere (files, Redis), subclass ``ChunkStore``. The engine is any ``transcribe.base.Engine``;
only what that base class declares is used.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from transcribe.audio import SAMPLE_RATE, extract_audio, read_frames, read_samples, wav_info
from transcribe.base import Engine, SegmentResult, TranscriptionResult
from transcribe.language_check import LanguageDecision, decide_language, detect_audio_language

FRAME = SAMPLE_RATE // 10  # 100 ms, the resolution of the silence search
SEARCH_FRACTION = 0.1  # look for silence in the last 10% of a chunk...
SEARCH_MAX_SECONDS = 15.0  # ...but never more than this


@dataclass(frozen=True)
class Chunk:
    number: int
    start: float  # seconds in the whole file
    end: float


# progress(chunk, total_chunks, reused)
ChunkProgress = Callable[[Chunk, int, bool], None]


class ChunkStore:
    """Where finished chunks of one run are kept until the transcript is stored."""

    def load(self) -> dict[int, dict[str, Any]]:
        """Finished chunks of this run, by number."""
        raise NotImplementedError

    def save(self, chunk: Chunk, data: dict[str, Any]) -> None:
        """Keep one finished chunk (its segments already on the whole file's timeline)."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget this run's chunks (called once the transcript is stored). Default: nothing
        to do (a store that does not outlive the process)."""


class MemoryStore(ChunkStore):
    """A store that lives as long as the process (the ``raqib transcribe`` command)."""

    def __init__(self) -> None:
        self.chunks: dict[int, dict[str, Any]] = {}

    def load(self) -> dict[int, dict[str, Any]]:
        return dict(self.chunks)

    def save(self, chunk: Chunk, data: dict[str, Any]) -> None:
        self.chunks[chunk.number] = data

    def clear(self) -> None:
        self.chunks.clear()


class DbChunkStore(ChunkStore):
    """Finished chunks as ``TranscriptionChunk`` rows of one broadcast and run key."""

    def __init__(self, broadcast_id: int, run_key: str) -> None:
        self.broadcast_id, self.run_key = broadcast_id, run_key

    def load(self) -> dict[int, dict[str, Any]]:
        from catalog.models import TranscriptionChunk

        rows = TranscriptionChunk.objects.filter(broadcast_id=self.broadcast_id,
                                                 run_key=self.run_key)
        return {row.number: row.result for row in rows}

    def save(self, chunk: Chunk, data: dict[str, Any]) -> None:
        from django.db import transaction
        from django.db.models.functions import Now

        from catalog.models import Broadcast, TranscriptionChunk

        with transaction.atomic():
            TranscriptionChunk.objects.update_or_create(
                broadcast_id=self.broadcast_id, run_key=self.run_key, number=chunk.number,
                defaults={"start": chunk.start, "end": chunk.end, "result": data})
            # A long run keeps its broadcast fresh, so the scheduler does not think the
            # worker died and queue the same work again.
            Broadcast.objects.filter(pk=self.broadcast_id).update(updated_at=Now())

    def clear(self) -> None:
        from catalog.models import TranscriptionChunk

        TranscriptionChunk.objects.filter(broadcast_id=self.broadcast_id,
                                          run_key=self.run_key).delete()


def _quietest(wav: Path, start: int, end: int) -> int:
    """The frame that ends the quietest 100 ms between frames ``start`` and ``end``."""
    samples = read_samples(wav, start, end - start)
    frames = len(samples) // FRAME
    if frames < 2:
        return end
    energy = (samples[: frames * FRAME].reshape(frames, FRAME) ** 2).mean(axis=1)
    # Ties go to the latest frame, so chunks stay as close to chunk_seconds as possible.
    best = frames - 1 - int(np.argmin(energy[::-1]))
    return start + (best + 1) * FRAME


def plan_chunks(wav: Path, chunk_seconds: float) -> list[Chunk]:
    """Cut ``wav`` into chunks of at most ``chunk_seconds``, at silence where there is some."""
    total = wav_info(wav)
    size = max(1, int(chunk_seconds * SAMPLE_RATE))
    search = min(int(size * SEARCH_FRACTION), int(SEARCH_MAX_SECONDS * SAMPLE_RATE))
    cuts, pos = [0], 0
    while total - pos > size:
        target = pos + size
        cut = _quietest(wav, target - search, target) if search >= 2 * FRAME else target
        pos = cut if cut > pos else target
        cuts.append(pos)
    cuts.append(total)
    return [Chunk(i, cuts[i] / SAMPLE_RATE, cuts[i + 1] / SAMPLE_RATE)
            for i in range(len(cuts) - 1)]


def write_chunk(wav: Path, chunk: Chunk, dest: Path) -> Path:
    start = round(chunk.start * SAMPLE_RATE)
    raw = read_frames(wav, start, round(chunk.end * SAMPLE_RATE) - start)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(raw)
    return dest


def run_key(parts: dict[str, Any]) -> str:
    """SHA-256 of a run's identity: engine, model, its hash, parameters and the media."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str)
                          .encode("utf-8")).hexdigest()


def engine_identity(engine: Engine, language: str | None) -> dict[str, Any]:
    """What identifies a run of ``engine`` in ``language`` (hashed into the run key)."""
    return {"engine": engine.name, "model_id": engine.model_id,
            "model_sha256": engine.model_sha256, "params": engine.params(language)}


def _segment_json(seg: SegmentResult, offset: float) -> dict[str, Any]:
    words = None if seg.words is None else [
        {**w, "start": round(w["start"] + offset, 3), "end": round(w["end"] + offset, 3)}
        for w in seg.words]
    return {"start": round(seg.start + offset, 3), "end": round(seg.end + offset, 3),
            "text": seg.text, "avg_logprob": seg.avg_logprob,
            "no_speech_prob": seg.no_speech_prob, "compression_ratio": seg.compression_ratio,
            "words": words}


def _chunk_json(result: TranscriptionResult, chunk: Chunk) -> dict[str, Any]:
    return {"language": result.language, "language_probability": result.language_probability,
            "engine": result.engine, "model_id": result.model_id,
            "model_sha256": result.model_sha256, "params": result.params,
            "segments": [_segment_json(s, chunk.start) for s in result.segments]}


@dataclass
class ChunkedRun:
    """What ``prepare`` decided; ``run`` then transcribes (or reuses) each chunk."""

    wav: Path
    chunks: list[Chunk]
    decision: LanguageDecision
    identity: dict[str, Any]


def prepare(engine: Engine, wav: Path, chunk_seconds: float, hint: str | None,
            forced: bool = False) -> ChunkedRun:
    """Plan the chunks and decide the language (one cheap detection on the opening)."""
    chunks = plan_chunks(wav, chunk_seconds)
    detected = detect_audio_language(engine, wav)  # evidence even when the language is forced
    decision = decide_language(hint, detected, forced=forced)
    identity = {**engine_identity(engine, decision.language), "chunk_seconds": chunk_seconds,
                "language_decision": decision.to_json()}
    return ChunkedRun(wav, chunks, decision, identity)


def run(engine: Engine, plan: ChunkedRun, store: ChunkStore, work_dir: Path,
        progress: ChunkProgress | None = None) -> TranscriptionResult:
    """Transcribe every chunk not in ``store`` and merge all of them into one result."""
    done = store.load()
    language = plan.decision.language
    if language is None and 0 in done:
        language = done[0]["language"]  # chunk 0 detected it; the rest follow
    for chunk in plan.chunks:
        if chunk.number in done:
            if progress:
                progress(chunk, len(plan.chunks), True)
            continue
        piece = write_chunk(plan.wav, chunk, work_dir / f"chunk-{chunk.number}.wav")
        try:
            result = engine.transcribe(piece, language=language)
        finally:
            piece.unlink(missing_ok=True)
        language = language or result.language
        done[chunk.number] = _chunk_json(result, chunk)
        store.save(chunk, done[chunk.number])
        if progress:
            progress(chunk, len(plan.chunks), False)
    return merge(plan, [done[c.number] for c in plan.chunks])


def merge(plan: ChunkedRun, pieces: list[dict[str, Any]]) -> TranscriptionResult:
    first = pieces[0]
    decision = plan.decision
    language = decision.language or first["language"]
    probability = decision.probability if decision.detected == language \
        else first["language_probability"]
    segments = [SegmentResult(**seg) for piece in pieces for seg in piece["segments"]]
    params = {**first["params"], "language": language, "chunk_seconds": plan.identity[
        "chunk_seconds"], "chunks": len(plan.chunks)}
    return TranscriptionResult(
        language=language, language_probability=probability,
        duration=plan.chunks[-1].end if plan.chunks else 0.0, segments=segments,
        engine=first["engine"], model_id=first["model_id"],
        model_sha256=first["model_sha256"], params=params)


def transcribe_chunked(engine: Engine, media: Path, chunk_seconds: float, hint: str | None = None,
                       *, forced: bool = False,
                       store_for: Callable[[str], ChunkStore] | None = None,
                       media_sha256: str = "",
                       progress: ChunkProgress | None = None,
                       ) -> tuple[TranscriptionResult, LanguageDecision, ChunkStore]:
    """Transcribe ``media`` chunk by chunk; return the merged result, the language decision
    and the store (clear it once the result is saved). ``store_for(run_key)`` gives the
    store of this run (default: in memory)."""
    with tempfile.TemporaryDirectory(prefix="raqib-chunks-") as tmp:
        wav = extract_audio(Path(media), Path(tmp) / "audio.wav")
        plan = prepare(engine, wav, chunk_seconds, hint, forced)
        key = run_key({**plan.identity, "media_sha256": media_sha256 or str(media)})
        store = store_for(key) if store_for else MemoryStore()
        result = run(engine, plan, store, Path(tmp), progress)
    return result, plan.decision, store
