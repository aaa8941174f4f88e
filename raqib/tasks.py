"""The task queue: huey tasks that drive the pipeline, and the periodic crawl scheduler.

Two queues let IO work and transcription scale apart (``raqib worker --queues io`` and
``--queues transcribe``): ``io`` runs crawls, downloads and indexing plus the periodic
scheduler; ``transcribe`` runs Whisper. Storage is huey's SQLite in the data dir, or Redis
when ``REDIS_URL`` is set. Each task only calls ``raqib.pipeline`` and enqueues the next
stage, so what a task does is exactly what ``raqib process`` does in-process.

Import this module only after Django is set up. To add a task: decorate a function with
``@io.task()`` or ``@transcribe.task()`` and call into ``raqib.pipeline``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey

from catalog.models import Broadcast, Source
from raqib import pipeline

log = logging.getLogger("raqib.tasks")
CONFIG = settings.CONFIG
QUEUE_NAMES = ("io", "transcribe")


def make_huey(name: str) -> Huey:
    """The huey instance for one queue, with SQLite or Redis storage per configuration."""
    redis_url = CONFIG.get("queue.redis_url")
    if redis_url:
        return RedisHuey(f"raqib-{name}", url=redis_url)
    return SqliteHuey(f"raqib-{name}", filename=str(CONFIG.data_dir / f"queue-{name}.sqlite3"))


io = make_huey("io")
transcribe = make_huey("transcribe")
QUEUES: dict[str, Huey] = {"io": io, "transcribe": transcribe}


def _register_db_hooks(queue: Huey) -> None:
    # Worker threads hold Django connections for a long time; refresh them around tasks
    # so a restarted database or a stale SQLite handle never breaks the next task.
    @queue.pre_execute()
    def _before(task) -> None:  # noqa: ANN001
        close_old_connections()

    @queue.post_execute()
    def _after(task, task_value, exc) -> None:  # noqa: ANN001
        close_old_connections()


for _queue in QUEUES.values():
    _register_db_hooks(_queue)


def enqueue_stage(broadcast_id: int) -> None:
    """Queue the next stage a broadcast needs (on the queue that runs that stage)."""
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    stage = pipeline.next_stage(broadcast)
    if stage == "download":
        download_task(broadcast_id)
    elif stage == "transcribe":
        transcribe_task(broadcast_id)
    elif stage == "index":
        index_task(broadcast_id)


def _run_and_continue(broadcast_id: int, stage: str) -> bool:
    ok = pipeline.run_stage(broadcast_id, stage, CONFIG)
    if ok:
        enqueue_stage(broadcast_id)
    return ok


@io.task()
def crawl_task(source_id: int) -> int:
    source = Source.objects.select_related("outlet").get(pk=source_id)
    report = pipeline.crawl_source(source, CONFIG)
    for broadcast_id in report.new_ids:
        download_task(broadcast_id)
    return len(report.new_ids)


@io.task()
def download_task(broadcast_id: int) -> bool:
    return _run_and_continue(broadcast_id, "download")


@transcribe.task()
def transcribe_task(broadcast_id: int) -> bool:
    return _run_and_continue(broadcast_id, "transcribe")


@io.task()
def index_task(broadcast_id: int) -> bool:
    return _run_and_continue(broadcast_id, "index")


@io.task()
def record_live_task(source_id: int) -> int:
    """Record a live source until it is disabled (checked at each chunk) or the worker
    stops; each stored chunk is queued for transcription. It holds one io worker thread
    for as long as it records (see docs/operations.md); a second one for the same source
    finds the recorder lock taken and returns at once."""
    from crawler.live import KIND, LiveError, LiveRecorder

    source = Source.objects.select_related("outlet").get(pk=source_id)
    if source.kind != KIND or not source.enabled:
        return 0

    def on_chunk(broadcast_id: int) -> None:
        enqueue_stage(broadcast_id)
        current = Source.objects.filter(pk=source_id).values("kind", "enabled").first()
        if not current or current["kind"] != KIND or not current["enabled"]:
            recorder.stop()

    try:
        recorder = LiveRecorder(source, CONFIG.data_dir, pipeline.crawl_settings(CONFIG),
                                pipeline.actor(), on_chunk=on_chunk)
        return len(recorder.run())
    except LiveError as exc:  # a bad chunk length, an unsupported stream, already running
        log.warning("live recorder not started", extra={"source": source.name,
                                                        "error": str(exc)})
        if "already running" not in str(exc):
            Source.objects.filter(pk=source_id).update(last_error=f"live: {exc}")
        return 0


def start_live_recorders() -> int:
    """Queue a recorder task for each enabled live source whose recorder is not running."""
    from crawler.live import KIND, recorder_running

    started = 0
    for source in Source.objects.filter(kind=KIND, enabled=True):
        if not recorder_running(CONFIG.data_dir, source.name):
            record_live_task(source.id)
            started += 1
    return started


STALE_AFTER = timedelta(hours=1)  # a stage untouched this long lost its task (killed worker)
RETRY_BACKOFF = timedelta(minutes=5)  # doubled after each failed attempt


def _retry_due(broadcast: Broadcast, now: datetime) -> bool:
    if broadcast.status == Broadcast.Status.FAILED:
        # A failed download sets next_retry_at (crawler.capture.schedule_retry: 5 min,
        # doubling); other stages back off from their last attempt. Whichever comes first.
        due_at = broadcast.updated_at + RETRY_BACKOFF * (2 ** (broadcast.retry_count - 1))
        if broadcast.next_retry_at is not None:
            due_at = min(due_at, broadcast.next_retry_at)
        return due_at <= now
    return broadcast.updated_at <= now - STALE_AFTER


@io.periodic_task(crontab(minute="*"))
def schedule_due_crawls() -> int:
    """Every minute: start crawls of due sources, retry failed broadcasts with backoff and
    re-queue stages whose task was lost with a killed worker. Live sources are not crawled:
    each gets a long-running recorder task (``record_live_task``) when none is running."""
    from raqib.config import ConfigError, load_config
    from raqib.sources_sync import sync_sources

    now = timezone.now()
    try:  # pick up sources added to raqib.toml without a restart
        sync_sources(load_config(CONFIG.path) if CONFIG.path else CONFIG)
    except ConfigError as exc:
        log.error("raqib.toml is invalid; keeping the sources already loaded",
                  extra={"error": str(exc)})
    due = pipeline.due_sources(now)
    for source in due:
        # Claim the slot first so a slow crawl is not started twice by the next tick.
        Source.objects.filter(pk=source.pk).update(
            next_crawl_at=now + timedelta(seconds=source.interval_seconds))
        crawl_task(source.id)
    start_live_recorders()
    for broadcast in Broadcast.objects.filter(pk__in=pipeline.pending(CONFIG, retry_failed=True)):
        if _retry_due(broadcast, now):
            # Touch it so the next tick does not queue it again while this attempt waits.
            Broadcast.objects.filter(pk=broadcast.pk).update(updated_at=now, next_retry_at=None)
            enqueue_stage(broadcast.id)
    return len(due)


TAKEDOWN_BATCH = 100  # captured items re-checked per hourly tick, at most


@io.periodic_task(crontab(minute="30"))
def check_takedowns() -> int:
    """Every hour: re-check captured items not checked for crawl.takedown_interval (gone?
    re-cut?); see crawler.takedown. Returns how many were checked."""
    from crawler.takedown import check_due

    return len(check_due(CONFIG, pipeline.actor(), limit=TAKEDOWN_BATCH))
