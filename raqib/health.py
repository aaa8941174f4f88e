"""The pipeline's health at a glance: per stage, what waits in the catalog and in the
queues, how old the oldest is, what is being worked on; the scheduler's holder.

Read by ``raqib status`` (its ``--format json`` is stable for monitoring) and the admin
health page. The catalog side (broadcasts waiting at each stage, by the database) holds
whatever the queue broker is; the queue side comes from huey's storage and is ``null``
with the reason when the broker cannot be reached. To add a figure: add a key here (and
to the docs of ``raqib status`` in docs/cli.md).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from catalog.models import Broadcast, Lease
from raqib import leases, pipeline, tasks


def _age(moment: Any) -> float | None:
    return None if moment is None else round((timezone.now() - moment).total_seconds(), 1)


def snapshot() -> dict[str, Any]:
    """A JSON-ready dict: ``stages``, ``queues``, ``failed``, ``scheduler``."""
    waiting = {row["status"]: row for row in
               Broadcast.objects.filter(status__in=list(pipeline.NEXT_STAGE))
               .values("status").annotate(n=Count("id"), oldest=Min("updated_at"))}
    claimed = [int(k.removeprefix(leases.STAGE_PREFIX))
               for k in leases.live_holders(leases.STAGE_PREFIX)]
    running = dict(Broadcast.objects.filter(pk__in=claimed).values("status")
                   .annotate(n=Count("id")).values_list("status", "n"))
    try:
        queue_side: dict[str, Any] | None = tasks.queue_stats()
        queue_error = None
    except Exception as exc:  # noqa: BLE001 - the broker down is a figure, not a crash
        queue_side, queue_error = None, f"{type(exc).__name__}: {exc}"
    stages = {}
    for status, stage in pipeline.NEXT_STAGE.items():
        row = waiting.get(status, {})
        queued = (queue_side or {}).get("stages", {}).get(stage, {})
        stages[stage] = {
            "waiting": row.get("n", 0),  # broadcasts whose next stage this is
            "oldest_waiting_s": _age(row.get("oldest")),
            "running": running.get(status, 0),
            "queued": queued.get("queued") if queue_side else None,
            "oldest_queued_s": queued.get("oldest_queued_s") if queue_side else None,
        }
    failed = dict(Broadcast.objects.filter(status=Broadcast.Status.FAILED)
                  .values("failed_stage").annotate(n=Count("id"))
                  .values_list("failed_stage", "n"))
    lease = Lease.objects.filter(key=leases.SCHEDULER).values("holder", "expires_at").first()
    ticks = dict(Lease.objects.filter(key__startswith="tick:").values_list("key", "period"))
    return {
        "stages": stages,
        "queues": (queue_side or {}).get("queues"),
        "queue_error": queue_error,
        "failed": {stage or "unknown": n for stage, n in sorted(failed.items())},
        "scheduler": {
            "holder": lease["holder"] if lease else None,
            "lease_expires_in_s": (None if lease is None else
                                   round((lease["expires_at"] - timezone.now())
                                         .total_seconds(), 1)),
            "last_periods": {k.removeprefix("tick:"): v for k, v in sorted(ticks.items())},
        },
    }
