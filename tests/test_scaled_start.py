"""The scaled layout started all at once on an empty PostgreSQL database comes up.

docs/operations.md and the units in ``deploy/`` start ``raqib migrate`` first, but an
operator starting the processes by hand, or a unit file without the ordering, starts
them together: each migrates at start, so without the migration lock (``raqib.schema``)
they raced and died (``IntegrityError: duplicate key value violates unique constraint
"pg_type_typname_nsp_index"``, ``relation ... already exists``). Here the scheduler, two
io workers, one transcription worker and ``raqib serve`` start together as real
processes on a fresh PostgreSQL and Redis: every one stays up, the web UI answers, the
scheduler takes its lease and queues a crawl that an io worker runs, and no log shows a
traceback. ``raqib migrate`` itself (exit codes, JSON) is tested on SQLite.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from raqib.demo.fixture_site import build_fixture_site
from raqib.demo.server import StaticServer
from tests.services import free_port, postgres_server, redis_server

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = {  # the scaled layout of docs/operations.md, all at once
    "scheduler": ["scheduler"],
    "worker-io-1": ["worker", "--queues", "io", "--no-scheduler"],
    "worker-io-2": ["worker", "--queues", "io", "--no-scheduler"],
    "worker-transcribe": ["worker", "--queues", "transcribe"],
    "web": ["serve", "--host", "127.0.0.1", "--port", "{port}"],
}
BAD = ("Traceback", "IntegrityError", "already exists", "Unhandled exception")


def raqib(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def _wait(what: str, check, procs: dict, logs: Path, timeout: float = 300) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = {name: p.returncode for name, p in procs.items() if p.poll() is not None}
        assert not dead, f"exited: {dead}\n" + _tails(logs)
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"{what} not seen within {timeout}s\n" + _tails(logs))


def _tails(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                     for p in sorted(logs.glob("*.log")))


@pytest.mark.scaled
@pytest.mark.slow
def test_scaled_layout_started_together_on_an_empty_database(tmp_path: Path) -> None:
    site = build_fixture_site(tmp_path / "site")
    logs = tmp_path / "logs"
    logs.mkdir()
    port = free_port()
    with (StaticServer(site.root, faults=site.faults) as server, postgres_server() as pg,
          redis_server() as redis_url):
        source = site.source_config(server.base_url)
        (tmp_path / "raqib.toml").write_text(
            "[[sources]]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                      for k, v in source.items()), encoding="utf-8")
        env = {**os.environ, "RAQIB_CONFIG": str(tmp_path / "raqib.toml"),
               "RAQIB_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": pg,
               "REDIS_URL": redis_url, "RAQIB_QUEUE_TICK_SECONDS": "2",
               "RAQIB_QUEUE_LEASE_SECONDS": "6", "RAQIB_CRAWL_DOWNLOAD_DELAY": "0",
               "PYTHONUNBUFFERED": "1"}
        procs: dict[str, subprocess.Popen] = {}
        try:
            for name, args in LAYOUT.items():  # no waiting between them: all race
                argv = [a.format(port=port) for a in args]
                procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "raqib", *argv], env=env, cwd=ROOT,
                    stdout=open(logs / f"{name}.log", "w"),  # noqa: SIM115
                    stderr=subprocess.STDOUT, start_new_session=True)

            def log(name: str) -> str:
                return (logs / f"{name}.log").read_text(errors="replace")

            _wait("the web UI", lambda: _answers(f"http://127.0.0.1:{port}/health/"),
                  procs, logs)
            for name in ("worker-io-1", "worker-io-2"):
                _wait(f"{name} consuming", lambda n=name: "consuming the io queue" in log(n),
                      procs, logs)
            _wait("the transcription worker consuming",
                  lambda: "consuming the transcribe queue" in log("worker-transcribe"),
                  procs, logs)
            _wait("the scheduler competing", lambda: "competing" in log("scheduler"),
                  procs, logs)

            def crawled() -> bool:  # the scheduler queued the due crawl; an io worker ran it
                done = raqib(env, "broadcasts", "list", "--format", "json", timeout=120)
                return done.returncode == 0 and len(json.loads(done.stdout)) == len(site.items)

            _wait("the crawl queued by the scheduler and run by an io worker", crawled,
                  procs, logs)
            status = raqib(env, "status", "--format", "json")
            assert status.returncode == 0, status.stderr
            assert json.loads(status.stdout)["scheduler"]["holder"], status.stdout
            time.sleep(2)
            alive = {name: p.poll() for name, p in procs.items()}
            assert all(code is None for code in alive.values()), alive
        finally:
            for proc in procs.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGINT)
            for proc in procs.values():
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(errors="replace")
        found = [word for word in BAD if word in text]
        assert not found, f"{path.name}: {found}\n{text[-4000:]}"


def test_migrate_command_applies_once_and_checks(tmp_path: Path) -> None:
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data")}
    check = raqib(env, "migrate", "--check", "--format", "json")
    assert check.returncode == 1, check.stderr  # an empty database: everything pending
    assert not json.loads(check.stdout)["up_to_date"]
    assert any(name.startswith("raqib.0001") for name in json.loads(check.stdout)["pending"])
    done = raqib(env, "migrate", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert any(name.startswith("raqib.0001") for name in json.loads(done.stdout)["applied"])
    again = raqib(env, "migrate", "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["applied"] == []
    check = raqib(env, "migrate", "--check")
    assert check.returncode == 0 and "up to date" in check.stdout


def test_migrate_says_when_the_database_is_unreachable(tmp_path: Path) -> None:
    from tests.services import free_port

    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"),
           "DATABASE_URL": f"postgres://raqib@127.0.0.1:{free_port()}/raqib"}
    done = raqib(env, "migrate")
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("raqib: cannot reach the database:"), done.stderr
    assert "Traceback" not in done.stderr
