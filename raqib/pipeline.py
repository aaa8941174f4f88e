"""The pipeline's stages, run in-process by commands and by the huey tasks alike.

crawl (a source → Broadcasts, status ``discovered``) → download (→ MediaFile + custody
record, ``downloaded``) → transcribe (→ Transcript + Segments + .vtt/.srt, ``transcribed``)
→ index (→ search backend, ``indexed``).

Every stage is idempotent and keyed (see ``raqib.models``), so a retry or a re-run after a
killed worker never duplicates. A failing stage is contained here, at the stage boundary:
the broadcast is marked ``failed`` with the stage and a reason a monitor understands, its
retry count goes up, and the rest of the work goes on. To add a stage: write a
``_stage_<name>`` function, add it to ``STAGES`` and give it the status it leads to.
"""

from __future__ import annotations

import logging
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crawler.base import CrawlSettings
from raqib.config import Config
from raqib.models import Broadcast, Source, Transcript

log = logging.getLogger("raqib.pipeline")

Status = Broadcast.Status
# stage name -> (status a broadcast must have to enter it, status it leaves with)
STAGE_FLOW: dict[str, tuple[str, str]] = {
    "download": (Status.DISCOVERED, Status.DOWNLOADED),
    "transcribe": (Status.DOWNLOADED, Status.TRANSCRIBED),
    "index": (Status.TRANSCRIBED, Status.INDEXED),
}
NEXT_STAGE = {entry: stage for stage, (entry, _) in STAGE_FLOW.items()}
ORDER = [Status.DISCOVERED, Status.DOWNLOADED, Status.TRANSCRIBED, Status.INDEXED]


class StageError(Exception):
    """A stage failed for a reason worth showing a monitor as is."""


@dataclass
class CrawlReport:
    source: str
    found: int = 0
    new_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: str = ""  # the whole crawl failed: why


@dataclass
class StageOptions:
    """Per-run overrides (the demo pins the offline model, for instance)."""

    engine: str | None = None
    model: str | None = None


def actor() -> str:
    return f"raqib-worker@{socket.gethostname()}"


def crawl_settings(config: Config) -> CrawlSettings:
    return CrawlSettings.from_config(config)


def _schedule_next(source: Source) -> None:
    # Jitter spreads sources that share an interval so they do not all fire together.
    jitter = random.uniform(0, 0.1) * source.interval_seconds
    source.last_crawl_at = timezone.now()
    source.next_crawl_at = source.last_crawl_at + timedelta(
        seconds=source.interval_seconds + jitter)


def crawl_source(source: Source, config: Config,
                 settings: CrawlSettings | None = None) -> CrawlReport:
    """Collect one source once and record what it lists; never raises for outlet faults.
    ``settings`` (a CrawlSettings) overrides the configured politeness settings."""
    from crawler.base import CollectError
    from crawler.registry import get_collector

    report = CrawlReport(source=source.name)
    try:
        result = get_collector(source.kind).collect(source.config,
                                                    settings or crawl_settings(config))
    except CollectError as exc:
        report.failed = str(exc)
        source.last_error = report.failed
        _schedule_next(source)
        source.save()
        log.warning("crawl failed", extra={"source": source.name, "error": report.failed})
        return report
    report.found = len(result.items)
    report.errors = list(result.errors)
    with transaction.atomic():
        for item in result.items:
            broadcast, created = Broadcast.objects.get_or_create(
                source=source, external_id=item.external_id,
                defaults={
                    "outlet": source.outlet, "url": item.url, "media_url": item.media_url,
                    "title": item.title, "description": item.description,
                    "program": item.program, "aired_at": item.aired_at,
                    "aired_at_raw": item.aired_at_raw,
                    "language": item.language or source.language,
                },
            )
            if created:
                report.new_ids.append(broadcast.id)
        source.last_error = "; ".join(report.errors)[:2000]
        _schedule_next(source)
        source.save()
    log.info("crawled", extra={"source": source.name, "found": report.found,
                               "new": len(report.new_ids), "page_errors": len(report.errors)})
    return report


def _stage_download(broadcast: Broadcast, config: Config, options: StageOptions) -> None:
    from crawler.capture import CaptureError, capture_broadcast_media

    try:
        capture_broadcast_media(broadcast, data_dir=config.data_dir,
                                settings=crawl_settings(config), actor=actor())
    except CaptureError as exc:
        raise StageError(str(exc)) from exc


def _write_subtitles(transcript: Transcript, segments: list, data_dir: Path) -> None:
    from transcribe.subtitles import to_srt, to_vtt

    out = data_dir / "transcripts" / str(transcript.broadcast_id)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{transcript.id}-{transcript.track}"
    (out / f"{stem}.vtt").write_text(to_vtt(segments), encoding="utf-8")
    (out / f"{stem}.srt").write_text(to_srt(segments), encoding="utf-8")


def _stage_transcribe(broadcast: Broadcast, config: Config, options: StageOptions) -> None:
    from transcribe.base import TranscriptionError
    from transcribe.registry import get_engine

    if broadcast.media is None:
        raise StageError("no captured media to transcribe")
    media_path = config.data_dir / broadcast.media.path
    try:
        engine = get_engine(config, engine=options.engine, model=options.model)
        result = engine.transcribe(media_path, language=broadcast.language or None)
    except TranscriptionError as exc:
        raise StageError(str(exc)) from exc
    with transaction.atomic():
        # A re-run replaces this model's transcript instead of adding a second one.
        Transcript.objects.filter(broadcast=broadcast, track=Transcript.TRACK_ASR,
                                  model_id=result.model_id).delete()
        transcript = Transcript.objects.create(
            broadcast=broadcast, media=broadcast.media, track=Transcript.TRACK_ASR,
            engine=result.engine, model_id=result.model_id, model_sha256=result.model_sha256,
            params=result.params, language=result.language,
            language_probability=result.language_probability, duration=result.duration,
        )
        transcript.segments.bulk_create([
            transcript.segments.model(transcript=transcript, number=i, start=s.start,
                                      end=s.end, text=s.text, avg_logprob=s.avg_logprob,
                                      no_speech_prob=s.no_speech_prob)
            for i, s in enumerate(result.segments)
        ])
    _write_subtitles(transcript, result.segments, config.data_dir)


def _stage_index(broadcast: Broadcast, config: Config, options: StageOptions) -> None:
    from index.base import BackendError
    from index.registry import get_backend

    backend = get_backend(config)
    try:
        for transcript_id in broadcast.transcripts.values_list("id", flat=True):
            backend.index_transcript(transcript_id)
    except BackendError as exc:
        raise StageError(str(exc)) from exc


STAGES: dict[str, Callable[[Broadcast, Config, StageOptions], None]] = {
    "download": _stage_download,
    "transcribe": _stage_transcribe,
    "index": _stage_index,
}


def record_failure(broadcast: Broadcast, stage: str, reason: str) -> None:
    """Mark a broadcast failed at ``stage`` with a reason; the scheduler retries it."""
    broadcast.status = Status.FAILED
    broadcast.failed_stage = stage
    broadcast.error = reason[:4000]
    broadcast.retry_count += 1
    broadcast.save(update_fields=["status", "failed_stage", "error", "retry_count",
                                  "updated_at"])
    log.warning("stage failed", extra={"broadcast": broadcast.id, "stage": stage,
                                       "error": reason})


def run_stage(broadcast_id: int, stage: str, config: Config,
              options: StageOptions | None = None) -> bool:
    """Run one stage for one broadcast; return True when it succeeded."""
    options = options or StageOptions()
    broadcast = Broadcast.objects.select_related("media", "source").get(pk=broadcast_id)
    entry, leaves = STAGE_FLOW[stage]
    if broadcast.status == Status.FAILED:
        if broadcast.failed_stage != stage:
            return False
    elif broadcast.status != entry:
        # Past this stage already (a duplicate task): nothing to do. Before it: not ready.
        return ORDER.index(broadcast.status) > ORDER.index(entry)
    try:
        STAGES[stage](broadcast, config, options)
    except StageError as exc:
        record_failure(broadcast, stage, str(exc))
        return False
    except Exception as exc:  # contained at the stage boundary, recorded, never swallowed
        log.exception("unexpected error", extra={"broadcast": broadcast_id, "stage": stage})
        record_failure(broadcast, stage, f"internal error: {type(exc).__name__}: {exc}")
        return False
    broadcast.status = leaves
    broadcast.failed_stage = ""
    broadcast.error = ""
    broadcast.save(update_fields=["status", "failed_stage", "error", "updated_at"])
    log.info("stage done", extra={"broadcast": broadcast_id, "stage": stage})
    return True


def next_stage(broadcast: Broadcast) -> str | None:
    """The stage a broadcast should run next (a failed one resumes where it failed)."""
    if broadcast.status == Status.FAILED:
        return broadcast.failed_stage or "download"
    return NEXT_STAGE.get(broadcast.status)


def advance(broadcast_id: int, config: Config, options: StageOptions | None = None,
            on_stage: Callable[[str], None] | None = None) -> str:
    """Run every remaining stage of one broadcast; return its final status."""
    while True:
        broadcast = Broadcast.objects.get(pk=broadcast_id)
        stage = next_stage(broadcast)
        if stage is None:
            return broadcast.status
        if on_stage:
            on_stage(stage)
        if not run_stage(broadcast_id, stage, config, options):
            return Status.FAILED


def pending(config: Config, retry_failed: bool = False) -> list[int]:
    """Broadcasts with work left: not yet indexed, and failed ones under the retry limit."""
    qs = Broadcast.objects.filter(status__in=list(NEXT_STAGE))
    ids = list(qs.order_by("id").values_list("id", flat=True))
    if retry_failed:
        ids += list(Broadcast.objects.filter(
            status=Status.FAILED, retry_count__lt=config.get("queue.max_retries"),
        ).order_by("id").values_list("id", flat=True))
    return ids


def due_sources(now: datetime | None = None) -> list[Source]:
    """Enabled, crawlable sources whose next crawl time has come."""
    now = now or timezone.now()
    due = Q(next_crawl_at__lte=now) | Q(next_crawl_at__isnull=True)
    return list(Source.objects.filter(due, enabled=True).exclude(kind=Source.KIND_IMPORT)
                .order_by("next_crawl_at"))
