"""The task queue: huey tasks that drive the pipeline, with priorities and claimed work.

Two queues let IO work and transcription scale apart (``raqib worker --queues io`` and
``--queues transcribe``): ``io`` runs crawls, downloads and indexing; ``transcribe`` runs
Whisper. Storage is huey's SQLite in the data dir, or Redis when ``REDIS_URL`` is set
(a priority queue: a sorted set). Each task only calls ``raqib.pipeline`` and enqueues the
next stage, so what a task does is exactly what ``raqib process`` does in-process.

Claimed, not lost: a stage task first claims its broadcast (``raqib.leases.StageClaim``,
renewed while it runs); a second task for the same broadcast finds the claim and returns,
and ``pipeline.run_stage`` skips a stage already done, so no stage is done twice. A task
lost with a killed worker (or a restarted, non-persistent Redis) has neither a queue entry
nor a live claim: the scheduler (``raqib.scheduler``) queues it again.

Outages: a stage that finished hands its broadcast on (``hand_off``: queues the next
stage) with retries and back-off while Redis or the database is away, and gives it up to
the scheduler's lost-work check only after ``HANDOFF_PATIENCE``; a task interrupted by an
outage ends quietly. Either way the outage itself is logged once when it starts and once
when it ends (``raqib.outages``), never as a traceback per task or per poll.

Priorities (higher first): live recorders, then live chunks, crawls, new items, backfills
(items aired more than ``BACKFILL_AGE`` ago), retries. The periodic jobs live in
``raqib.scheduler`` (one scheduler however many workers). Import this module only after
Django is set up. To add a task: decorate a function with ``@io.task()`` or
``@transcribe.task()`` and call into ``raqib.pipeline``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey

from catalog import dbclock
from catalog.fencing import ClaimLost
from catalog.models import Broadcast, Source
from crawler.live_stream import KIND as LIVE_KIND
from raqib import outages, pipeline
from raqib.leases import SOURCE_PREFIX, Claim, StageClaim

log = logging.getLogger("raqib.tasks")
CONFIG = settings.CONFIG
QUEUE_NAMES = ("io", "transcribe")
PRIORITY = {"recorder": 50, "live": 40, "crawl": 30, "new": 20, "backfill": 10, "retry": 0}
BACKFILL_AGE = timedelta(days=7)


def make_huey(name: str) -> Huey:
    """The huey instance for one queue, with SQLite or Redis storage per configuration.
    The Redis queue is a sorted set (priorities) under a new name: a plain list left by
    an older release is not read, and its tasks are queued again as lost work."""
    redis_url = CONFIG.get("queue.redis_url")
    if redis_url:
        # Health checks find a connection broken by a Redis restart before it is used.
        pool = redis.ConnectionPool.from_url(redis_url, health_check_interval=10,
                                             retry_on_timeout=True)
        return PriorityRedisHuey(f"raqib-{name}-p", connection_pool=pool)
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


RETRY_BACKOFF = timedelta(minutes=5)  # doubled after each failed attempt


def retry_due(broadcast: Broadcast, now: datetime) -> bool:
    """Whether a failed broadcast's back-off is over. A failed download sets
    ``next_retry_at`` (crawler.capture.schedule_retry: 5 min, doubling); other stages back
    off from their last attempt. Whichever comes first."""
    due_at = broadcast.updated_at + RETRY_BACKOFF * (2 ** (broadcast.retry_count - 1))
    if broadcast.next_retry_at is not None:
        due_at = min(due_at, broadcast.next_retry_at)
    return due_at <= now


_retry_due = retry_due  # the name older tests import


def priority_for(broadcast: Broadcast) -> int:
    """Live chunks first, then new items, then backfills (aired long ago)."""
    if broadcast.source.kind == LIVE_KIND:
        return PRIORITY["live"]
    if broadcast.aired_at and broadcast.aired_at < timezone.now() - BACKFILL_AGE:
        return PRIORITY["backfill"]
    return PRIORITY["new"]


def queue_clock() -> float:
    """The time a task is stamped with when queued (``queued_at``) and queue ages are
    measured against: the database's clock, so a worker whose clock is off neither ages
    the queue nor makes a crawl look done (``crawl_task``); this worker's own clock only
    while the database cannot answer."""
    try:
        return dbclock.epoch()
    except DatabaseError:
        return time.time()


def enqueue_stage(broadcast_id: int, priority: int | None = None) -> None:
    """Queue the next stage a broadcast needs (on the queue that runs that stage)."""
    broadcast = Broadcast.objects.select_related("source").filter(pk=broadcast_id).first()
    if broadcast is None:  # recorded as a sighting of another broadcast: nothing follows
        return
    stage = pipeline.next_stage(broadcast)
    task = STAGE_TASKS.get(stage or "")
    if task is not None:
        task(broadcast_id, queued_at=queue_clock(),
             priority=priority_for(broadcast) if priority is None else priority)


HANDOFF_PATIENCE = 300.0  # seconds a hand-off is retried before the scheduler's turn
HANDOFF_MAX_DELAY = 15.0


def _outage(exc: BaseException) -> bool:
    """Report ``exc`` as a queue or database outage; False when it is neither."""
    if not outages.report(exc):
        return False
    if outages.is_database_outage(exc):
        connection.close()  # unusable now; the next query opens a new one
    return True


def hand_off(broadcast_ids: Iterable[int], priority: int | None = None,
             patience: float = HANDOFF_PATIENCE,
             sleep: Callable[[float], None] = time.sleep) -> list[int]:
    """Queue the next stage of each broadcast, retrying with back-off (0.5 s doubling to
    15 s) while the queue or the database is unreachable, for ``patience`` seconds in
    all; return the ids given up (the scheduler queues them again as lost work)."""
    ids = list(broadcast_ids)
    deadline = time.monotonic() + patience
    delay = 0.5
    for n, broadcast_id in enumerate(ids):
        while True:
            try:
                enqueue_stage(broadcast_id, priority)
            except Exception as exc:
                if not _outage(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    left = ids[n:]
                    log.warning("next stage not queued: the scheduler queues it again as "
                                "lost work", extra={"broadcasts": left, "error": str(exc)})
                    return left
                sleep(delay)
                delay = min(delay * 2, HANDOFF_MAX_DELAY)
                continue
            outages.QUEUE.up()
            break
    return []


def outage_safe(default: object) -> Callable:
    """A task that an outage interrupts returns ``default`` (logged once, by
    ``raqib.outages``) instead of raising into huey's "Unhandled exception in task"."""
    def wrap(function: Callable) -> Callable:
        @functools.wraps(function)
        def task(*args: object, **kwargs: object) -> object:
            try:
                result = function(*args, **kwargs)
            except Exception as exc:
                if not _outage(exc):
                    raise
                log.info("task interrupted by an outage; its work is queued again",
                         extra={"task": function.__name__, "task_args": list(args)})
                return default
            outages.DATABASE.up()
            return result
        return task
    return wrap


def _run_and_continue(broadcast_id: int, stage: str) -> bool:
    with StageClaim(broadcast_id, CONFIG.get("queue.lease_seconds")) as held:
        if not held:  # another live worker has it; it queues the next stage
            log.info("broadcast claimed by another worker",
                     extra={"broadcast": broadcast_id, "stage": stage})
            return False
        try:
            ok = pipeline.run_stage(broadcast_id, stage, CONFIG)
        except ClaimLost as exc:  # our claim lapsed and was taken: the new holder goes on
            log.warning("stage claim lost; result not written",
                        extra={"broadcast": broadcast_id, "stage": stage, "error": str(exc)})
            return False
    if ok:  # after the claim is released, so the next stage's worker can take it at once
        hand_off([broadcast_id])
    return ok


@io.task(priority=PRIORITY["crawl"])
@outage_safe(0)
def crawl_task(source_id: int, queued_at: float | None = None) -> int:
    """Crawl one source under its claim (``source:<id>``): a second task for it while it
    runs, or one queued before the source's last crawl, returns at once."""
    with Claim(f"{SOURCE_PREFIX}{source_id}", CONFIG.get("queue.lease_seconds")) as held:
        if not held:
            return 0
        source = Source.objects.select_related("outlet").get(pk=source_id)
        if (queued_at is not None and source.last_crawl_at is not None
                and source.last_crawl_at.timestamp() > queued_at):
            return 0  # crawled since this task was queued (a copy queued as lost work)
        try:
            report = pipeline.crawl_source(source, CONFIG)
        except ClaimLost as exc:
            log.warning("crawl claim lost; result not written",
                        extra={"source": source.name, "error": str(exc)})
            return 0
    hand_off(report.new_ids)
    return len(report.new_ids)


# ``queued_at`` (the enqueuer's clock) is only read by ``queue_stats`` (the age of a queue).
@io.task()
@outage_safe(False)
def download_task(broadcast_id: int, queued_at: float | None = None) -> bool:
    return _run_and_continue(broadcast_id, "download")


@transcribe.task()
@outage_safe(False)
def transcribe_task(broadcast_id: int, queued_at: float | None = None) -> bool:
    return _run_and_continue(broadcast_id, "transcribe")


@io.task()
@outage_safe(False)
def index_task(broadcast_id: int, queued_at: float | None = None) -> bool:
    return _run_and_continue(broadcast_id, "index")


STAGE_TASKS = {"download": download_task, "transcribe": transcribe_task, "index": index_task}
_STAGE_OF = {task.task_class.__name__: stage for stage, task in STAGE_TASKS.items()}


def _queued() -> list[tuple[str, int, float | None]]:
    """(stage, broadcast id, queued at) of every stage task waiting in a queue."""
    found = []
    for queue in QUEUES.values():
        for task in queue.pending():
            stage = _STAGE_OF.get(task.name)
            if stage and task.args:
                found.append((stage, int(task.args[0]), task.kwargs.get("queued_at")))
    return found


def queued_broadcast_ids() -> set[int]:
    """Broadcasts that have a stage task waiting in a queue."""
    return {broadcast_id for _, broadcast_id, _ in _queued()}


def queue_stats() -> dict[str, dict]:
    """Per queue: tasks waiting; per stage: tasks waiting and the oldest one's age."""
    now = queue_clock()
    stages: dict[str, dict] = {s: {"queued": 0, "oldest_queued_s": None} for s in STAGE_TASKS}
    for stage, _, queued_at in _queued():
        entry = stages[stage]
        entry["queued"] += 1
        if queued_at is not None:
            age = round(max(0.0, now - float(queued_at)), 1)
            entry["oldest_queued_s"] = max(entry["oldest_queued_s"] or 0.0, age)
    return {"queues": {name: {"depth": q.pending_count()} for name, q in QUEUES.items()},
            "stages": stages}


@io.task(priority=PRIORITY["recorder"])
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
        hand_off([broadcast_id])
        current = Source.objects.filter(pk=source_id).values("kind", "enabled").first()
        if not current or current["kind"] != KIND or not current["enabled"]:
            recorder.stop()

    try:
        recorder = LiveRecorder(source, CONFIG.data_dir, pipeline.crawl_settings(CONFIG, source),
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
