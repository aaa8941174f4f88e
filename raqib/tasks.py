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

from raqib import pipeline
from raqib.models import Broadcast, Source

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


STALE_AFTER = timedelta(hours=1)  # a stage untouched this long lost its task (killed worker)
RETRY_BACKOFF = timedelta(minutes=5)  # doubled after each failed attempt


def _retry_due(broadcast: Broadcast, now: datetime) -> bool:
    if broadcast.status == Broadcast.Status.FAILED:
        return broadcast.updated_at <= now - RETRY_BACKOFF * (2 ** (broadcast.retry_count - 1))
    return broadcast.updated_at <= now - STALE_AFTER


@io.periodic_task(crontab(minute="*"))
def schedule_due_crawls() -> int:
    """Every minute: start crawls of due sources, retry failed broadcasts with backoff and
    re-queue stages whose task was lost with a killed worker."""
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
    for broadcast in Broadcast.objects.filter(pk__in=pipeline.pending(CONFIG, retry_failed=True)):
        if _retry_due(broadcast, now):
            # Touch it so the next tick does not queue it again while this attempt waits.
            Broadcast.objects.filter(pk=broadcast.pk).update(updated_at=now)
            enqueue_stage(broadcast.id)
    return len(due)
