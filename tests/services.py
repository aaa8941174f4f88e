"""Throwaway PostgreSQL and Redis servers on loopback for the scaled-mode tests, and
``raqib serve`` on a free loopback port for the browser tests (``serve_ui``), and
``broadcast_statuses``: a cheap read of the catalog for tests that wait on real workers.

Each starts from nothing in a temporary directory on a free port and is stopped after the
test. When the server binaries are missing the fixture skips and says how to install them
(``scripts/setup.sh`` does). PostgreSQL refuses to run as root, so under root the cluster
is created and started as the ``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a DATABASE_URL for a fresh PostgreSQL cluster on a loopback port."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries not installed (scripts/setup.sh installs "
                    "the 'postgresql' package)")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="raqib-pg-"))
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "raqib",
                    "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l",
                    str(root / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        _wait_for_port(port)
        yield f"postgres://raqib@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Yield a REDIS_URL for a fresh, non-persistent Redis on a loopback port."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server not installed (scripts/setup.sh installs 'redis-server')")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def serve_ui(env: dict[str, str]) -> Iterator[str]:
    """Run ``raqib serve`` (its default worker processes) on a free loopback port with
    ``env`` (its data dir and config); yield the base URL (``http://127.0.0.1:PORT/``)
    and stop the server afterwards."""
    import sys

    server = subprocess.Popen([sys.executable, "-m", "raqib", "serve", "--host", "127.0.0.1",
                               "--port", "0"], env={**env, "PYTHONUNBUFFERED": "1"}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = server.stdout.readline()  # "Raqib review UI: http://127.0.0.1:PORT/ ..."
        assert "http://" in line, line
        yield "http://" + line.split("http://", 1)[1].split()[0]
    finally:
        server.terminate()  # gunicorn: graceful stop of the master and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
            raise


def broadcast_statuses(env: dict[str, str]) -> list[str]:
    """Every broadcast's status in the catalog of ``env`` (``DATABASE_URL``, else the SQLite
    file in ``RAQIB_DATA_DIR``), read without starting ``raqib``; empty before migration.

    For polling while real workers run (issue 26): a ``raqib`` start costs about 0.9 s of
    CPU, taken from the workers under test; this read costs milliseconds. Assertions still
    read the CLI's own output once the catalog has settled."""
    query = "SELECT status FROM raqib_broadcast"  # catalog.Broadcast (app label raqib)
    if env.get("DATABASE_URL"):
        import psycopg

        try:
            with psycopg.connect(env["DATABASE_URL"], connect_timeout=10) as conn:
                return [row[0] for row in conn.execute(query)]
        except psycopg.errors.UndefinedTable:
            return []
    path = Path(env["RAQIB_DATA_DIR"]) / "raqib.sqlite3"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return [row[0] for row in conn.execute(query)]
    except sqlite3.OperationalError as exc:  # the catalog table is not migrated yet
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()
