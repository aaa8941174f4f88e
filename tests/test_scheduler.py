"""The periodic scheduler, run through huey's immediate mode (tasks execute in-process with
the same code the workers run): due sources are crawled and their broadcasts carried to the
index; a second tick finds nothing due; failed broadcasts are retried only after back-off;
sources added to raqib.toml are picked up without a restart. Then the lease: one holder
among several schedulers, each job once per period, takeover when the holder's lease
lapses, and lost work (no queue entry, no live claim) queued again on the second tick."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from catalog.models import Broadcast, Lease, Outlet, Source
from raqib import leases, scheduler, tasks
from raqib.demo.fixture_site import build_fixture_site
from raqib.demo.server import StaticServer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def immediate_queues():
    for queue in tasks.QUEUES.values():
        queue.immediate = True
    yield
    for queue in tasks.QUEUES.values():
        queue.immediate = False


def write_sources(path: Path, sources: list[dict]) -> None:
    lines = []
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in source.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_scheduler_crawls_due_sources_once_and_retries_with_backoff(
        tmp_path: Path, monkeypatch, immediate_queues) -> None:
    site = build_fixture_site(tmp_path / "site")
    config_file = tmp_path / "raqib.toml"
    monkeypatch.setattr(settings.CONFIG, "path", config_file)
    monkeypatch.setattr(settings.CONFIG, "values",
                        {**settings.CONFIG.values, "crawl.download_delay": 0.0})
    with StaticServer(site.root, faults=site.faults) as server:
        write_sources(config_file, [])
        assert scheduler.schedule_due_crawls() == 0  # nothing configured yet

        write_sources(config_file, [site.source_config(server.base_url)])
        assert scheduler.schedule_due_crawls() == 1  # picked up without a restart
        source = Source.objects.get()
        assert source.next_crawl_at > timezone.now() + timedelta(minutes=50)
        statuses = dict(Broadcast.objects.values_list("url", "status"))
        # every fixture item indexed, except the one whose media the outlet lost (404)
        expected = sorted("failed" if item.media_missing else "indexed" for item in site.items)
        assert expected.count("failed") == 1 and len(expected) >= 4
        assert sorted(statuses.values()) == expected

        assert scheduler.schedule_due_crawls() == 0  # not due again yet
        assert Broadcast.objects.count() == len(site.items)

        failed = Broadcast.objects.get(status="failed")
        assert (failed.failed_stage, failed.retry_count) == ("download", 1)
        scheduler.schedule_due_crawls()  # too soon: back-off not over
        assert Broadcast.objects.get(pk=failed.pk).retry_count == 1
        Broadcast.objects.filter(pk=failed.pk).update(
            updated_at=timezone.now() - timedelta(minutes=6))
        scheduler.schedule_due_crawls()
        failed.refresh_from_db()
        assert (failed.status, failed.retry_count) == ("failed", 2)  # retried, still gone
        assert "404" in failed.error


def test_one_scheduler_among_many_runs_each_period_once() -> None:
    runs: list[str] = []
    jobs = [scheduler.Job("count", 3600.0, lambda: runs.append("count"))]
    first, second = (scheduler.Scheduler(jobs, lease_seconds=30, holder=h) for h in "ab")
    assert first.step() == ["count"] and first.leader
    assert second.step() == [] and not second.leader  # the lease is taken
    assert first.step() == []  # same period: not again
    # The holder dies: its lease lapses (the database's clock decides) and b takes over,
    # but this period already ran.
    Lease.objects.filter(key=leases.SCHEDULER).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert second.step() == [] and second.leader
    assert not first.step() and not first.leader
    Lease.objects.filter(key="tick:count").update(period=F("period") - 1)  # a new period
    assert second.step() == ["count"]
    assert runs == ["count", "count"]


def test_a_stage_claim_excludes_others_and_is_kept_alive_while_it_runs() -> None:
    with leases.StageClaim(42, ttl=0.6, holder="w1") as held:
        assert held
        time.sleep(1.5)  # longer than the ttl: only the heartbeat keeps it
        with leases.StageClaim(42, ttl=0.6, holder="w2") as other:
            assert not other
        assert leases.live_holders(leases.STAGE_PREFIX) == {"broadcast:42": "w1"}
    assert leases.live_holders(leases.STAGE_PREFIX) == {}  # released on exit
    with leases.StageClaim(42, ttl=0.6, holder="w2") as other:
        assert other


def test_lost_work_is_queued_again_on_the_second_tick(immediate_queues) -> None:
    outlet = Outlet.objects.create(name="O")
    source = Source.objects.create(name="s", outlet=outlet, kind="site")
    lost = Broadcast.objects.create(source=source, outlet=outlet, external_id="1",
                                    url="http://127.0.0.1:9/1", status="discovered")
    busy = Broadcast.objects.create(source=source, outlet=outlet, external_id="2",
                                    url="http://127.0.0.1:9/2", status="discovered")
    assert leases.acquire(f"{leases.STAGE_PREFIX}{busy.id}", "alive", 60)
    watcher = scheduler.LostWork()
    for queue in tasks.QUEUES.values():
        queue.immediate = False  # keep what is queued in the (memory) queue
    assert watcher.requeue() == []  # first sighting: only a suspect
    assert watcher.requeue() == [lost.id]  # second: queued again
    assert tasks.queued_broadcast_ids() == {lost.id}
    assert watcher.requeue() == []  # now in the queue: not lost
    stats = tasks.queue_stats()
    assert stats["stages"]["download"]["queued"] == 1
    assert stats["queues"]["io"]["depth"] == 1
