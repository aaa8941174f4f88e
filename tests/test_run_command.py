"""``raqib run``, the embedded default: it starts the io worker, the transcription worker
and the web UI as child processes, restarts one that dies, and stops them all on SIGTERM.
The catalog is SQLite in WAL mode."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.services import free_port

pytestmark = pytest.mark.slow


def children_of(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return {int(p) for p in out.split()}


def wait_for(predicate, timeout: float = 60):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s")


def login_page(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
            return response.status
    except OSError:
        return None


def test_run_supervises_workers_and_web(tmp_path: Path) -> None:
    (tmp_path / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"),
           "RAQIB_CONFIG": str(tmp_path / "raqib.toml")}
    port = free_port()
    run = subprocess.Popen([sys.executable, "-m", "raqib", "run", "--port", str(port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: login_page(port)) == 200
        children = wait_for(lambda: len(children_of(run.pid)) == 3 and children_of(run.pid))
        victim = min(children)
        os.kill(victim, signal.SIGKILL)  # a worker or the web server dies
        wait_for(lambda: victim not in children_of(run.pid)
                 and len(children_of(run.pid)) == 3)
        assert wait_for(lambda: login_page(port)) == 200
        journal = sqlite3.connect(tmp_path / "data" / "raqib.sqlite3").execute(
            "PRAGMA journal_mode").fetchone()[0]
        assert journal == "wal"
        survivors = children_of(run.pid)
    finally:
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 0, stderr
    assert "restarting" in stderr and "run: stopped" in stderr
    for pid in survivors:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
