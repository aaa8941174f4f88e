"""The anchor job under concurrency and SIGKILL, with real ``raqib audit anchor``
processes on a file SQLite database and a real ``openssl ts`` TSA on loopback that answers
slowly: two runs at once leave one anchor, never two for a head nor a broken one; a run
killed while the TSA answers leaves the chain and the anchors consistent, and the next run
(which takes the dead run's lease over at once) succeeds. The scheduler's job runs once
per period however many schedulers poll."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.evidence.local_tsa import LocalTSA

REPO = Path(__file__).resolve().parent.parent


class SlowTSA(LocalTSA):
    """A TSA that waits ``delay`` seconds (or until ``release``) before it answers."""

    delay = 0.0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()

    def reply(self, query: bytes) -> bytes:
        self.release.wait(self.delay)
        return super().reply(query)


@pytest.fixture(scope="module")
def slow_tsa(tmp_path_factory: pytest.TempPathFactory):
    with SlowTSA(tmp_path_factory.mktemp("tsa")) as server:
        yield server
        server.release.set()


def _env(tmp_path: Path, tsa: LocalTSA) -> dict[str, str]:
    config = tmp_path / "raqib.toml"
    config.write_text(f'[evidence]\ntsa_urls = ["{tsa.url}"]\n[audit]\n'
                      f'tsa_ca = "{tsa.ca_pem}"\n')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RAQIB_", "DJANGO_", "DATABASE_URL"))}
    return env | {"RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_CONFIG": str(config),
                  "DJANGO_SETTINGS_MODULE": "raqib.settings", "PYTHONPATH": str(REPO)}


RUN = [sys.executable, "-m", "raqib"]
WRITE = ("import django; django.setup(); from catalog import audit\n"
         "for i in range(5): audit.record('test-event', details={'n': i})")


def _ready(env: dict[str, str]) -> None:
    for command in ([*RUN, "manage", "migrate"], [sys.executable, "-c", WRITE]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]


def _json(env: dict[str, str], *args: str) -> tuple[int, object]:
    done = subprocess.run([*RUN, *args, "--format", "json"], env=env, capture_output=True,
                          text=True, timeout=300)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else done.stderr


def test_two_anchor_runs_at_once_leave_one_anchor(tmp_path: Path, slow_tsa: SlowTSA) -> None:
    env = _env(tmp_path, slow_tsa)
    _ready(env)
    slow_tsa.delay, before = 3.0, slow_tsa.requests
    procs = [subprocess.Popen([*RUN, "audit", "anchor", "--format", "json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    statuses = sorted(r["status"] if r["status"] == "busy" else r["anchors"][0]["status"]
                      for r in results)
    assert statuses in (["anchored", "busy"], ["anchored", "up-to-date"]), results
    assert slow_tsa.requests - before == 1  # the loser never asked the TSA
    code, anchors = _json(env, "audit", "anchors")
    assert code == 0 and [a["seq"] for a in anchors] == [5]
    code, verified = _json(env, "audit", "verify")
    assert code == 0 and verified["ok"], verified
    assert verified["anchors"]["unanchored_tail"] == 1  # the anchor's own record


def test_a_run_killed_while_the_tsa_answers_leaves_everything_consistent(
        tmp_path: Path, slow_tsa: SlowTSA) -> None:
    env = _env(tmp_path, slow_tsa)
    _ready(env)
    slow_tsa.delay, before = 120.0, slow_tsa.requests
    slow_tsa.release.clear()
    proc = subprocess.Popen([*RUN, "audit", "anchor"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while slow_tsa.requests == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert slow_tsa.requests == before + 1, proc.communicate(timeout=5)
    os.kill(proc.pid, signal.SIGKILL)  # killed mid-anchor: the TSA has not answered yet
    proc.wait(timeout=30)
    slow_tsa.delay = 0.0
    slow_tsa.release.set()  # the stalled reply goes to a dead process

    code, anchors = _json(env, "audit", "anchors")
    assert code == 0 and anchors == []
    code, verified = _json(env, "audit", "verify")
    assert code == 0 and verified["events"] == 5 and verified["anchors"]["count"] == 0

    code, rerun = _json(env, "audit", "anchor")  # at once: the dead run's lease is taken over
    assert code == 0 and rerun["status"] == "done", rerun
    assert rerun["anchors"][0]["status"] == "anchored" and rerun["anchors"][0]["seq"] == 5
    code, verified = _json(env, "audit", "verify")
    assert code == 0 and verified["ok"] and verified["anchors"]["count"] == 1, verified


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_anchors_once_per_period(slow_tsa: SlowTSA, monkeypatch) -> None:
    from catalog import audit
    from catalog.models import AuditAnchor
    from raqib import scheduler

    slow_tsa.delay = 0.0
    monkeypatch.setitem(settings.CONFIG.values, "evidence.tsa_urls", [slow_tsa.url])
    names = {job.name: job.every for job in scheduler.default_jobs()}
    assert names["audit-anchor"] == 3600.0  # hourly by default
    monkeypatch.setitem(settings.CONFIG.values, "audit.anchor_interval", "off")
    assert "audit-anchor" not in {job.name for job in scheduler.default_jobs()}
    monkeypatch.setitem(settings.CONFIG.values, "audit.anchor_interval", "1h")

    audit.record("test-event", details={"n": 1})
    jobs = [job for job in scheduler.default_jobs() if job.name == "audit-anchor"]
    first = scheduler.Scheduler(jobs=jobs, lease_seconds=30, holder="one")
    second = scheduler.Scheduler(jobs=jobs, lease_seconds=30, holder="two")
    assert first.step() == ["audit-anchor"] and second.step() == []
    assert first.step() == []  # once per period
    assert list(AuditAnchor.objects.values_list("seq", flat=True)) == [1]
