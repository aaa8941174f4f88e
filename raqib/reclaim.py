"""Work held by a dead process of this machine, taken up at once.

A SIGKILLed worker takes the task it was running with it, and its claim
(``raqib.leases``) stays live until it lapses: the scheduler queues that work again only
``queue.lease_seconds`` plus two ticks later (about two minutes with the defaults), even
when the worker was restarted in two seconds. But on the same machine the death can be
proved: the claim's holder id names the host, the pid and the process's start time, and
that pid is gone (or belongs to a newer process). ``requeue_dead_claims`` frees such
claims (``leases.reclaim_dead``, logged as ``claim of a dead process taken over`` with the
lease time that was left) and queues their work now; ``DeadClaimWatch`` runs it when a
worker or the scheduler starts and then every few seconds. A holder on another machine
is never judged: its claim is waited out as before.

To watch another kind of claim: give ``leases.reclaim_dead`` its key prefix and queue
its work here.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection

from raqib import leases, outages, tasks

log = logging.getLogger("raqib.reclaim")


def requeue_dead_claims() -> dict[str, list[int]]:
    """Free the claims of dead processes of this machine and queue their work again:
    ``{"broadcasts": [...], "sources": [...]}``."""
    freed = leases.reclaim_dead()
    broadcasts = [int(k.removeprefix(leases.STAGE_PREFIX)) for k in freed
                  if k.startswith(leases.STAGE_PREFIX)]
    sources = [int(k.removeprefix(leases.SOURCE_PREFIX)) for k in freed
               if k.startswith(leases.SOURCE_PREFIX)]
    tasks.hand_off(broadcasts)
    for source_id in sources:  # its crawl was lost with the process
        tasks.crawl_task(source_id, queued_at=tasks.queue_clock())
    return {"broadcasts": broadcasts, "sources": sources}


class DeadClaimWatch:
    """A daemon thread: ``requeue_dead_claims`` now and every ``every`` seconds."""

    def __init__(self, every: float | None = None) -> None:
        lease = float(settings.CONFIG.get("queue.lease_seconds"))
        tick = float(settings.CONFIG.get("queue.tick_seconds"))
        self.every = every or max(1.0, min(lease / 3, tick))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        while True:
            try:
                requeue_dead_claims()
            except Exception as exc:  # noqa: BLE001 - never stops the worker
                if not outages.report(exc) and not outages.is_busy(exc):
                    # (SQLite busy: simply the next round)
                    log.warning("dead claims not checked", extra={"error": str(exc)})
                connection.close()
            else:
                outages.DATABASE.up()
            if self._stop.wait(self.every):
                break
        connection.close()

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, daemon=True, name="raqib-reclaim")
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
