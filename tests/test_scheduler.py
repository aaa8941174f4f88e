"""The periodic scheduler, run through huey's immediate mode (tasks execute in-process with
the same code the workers run): due sources are crawled and their broadcasts carried to the
index; a second tick finds nothing due; failed broadcasts are retried only after back-off;
sources added to raqib.toml are picked up without a restart."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import Broadcast, Source
from raqib import tasks
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
        assert tasks.schedule_due_crawls.call_local() == 0  # nothing configured yet

        write_sources(config_file, [site.source_config(server.base_url)])
        assert tasks.schedule_due_crawls.call_local() == 1  # picked up without a restart
        source = Source.objects.get()
        assert source.next_crawl_at > timezone.now() + timedelta(minutes=50)
        statuses = dict(Broadcast.objects.values_list("url", "status"))
        assert sorted(statuses.values()) == ["failed", "indexed", "indexed", "indexed"]

        assert tasks.schedule_due_crawls.call_local() == 0  # not due again yet
        assert Broadcast.objects.count() == 4

        failed = Broadcast.objects.get(status="failed")
        assert (failed.failed_stage, failed.retry_count) == ("download", 1)
        tasks.schedule_due_crawls.call_local()  # too soon: back-off not over
        assert Broadcast.objects.get(pk=failed.pk).retry_count == 1
        Broadcast.objects.filter(pk=failed.pk).update(
            updated_at=timezone.now() - timedelta(minutes=6))
        tasks.schedule_due_crawls.call_local()
        failed.refresh_from_db()
        assert (failed.status, failed.retry_count) == ("failed", 2)  # retried, still gone
        assert "404" in failed.error
