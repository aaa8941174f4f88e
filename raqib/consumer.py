"""huey's consumer, with queue and database outages logged once (``raqib.outages``).

huey's worker threads log ``Error reading from queue`` with a full traceback on every
failed poll, its schedule reader ``Error reading schedule.`` every second, and a task
whose result cannot be stored (Redis gone) ``Unhandled error during execution``. During
a Redis restart that is thousands of tracebacks per worker. ``Consumer`` (what
``raqib worker`` runs: ``make_consumer``) uses a worker and a schedule reader that do
what huey's do (huey 3.5's ``Worker.loop``/``Scheduler.loop``) but report a connection
error to ``outages.QUEUE`` or ``outages.DATABASE`` instead, and any other error as huey
does. To change how a worker polls: override ``OutageAwareWorker.loop``.
"""

from __future__ import annotations

import logging
import time

from huey.api import Huey
from huey.consumer import Consumer as HueyConsumer
from huey.consumer import Scheduler, Worker, WorkerRecycle

from raqib import outages

log = logging.getLogger("raqib.consumer")


class OutageAwareWorker(Worker):
    def loop(self, now: object = None) -> None:
        try:
            task = self.huey.dequeue()
        except Exception as exc:
            if not outages.report(exc):
                self._logger.exception("Error reading from queue")
            self.sleep()
            return
        outages.QUEUE.up()
        if task is not None:
            self.delay = self.default_delay
            self.task_count += 1
            try:
                self.huey.execute(task, now)
            except Exception as exc:  # e.g. its result not stored: Redis went away
                if not outages.report(exc):
                    self._logger.exception("Unhandled error during execution of task %s.",
                                           task.id)
            if self.max_tasks and self.task_count >= self.max_tasks:
                self._logger.info("Worker reached max tasks (%d), exiting.", self.max_tasks)
                raise WorkerRecycle()
        elif not self.huey.storage.blocking:
            self.sleep()


class OutageAwareScheduler(Scheduler):
    """huey's schedule reader (delayed tasks; huey's periodic tasks are off in Raqib)."""

    def loop(self, now: object = None) -> None:
        current = self._next_loop
        self._next_loop += self.interval
        if self._next_loop < time.monotonic():
            self._next_loop = time.monotonic()
            return
        try:
            for task in self.huey.read_schedule(now):
                self.huey.enqueue(task)
        except Exception as exc:
            if not outages.report(exc):
                self._logger.exception("Error reading schedule.")
        else:
            outages.QUEUE.up()
        self.sleep_for_interval(current, self.interval)


class Consumer(HueyConsumer):
    worker_class = OutageAwareWorker
    scheduler_class = OutageAwareScheduler


def make_consumer(queue: Huey, workers: int) -> Consumer:
    """A thread consumer of ``queue`` with ``workers`` threads, huey's periodic tasks off
    (Raqib's scheduler runs the periodic jobs once, ``raqib.scheduler``)."""
    return Consumer(queue, workers=workers, worker_type="thread", periodic=False,
                    check_worker_health=True)
