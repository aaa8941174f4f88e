"""A worker machine's clock off by minutes (issue 13): leases and schedules still hold.

Real processes on a throw-away PostgreSQL (the scaled deployment's catalog, whose clock
is the shared one): an honest process takes a stage claim and the scheduler lease; then
worker processes run under libfaketime (``faketime -f -7m`` / ``+7m``, Debian's
``faketime``, LD_PRELOAD; monotonic clock left true, as on a real machine) and try what a
worker does: take the live claim and the scheduler lease (refused: they are live by the
database's clock), run the scheduler's job period, record a failed stage, schedule a
crawl and a download retry. Afterwards every stored time is the database's, not the
skewed worker's: retry back-offs are neither skipped (a slow clock used to make a
5-minute back-off already over) nor stretched, and the next crawl is one interval away.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import postgres_server

pytestmark = [pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]
SKEW_MINUTES = 7

SETUP = """
from datetime import timedelta
from catalog.models import Broadcast, Outlet, Source
from raqib import leases
outlet = Outlet.objects.create(name="Skew TV")
source = Source.objects.create(name="skew", outlet=outlet, kind="site", interval_seconds=3600)
Broadcast.objects.create(source=source, outlet=outlet, external_id="1",
                         url="http://127.0.0.1:9/1", status="downloaded")
assert leases.acquire("broadcast:1", "honest", 120)
assert leases.acquire(leases.SCHEDULER, "honest", 120)
"""

# Run by each skewed worker: what it sees of its own clock and what the catalog allowed.
WORKER = """
import json, time
from django.conf import settings
from catalog import dbclock
from catalog.models import Broadcast, CustodyEvent, Source
from crawler.capture import schedule_retry
from raqib import leases, pipeline, tasks
from raqib.scheduler import Scheduler, Job
ran = []
sched = Scheduler([Job("hourly", 3600.0, lambda: ran.append(1))], lease_seconds=120,
                  holder="skewed")
report = {"own_minus_db": time.time() - dbclock.epoch(),
          "claim_taken": leases.acquire("broadcast:1", "skewed", 30),
          "scheduler_steps": sched.step()}
b = Broadcast.objects.get(external_id="1")
pipeline.record_failure(b, "transcribe", "skew drill")
b.refresh_from_db()
report["retry_due_now"] = tasks.retry_due(b, dbclock.now())
schedule_retry(b)
source = Source.objects.get(name="skew")
pipeline._schedule_next(source, settings.CONFIG, 1)
source.save()
report["queued_at_minus_db"] = tasks.queue_clock() - dbclock.epoch()
# A custody event (the hash chain refuses one dated over 5 minutes before the last).
event = CustodyEvent.objects.create(action="verified", actor="skewed-worker", broadcast=b)
report["custody_at_minus_db"] = event.at.timestamp() - dbclock.epoch()
print("REPORT" + json.dumps(report))
"""

CHECK = """
import json
from catalog import dbclock
from catalog.models import Broadcast, Source
from raqib import leases
b = Broadcast.objects.get(external_id="1")
s = Source.objects.get(name="skew")
now = dbclock.now()
print("REPORT" + json.dumps({
    "retry_count": b.retry_count,
    "updated_at": (b.updated_at - now).total_seconds(),
    "next_retry_at": (b.next_retry_at - now).total_seconds(),
    "last_crawl_at": (s.last_crawl_at - now).total_seconds(),
    "next_crawl_at": (s.next_crawl_at - now).total_seconds(),
    "claims": leases.live_holders(leases.STAGE_PREFIX),
    "scheduler": leases.live_holders(leases.SCHEDULER)}))
"""


def _run(env: dict[str, str], code: str, prefix: list[str] | None = None) -> dict:
    proc = subprocess.run([*(prefix or []), sys.executable, "-m", "raqib", "manage", "shell",
                           "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next((x for x in proc.stdout.splitlines() if x.startswith("REPORT")), "REPORT{}")
    return json.loads(line.removeprefix("REPORT"))


def test_a_worker_clock_minutes_off_changes_no_lease_or_schedule(tmp_path: Path) -> None:
    if not shutil.which("faketime"):
        pytest.skip("faketime not installed (scripts/setup.sh installs Debian's 'faketime')")
    (tmp_path / "raqib.toml").write_text("")
    with postgres_server() as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "RAQIB_CONFIG":
               str(tmp_path / "raqib.toml"), "RAQIB_DATA_DIR": str(tmp_path / "data"),
               "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        for var in ("REDIS_URL", "RAQIB_SEARCH_BACKEND"):
            env.pop(var, None)
        migrated = subprocess.run([sys.executable, "-m", "raqib", "manage", "migrate", "-v",
                                   "0"], env=env, cwd=ROOT, capture_output=True, text=True,
                                  timeout=300)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        _run(env, SETUP)
        for skew in (SKEW_MINUTES, -SKEW_MINUTES):  # fast first: the slow one's event follows
            worker = _run(env, WORKER, ["faketime", "-f", f"{skew:+d}m"])
            # The worker's own clock really was off by the skew...
            assert abs(worker["own_minus_db"] - skew * 60) < 30, worker
            # ...yet it could take neither the live claim nor the live scheduler lease,
            assert worker["claim_taken"] is False and worker["scheduler_steps"] == []
            # its failure starts a full back-off by the shared clock,
            assert worker["retry_due_now"] is False
            # and what it queues is stamped by the shared clock.
            assert abs(worker["queued_at_minus_db"]) < 30, worker
            assert abs(worker["custody_at_minus_db"]) < 30, worker  # and the chain took it
            stored = _run(env, CHECK)
            assert abs(stored["updated_at"]) < 30, stored
            backoff = 5 * 60 * 2 ** stored["retry_count"]  # crawler.capture.retry_delay
            assert abs(stored["next_retry_at"] - backoff) < 30, stored
            assert abs(stored["last_crawl_at"]) < 30, stored
            assert 3600 - 30 < stored["next_crawl_at"] < 3600 * 1.1 + 30, stored
            assert stored["claims"] == {"broadcast:1": "honest"}
            assert stored["scheduler"] == {"scheduler": "honest"}
