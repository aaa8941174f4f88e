"""A queue outage is one warning when it starts and one when it ends, per process.

Real ``raqib worker`` processes (an io worker with its scheduler, a transcription
worker) and a real redis-server that the test stops for a while and starts again on the
same port; the catalog is SQLite. Before ``raqib.outages`` each worker logged a full
traceback per poll (``Error reading from queue``, ``Error reading schedule.``, thousands
of lines in a minute). And a stage hand-off (``raqib.tasks.hand_off``: queueing the next
stage) made while Redis is down is retried with back-off until Redis is back, where it
used to end as huey's ``Unhandled exception in task``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from raqib import outages
from raqib.demo.fixture_site import build_fixture_site
from raqib.demo.server import StaticServer
from tests.drills.harness import Redis

ROOT = Path(__file__).resolve().parent.parent


def raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _env(tmp_path: Path, redis: Redis) -> dict[str, str]:
    return {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"),
            "RAQIB_CONFIG": str(tmp_path / "raqib.toml"), "REDIS_URL": redis.url,
            "RAQIB_QUEUE_TICK_SECONDS": "2", "RAQIB_QUEUE_LEASE_SECONDS": "6",
            "RAQIB_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}


def _records(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict):
                out.append(record)
    return out


def _wait_for(path: Path, needle: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{needle!r} not in {path.name}:\n{path.read_text()[-3000:]}")


@pytest.mark.scaled
@pytest.mark.slow
def test_queue_outage_is_two_lines_per_worker(tmp_path: Path) -> None:
    (tmp_path / "raqib.toml").write_text("")
    redis = Redis()
    redis.start()
    env = _env(tmp_path, redis)
    assert raqib(env, "migrate").returncode == 0
    logs = {q: tmp_path / f"worker-{q}.log" for q in ("io", "transcribe")}
    procs = {q: subprocess.Popen([sys.executable, "-m", "raqib", "worker", "--queues", q],
                                 env=env, cwd=ROOT, stdout=open(logs[q], "w"),  # noqa: SIM115
                                 stderr=subprocess.STDOUT, start_new_session=True)
             for q in logs}
    try:
        for q, path in logs.items():
            _wait_for(path, f"consuming the {q} queue")
        time.sleep(3)  # polling normally
        redis.stop()
        time.sleep(25)  # each worker thread polls many times meanwhile
        redis.start()  # same port, empty (not persistent)
        for path in logs.values():
            _wait_for(path, "queue reachable again", timeout=60)
        time.sleep(3)
        alive = {q: p.poll() for q, p in procs.items()}
        assert alive == {"io": None, "transcribe": None}, alive
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
        for proc in procs.values():
            proc.wait(timeout=30)
        redis.stop()
    for q, path in logs.items():
        text = path.read_text(errors="replace")
        records = _records(text)
        down = [r for r in records if r.get("msg", "").startswith("queue unreachable")]
        up = [r for r in records if r.get("msg") == "queue reachable again"]
        assert len(down) == 1 and len(up) == 1, (q, down, up)
        assert up[0]["outage_s"] >= 20 and up[0]["failed_calls"] > 10, up[0]
        assert "Traceback" not in text and "Error reading" not in text, text[-4000:]
        warnings = [r for r in records if r.get("level") in ("warning", "error")]
        assert warnings == down + up, warnings  # nothing else warned during the outage


@pytest.mark.scaled
@pytest.mark.slow
def test_database_outage_is_two_lines_per_worker(tmp_path: Path) -> None:
    """PostgreSQL stopped for a while under running workers: the scheduler's polls, the
    dead-claim watch and the heartbeats all meet it, each process says so twice."""
    from tests.drills.harness import Postgres

    (tmp_path / "raqib.toml").write_text("")
    redis, pg = Redis(), Postgres()
    redis.start()
    pg.start()
    env = {**_env(tmp_path, redis), "DATABASE_URL": pg.url}
    logs = {q: tmp_path / f"worker-{q}.log" for q in ("io", "transcribe")}
    procs: dict[str, subprocess.Popen] = {}
    try:
        assert raqib(env, "migrate").returncode == 0
        for q, path in logs.items():
            procs[q] = subprocess.Popen(
                [sys.executable, "-m", "raqib", "worker", "--queues", q], env=env, cwd=ROOT,
                stdout=open(path, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
                start_new_session=True)
        for q, path in logs.items():
            _wait_for(path, f"consuming the {q} queue")
        time.sleep(3)
        pg._ctl("-m", "fast", "stop")
        time.sleep(20)
        pg._ctl("start")
        for path in logs.values():
            _wait_for(path, "database reachable again", timeout=60)
        alive = {q: p.poll() for q, p in procs.items()}
        assert alive == {"io": None, "transcribe": None}, alive
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
        for proc in procs.values():
            proc.wait(timeout=30)
        redis.stop()
        pg.stop()
    for q, path in logs.items():
        text = path.read_text(errors="replace")
        records = _records(text)
        warnings = [r for r in records if r.get("level") in ("warning", "error")]
        assert [r["msg"] for r in warnings] == [
            "database unreachable; waiting for it to come back",
            "database reachable again"], (q, warnings)
        assert "Traceback" not in text, text[-4000:]


@pytest.mark.scaled
@pytest.mark.slow
def test_stage_hand_off_waits_for_the_queue(tmp_path: Path) -> None:
    site = build_fixture_site(tmp_path / "site")
    redis = Redis()
    redis.start()
    with StaticServer(site.root, faults=site.faults) as server:
        source = site.source_config(server.base_url)
        (tmp_path / "raqib.toml").write_text(
            "[[sources]]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                      for k, v in source.items()), encoding="utf-8")
        env = {**_env(tmp_path, redis), "RAQIB_CRAWL_DOWNLOAD_DELAY": "0"}
        crawled = raqib(env, "crawl", "--no-process")
        assert crawled.returncode == 0, crawled.stderr
    try:
        redis.stop()
        script = ("from catalog.models import Broadcast as B; from raqib.tasks import "
                  "hand_off; import json; ids = sorted(B.objects.values_list('id', "
                  "flat=True)); print(json.dumps({'ids': ids, 'left': hand_off(ids)}))")
        errors = tmp_path / "shell.err"
        shell = subprocess.Popen([sys.executable, "-m", "raqib", "manage", "shell", "-c",
                                  script], env=env, cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE, stderr=open(errors, "w"))  # noqa: SIM115
        _wait_for(errors, "queue unreachable")  # the hand-off met the outage (a slow start
        time.sleep(3)  # on a loaded machine is not a pass) and backs off meanwhile
        assert shell.poll() is None, shell.communicate()
        redis.start()
        out, _ = shell.communicate(timeout=120)
        err = errors.read_text(errors="replace")
        assert shell.returncode == 0, err[-3000:]
        result = json.loads(out.strip().splitlines()[-1])
        assert result["ids"] and result["left"] == [], result
        status = json.loads(raqib(env, "status", "--format", "json").stdout)
        assert status["stages"]["download"]["queued"] == len(result["ids"]), status
        records = _records(err)
        assert [r["msg"] for r in records if r.get("level") == "warning"] == [
            "queue unreachable; waiting for it to come back", "queue reachable again"], err
        assert "Traceback" not in err
    finally:
        redis.stop()


def test_an_outage_seen_by_many_threads_is_logged_twice(caplog) -> None:  # noqa: ANN001
    import threading

    outage = outages.Outage("queue-under-test")
    assert not outage.up()  # nothing to end
    with caplog.at_level("INFO", logger="raqib.outages"):
        threads = [threading.Thread(target=lambda: [outage.down(ConnectionError("refused"))
                                                    for _ in range(200)]) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert outage.is_down
        assert outage.up() and not outage.up()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["queue-under-test unreachable; waiting for it to come back",
                        "queue-under-test reachable again"]
    assert caplog.records[1].failed_calls == 1600
    assert caplog.records[0].error == "ConnectionError: refused"


def test_a_task_interrupted_by_an_outage_ends_quietly(caplog) -> None:  # noqa: ANN001
    """What huey reported as "Unhandled exception in task" with a traceback: a stage
    task meeting a database outage returns its default, the outage logged once."""
    from django.db import OperationalError

    from raqib.tasks import outage_safe

    @outage_safe(False)
    def stage(broadcast_id: int) -> bool:
        raise OperationalError("connection failed: the database system is shutting down")

    with caplog.at_level("INFO"):
        assert stage(7) is False and stage(8) is False
        assert outages.DATABASE.up()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["database unreachable; waiting for it to come back",
                        "database reachable again"]
    interrupted = [r for r in caplog.records if r.getMessage().startswith("task interrupted")]
    assert [r.task_args for r in interrupted] == [[7], [8]]
