"""The scheduler: periodic jobs run once per period however many io workers run.

Every ``raqib worker --queues io`` process (and ``raqib scheduler``) runs a ``Scheduler``
thread; they compete for the ``scheduler`` lease (``raqib.leases``, database clock) every
``queue.lease_seconds / 3`` seconds. Only the holder runs jobs, and each job runs once per
period number (``leases.claim_period``), so even two processes that briefly both hold the
lease (a paused holder waking up) never run a period twice. When the holder dies its
lease lapses and another process takes over within ``queue.lease_seconds`` plus a poll.

Jobs: ``crawl-tick`` every ``queue.tick_seconds`` (due crawls, live recorders, failed
broadcasts retried with back-off, lost work queued again), ``takedowns`` hourly,
``audit-anchor`` every ``audit.anchor_interval`` (an RFC 3161 timestamp over the audit
chain's head, ``raqib.anchoring``; its own lease keeps a manual ``raqib audit anchor`` from
running beside it) and ``webhooks`` every ``WEBHOOK_SECONDS`` when ``[[webhooks]]`` names a
receiver (due deliveries of the outbox, ``review.webhooks.send_due``; each poll of the
scheduler runs it at most once). To add a job: append a ``Job`` in ``default_jobs``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection

from catalog.models import Broadcast, Source
from raqib import leases, outages, pipeline, tasks

log = logging.getLogger("raqib.scheduler")
CONFIG = settings.CONFIG
TAKEDOWN_BATCH = 100  # captured items re-checked per hourly tick, at most
WEBHOOK_SECONDS = 5.0  # due webhook deliveries are sent at every poll (queue.lease_seconds / 3)


@dataclass
class Job:
    name: str
    every: float  # seconds
    run: Callable[[], object]
    uses_queue: bool = False  # its success shows the queue is reachable


class LostWork:
    """Broadcasts with a stage to run that no queue holds and no live worker claims. Seen
    lost on two ticks in a row (so a task between being taken from the queue and claimed,
    or between two stages, is not mistaken for lost), they are queued again."""

    def __init__(self) -> None:
        self.suspects: set[int] = set()

    def requeue(self) -> list[int]:
        waiting = set(Broadcast.objects.filter(status__in=list(pipeline.NEXT_STAGE))
                      .values_list("id", flat=True))
        claimed = {int(key.removeprefix(leases.STAGE_PREFIX))
                   for key in leases.live_holders(leases.STAGE_PREFIX)}
        lost = waiting - claimed - tasks.queued_broadcast_ids()
        confirmed = sorted(lost & self.suspects)
        self.suspects = lost - set(confirmed)
        for broadcast_id in confirmed:
            tasks.enqueue_stage(broadcast_id)
        if confirmed:
            log.warning("lost work queued again", extra={"broadcasts": confirmed})
        return confirmed


LOST = LostWork()


def schedule_due_crawls() -> int:
    """Start crawls of due sources, a recorder for each live source without one, retry
    failed broadcasts with back-off and queue lost work again; return the crawls started."""
    from raqib.config import ConfigError, load_config
    from raqib.sources_sync import sync_sources

    now = datetime.fromtimestamp(leases.database_epoch(), UTC)  # not this worker's clock
    try:  # pick up sources added to raqib.toml without a restart
        sync_sources(load_config(CONFIG.path) if CONFIG.path else CONFIG)
    except ConfigError as exc:
        log.error("raqib.toml is invalid; keeping the sources already loaded",
                  extra={"error": str(exc)})
    crawling = {int(k.removeprefix(leases.SOURCE_PREFIX))
                for k in leases.live_holders(leases.SOURCE_PREFIX)}
    due = [s for s in pipeline.due_sources(now) if s.id not in crawling]
    # Hold the slot while the crawl waits to start: the crawl sets the real next time
    # when it ends; a crawl task lost with its worker makes the source due again after
    # this window (a running crawl holds its claim, so it is never started twice).
    window = 3 * float(CONFIG.get("queue.tick_seconds")) + float(
        CONFIG.get("queue.lease_seconds"))
    for source in due:
        Source.objects.filter(pk=source.pk).update(
            next_crawl_at=now + timedelta(seconds=min(source.interval_seconds, window)))
        tasks.crawl_task(source.id, queued_at=now.timestamp())  # the database's clock
    tasks.start_live_recorders()
    failed = Broadcast.objects.filter(status=Broadcast.Status.FAILED,
                                      retry_count__lt=CONFIG.get("queue.max_retries"))
    for broadcast in failed:
        if tasks.retry_due(broadcast, now):
            # Touch it so the next tick does not queue it again while this attempt waits.
            Broadcast.objects.filter(pk=broadcast.pk).update(updated_at=now, next_retry_at=None)
            tasks.enqueue_stage(broadcast.id, priority=tasks.PRIORITY["retry"])
    LOST.requeue()
    return len(due)


def check_takedowns() -> int:
    """Re-check captured items not checked for crawl.takedown_interval (gone? re-cut?);
    see crawler.takedown. Returns how many were checked."""
    from crawler.takedown import check_due
    from raqib.stages import egress_policy

    return len(check_due(CONFIG, pipeline.actor(), limit=TAKEDOWN_BATCH,
                         egress_for=lambda source: egress_policy(CONFIG, source)))


def anchor_audit_chain() -> dict:
    """Timestamp the audit chain's head (``raqib.anchoring``); without a TSA configured,
    say so in the log and do nothing."""
    from raqib.anchoring import anchor_audit_head

    result = anchor_audit_head(CONFIG)
    if result["status"] == "no-tsa":
        log.info("audit chain not anchored: no TSA configured (evidence.tsa_urls)")
    return result


def send_webhooks() -> int:
    """Post the due webhook deliveries (``review.webhooks``); return the attempts made."""
    from review.webhooks import send_due

    return len(send_due(CONFIG.webhooks))


def default_jobs() -> list[Job]:
    from raqib.anchoring import interval_seconds

    jobs = [Job("crawl-tick", float(CONFIG.get("queue.tick_seconds")), schedule_due_crawls,
                uses_queue=True),
            Job("takedowns", 3600.0, check_takedowns)]
    every = interval_seconds(CONFIG)
    if every is not None:
        jobs.append(Job("audit-anchor", every, anchor_audit_chain))
    if CONFIG.webhooks:
        jobs.append(Job("webhooks", WEBHOOK_SECONDS, send_webhooks))
    return jobs


class Scheduler:
    """Competes for the scheduler lease and, while it holds it, runs each job once per
    period. ``step()`` is one poll (tests call it); ``start()`` runs polls in a thread."""

    def __init__(self, jobs: list[Job] | None = None, lease_seconds: float | None = None,
                 holder: str | None = None) -> None:
        self.jobs = jobs if jobs is not None else default_jobs()
        self.ttl = float(lease_seconds or CONFIG.get("queue.lease_seconds"))
        self.holder = holder or leases.holder_id()
        self.leader = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> list[str]:
        """Renew or take the lease; run the jobs whose period has not run yet."""
        # A holder that died on this machine is replaced at once, not after its lease.
        if not leases.acquire_or_reclaim(leases.SCHEDULER, self.holder, self.ttl):
            if self.leader:
                log.warning("scheduler lease lost", extra={"holder": self.holder})
            self.leader = False
            return []
        if not self.leader:
            log.info("scheduler lease taken", extra={"holder": self.holder})
            self.leader = True
        ran = []
        for job in self.jobs:
            period = leases.claim_period(job.name, job.every, self.holder)
            if period is None:
                continue
            log.info("scheduler job", extra={"job": job.name, "period": period,
                                             "holder": self.holder})
            try:
                job.run()
            except Exception as exc:  # noqa: BLE001 - a failing job must not stop the scheduler
                if not outages.report(exc):  # an outage is logged once, not per tick
                    log.exception("scheduler job failed", extra={"job": job.name})
            else:
                if job.uses_queue:
                    outages.QUEUE.up()
            ran.append(job.name)
        return ran

    def run(self) -> None:
        """Poll until ``stop()``; database or broker outages are logged and waited out."""
        while not self._stop.is_set():
            try:
                close_old_connections()
                self.step()
            except Exception as exc:  # noqa: BLE001 - e.g. PostgreSQL restarting
                if not outages.report(exc):
                    log.warning("scheduler poll failed; retrying", extra={"error": str(exc)})
                self.leader = False
                connection.close()
            else:
                outages.DATABASE.up()
            self._stop.wait(self.ttl / 3)
        try:
            leases.release(leases.SCHEDULER, self.holder)  # a clean stop hands over at once
        except Exception:  # noqa: BLE001 - it lapses on its own
            log.warning("scheduler lease not released")
        finally:
            connection.close()

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, daemon=True, name="raqib-scheduler")
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
