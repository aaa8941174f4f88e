"""The transcription stage's catalog side: run the engine chunk by chunk, store the
transcript, and import captions.

``transcribe_broadcast`` offers the engine the broadcast's hot words (``raqib.hotwords``:
registry names and watchlist words, recorded in the transcript's params), transcribes its
media in resumable chunks
(``transcribe.chunking``), filters hallucinations and attaches language evidence
(``transcribe.postprocess``), then ``store_transcript`` writes the Transcript, its
segments (with word timings), the dropped segments and, on the embedded backend, their
index rows in ONE transaction. ``import_captions`` turns captions files kept with a
capture into a searchable ``captions`` track right after download. VTT and SRT files are
written for every transcript. ``raqib.pipeline`` calls these from its stages (this module
never imports the pipeline back); ``raqib retranscribe`` calls ``transcribe_broadcast``
directly. To store a new kind of transcript output: add it to ``store_transcript`` inside
its transaction.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from catalog import fencing
from catalog.models import Broadcast, DroppedSegment, Segment, Transcript
from index.registry import BACKENDS, get_backend
from raqib.config import Config
from raqib.hotwords import hotwords_for
from raqib.stages import StageError, StageOptions
from transcribe.base import TranscriptionError, TranscriptionResult
from transcribe.captions import import_captions as import_files
from transcribe.chunking import ChunkStore, DbChunkStore, transcribe_chunked
from transcribe.postprocess import finish
from transcribe.registry import get_engine
from transcribe.subtitles import to_srt, to_vtt

log = logging.getLogger("raqib.pipeline")


def _write_subtitles(transcript: Transcript, segments: list, data_dir: Path) -> None:
    out = data_dir / "transcripts" / str(transcript.broadcast_id)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{transcript.id}-{transcript.track}"
    for ext, text in ((".vtt", to_vtt(segments)), (".srt", to_srt(segments))):
        # Written whole or not at all: a full disk leaves no half-written subtitle file.
        final, part = out / f"{stem}{ext}", out / f".{stem}{ext}.part"
        try:
            part.write_text(text, encoding="utf-8")
            os.replace(part, final)
        except OSError:
            part.unlink(missing_ok=True)
            raise


def _chunk_logger(broadcast_id: int) -> Callable:
    def report(chunk, total: int, reused: bool) -> None:  # noqa: ANN001 - a Chunk
        log.info("chunk reused" if reused else "chunk transcribed",
                 extra={"broadcast": broadcast_id, "chunk": f"{chunk.number + 1}/{total}",
                        "at": f"{chunk.start:.1f}-{chunk.end:.1f}s"})
    return report


def _remove_from_index(transcript_ids: list[int], config: Config) -> None:
    """Drop replaced transcripts from the search index; a failure is logged (a reindex or
    the next index stage repairs it), never fatal to the work that replaced them."""
    if not transcript_ids:
        return
    try:
        backend = get_backend(config)
        for transcript_id in transcript_ids:
            backend.remove_transcript(transcript_id)
    except Exception as exc:  # noqa: BLE001 - recorded; the index is rebuilt from the catalog
        log.warning("could not remove replaced transcripts from the index",
                    extra={"transcripts": transcript_ids, "error": str(exc)})


def store_transcript(broadcast: Broadcast, result: TranscriptionResult,
                     store: ChunkStore | None = None, config: Config | None = None,
                     ) -> tuple[Transcript, list[int]]:
    """Write ``result`` (a filtered, language-checked TranscriptionResult) as the broadcast's
    ASR transcript for its model, with segments, word timings and dropped segments, in ONE
    transaction that also clears the run's chunks. Return it and the ids it replaced.
    Under a claim (``catalog.fencing``) it commits only while the claim is still ours,
    else raises ClaimLost and writes nothing.

    With a backend that lives in the catalog database (the embedded FTS5 one), the
    segments are indexed in that same transaction: search never sees a transcript without
    its index rows or the reverse. The index stage still runs (idempotently) after, and
    is what runs watchlists and feeds an external backend."""
    decision = result.params.get("language_decision") or {}
    with fencing.atomic():
        # A re-run replaces this model's transcript instead of adding a second one. Under
        # a claim, the fence above (the claim's lease row, locked until commit) makes the
        # replace one worker's: a worker that lost its claim raises ClaimLost here and
        # writes nothing. The broadcast's row is locked too, so two replaces of one
        # broadcast (a command beside a worker) queue up instead of racing: the second
        # sees and replaces the first's transcript, never a half of it.
        list(Broadcast.objects.select_for_update().filter(pk=broadcast.pk).values_list("pk"))
        old = Transcript.objects.filter(broadcast=broadcast, track=Transcript.TRACK_ASR,
                                        model_id=result.model_id)
        replaced = list(old.values_list("id", flat=True))
        old.delete()
        transcript = Transcript.objects.create(
            broadcast=broadcast, media=broadcast.media, track=Transcript.TRACK_ASR,
            engine=result.engine, model_id=result.model_id, model_sha256=result.model_sha256,
            params=result.params, language=result.language,
            language_probability=result.language_probability, duration=result.duration,
            detected_language=(decision.get("detected") or "")[:8],
            text_language=result.text_language,
            text_language_probability=result.text_language_probability,
            language_flags=result.language_flags,
        )
        Segment.objects.bulk_create([
            Segment(transcript=transcript, number=i, start=s.start, end=s.end, text=s.text,
                    avg_logprob=s.avg_logprob, no_speech_prob=s.no_speech_prob, words=s.words)
            for i, s in enumerate(result.segments)
        ])
        DroppedSegment.objects.bulk_create([
            DroppedSegment(transcript=transcript, start=s.start, end=s.end, text=s.text,
                           reason=reason[:200], avg_logprob=s.avg_logprob,
                           no_speech_prob=s.no_speech_prob)
            for s, reason in result.dropped
        ])
        if store is not None:
            store.clear()
        if config is not None:
            _index_in_catalog_transaction(transcript.id, config)
    return transcript, replaced


def _index_in_catalog_transaction(transcript_id: int, config: Config) -> None:
    # Decided from the backend's class, not by building it: an external one (which may
    # be unreachable) is never contacted from inside the catalog transaction.
    name = config.get("search.backend")
    if name in BACKENDS and BACKENDS.load(name).in_catalog:
        get_backend(config).index_transcript(transcript_id)


def transcribe_broadcast(broadcast: Broadcast, config: Config,
                         options: StageOptions | None = None) -> Transcript:
    """Transcribe a broadcast's media chunk by chunk (a killed run resumes at the first
    unfinished chunk), filter hallucinations, attach language evidence and store it; the
    transcript of another model is kept. Raises StageError with a reason."""
    options = options or StageOptions()
    if broadcast.media is None:
        raise StageError("no captured media to transcribe")
    media_path = config.data_dir / broadcast.media.path
    try:
        engine = get_engine(config, engine=options.engine, model=options.model)
        engine.hotwords = hotwords_for(broadcast, config)
        result, decision, store = transcribe_chunked(
            engine, media_path, config.get("transcribe.chunk_seconds"),
            broadcast.language or config.get("transcribe.language") or None,
            store_for=lambda key: DbChunkStore(broadcast.id, key),
            media_sha256=broadcast.media.sha256, progress=_chunk_logger(broadcast.id))
        result = finish(result, decision, config.get("transcribe.hallucination_filter"))
    except TranscriptionError as exc:
        raise StageError(str(exc)) from exc
    transcript, replaced = store_transcript(broadcast, result, store, config)
    _write_subtitles(transcript, result.segments, config.data_dir)
    _remove_from_index(replaced, config)
    return transcript


def import_captions(broadcast: Broadcast, config: Config) -> list[Transcript]:
    """Import the broadcast's captions files as ``captions`` transcripts, write their
    subtitles and index them now, so they are searchable before ASR. Never raises: a
    failure is logged with the broadcast id and the download stands."""
    if not config.get("transcribe.captions"):
        return []
    captions = Transcript.objects.filter(broadcast=broadcast, track=Transcript.TRACK_CAPTIONS)
    try:
        broadcast = Broadcast.objects.select_related("media").get(pk=broadcast.pk)
        before = set(captions.values_list("id", flat=True))
        changed = import_files(broadcast, config.data_dir)
        for transcript in changed:
            _write_subtitles(transcript, list(transcript.segments.all()), config.data_dir)
        _remove_from_index(sorted(before - set(captions.values_list("id", flat=True))), config)
        backend = get_backend(config)
        for transcript in changed:
            backend.index_transcript(transcript.id)
    except Exception as exc:  # noqa: BLE001 - recorded, never fails the download
        log.warning("captions import failed", extra={"broadcast": broadcast.id,
                                                     "error": f"{type(exc).__name__}: {exc}"})
        return []
    return changed
