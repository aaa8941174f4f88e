"""A killed worker's claim is taken over as soon as its death is provable, not when its
lease runs out (``raqib.leases._dead_here``, ``raqib.reclaim``).

The end-to-end test SIGKILLs a real transcription worker while it holds a broadcast's
claim (a 120 s lease), starts a new one, and checks the takeover record (the log line
``claim of a dead process taken over``, with the lease time that was left, by the
database's clock) and that the broadcast then leaves the stage: before, the work waited
for the lease to lapse plus two scheduler ticks (106-122 s measured by hand with the
default 30 s lease). The unit tests cover what counts as proof: a pid that is gone or
reused, never a live process or a holder on another machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from raqib import leases
from raqib.demo.fixture_site import build_fixture_site
from raqib.demo.server import StaticServer

ROOT = Path(__file__).resolve().parent.parent
LEASE = 120


def test_holder_ids_prove_a_dead_or_reused_pid() -> None:
    mine = leases.holder_id()
    host, pid, _, identity = mine.split(":")
    assert (host, int(pid)) == (socket.gethostname(), os.getpid()) and identity
    assert not leases._dead_here(mine)  # this process: alive
    start, namespace = identity.split("-")
    reused = f"{host}:{pid}:abcdef:{int(start) - 1}-{namespace}"  # an older process's id
    assert leases._dead_here(reused)  # the pid now belongs to a process started later
    other_ns = f"{host}:{pid}:abcdef:{int(start) - 1}-1"  # another container's pid space
    assert not leases._dead_here(other_ns)
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert leases._dead_here(f"{host}:{gone.pid}:abcdef:1-{namespace}")
    assert leases._dead_here(f"{host}:{gone.pid}:abcdef")  # an id without the identity
    assert not leases._dead_here(f"elsewhere:{gone.pid}:abcdef:1-{namespace}")


def _claims(db: Path) -> dict[str, str]:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True,
                                                timeout=5)) as conn:
            return dict(conn.execute("SELECT key, holder FROM raqib_lease WHERE key LIKE "
                                     "'broadcast:%' AND expires_at > datetime('now')"))
    except sqlite3.Error:
        return {}


def _status(db: Path, broadcast_id: int) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True,
                                            timeout=5)) as conn:
        row = conn.execute("SELECT status FROM raqib_broadcast WHERE id = ?",
                           [broadcast_id]).fetchone()
    return row[0] if row else ""


def _takeovers(logdir: Path) -> list[dict]:
    found = []
    for path in logdir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("msg") == (
                        "claim of a dead process taken over"):
                    found.append({**record, "log": path.name})
    return found


@pytest.mark.slow
def test_a_restarted_worker_takes_up_a_killed_ones_claim_at_once(tmp_path: Path) -> None:
    from transcribe.bundled_model import ensure_bundled_model

    data = tmp_path / "data"
    ensure_bundled_model(data / "models")
    site = build_fixture_site(tmp_path / "site")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    procs: dict[str, subprocess.Popen] = {}

    def start(name: str, *args: str) -> subprocess.Popen:
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "raqib", "worker", *args], env=env, cwd=ROOT,
            stdout=open(logdir / f"{name}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT, start_new_session=True)
        return procs[name]

    with StaticServer(site.root, faults=site.faults) as server:
        source = site.source_config(server.base_url)
        (tmp_path / "raqib.toml").write_text(
            "[[sources]]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                      for k, v in source.items()), encoding="utf-8")
        env = {**os.environ, "RAQIB_CONFIG": str(tmp_path / "raqib.toml"),
               "RAQIB_DATA_DIR": str(data), "RAQIB_TRANSCRIBE_MODEL": "bundled-base",
               "RAQIB_QUEUE_LEASE_SECONDS": str(LEASE), "RAQIB_QUEUE_TICK_SECONDS": "2",
               "RAQIB_CRAWL_DOWNLOAD_DELAY": "0", "RAQIB_OCR_ENABLED": "false",
               "RAQIB_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"}
        done = subprocess.run([sys.executable, "-m", "raqib", "crawl", "--enqueue"], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        db = data / "raqib.sqlite3"
        try:
            start("io", "--queues", "io")
            first = start("tr-1", "--queues", "transcribe")
            deadline = time.monotonic() + 300
            victim = None
            while victim is None and time.monotonic() < deadline:
                for key, holder in _claims(db).items():
                    if holder.split(":")[1] == str(first.pid):
                        victim = int(key.removeprefix(leases.STAGE_PREFIX))
                time.sleep(0.2)
            assert victim is not None, "the transcription worker never claimed a broadcast"
            os.killpg(first.pid, signal.SIGKILL)  # mid-stage, its claim live for ~LEASE s
            first.wait(timeout=10)
            start("tr-2", "--queues", "transcribe")
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and _status(db, victim) == "downloaded":
                time.sleep(0.5)
            status = _status(db, victim)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGINT)
            for proc in procs.values():
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
    assert status in ("transcribed", "indexed"), status
    records = [r for r in _takeovers(logdir) if r["lease"] == f"broadcast:{victim}"]
    assert len(records) == 1, _takeovers(logdir)
    record = records[0]
    assert record["dead_holder"].split(":")[1] == str(first.pid), record
    # Taken over while the dead worker's lease still had most of its time to run.
    assert record["lease_left_s"] > LEASE / 2, record
