"""Issue 26: ``raqib serve --workers N`` runs N pre-forked worker processes (gunicorn).

A real ``raqib serve --workers 2 --port 0`` in a subprocess: the printed line names the
picked port; a reviewer logs in through the form; pages are answered by both workers (each
kept-alive connection's socket is found in the worker process that holds it, through
/proc); a killed worker is replaced by the master and the page still answers; SIGTERM
stops the master and every worker. Bad ``--workers`` values exit 2 with a readable line.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

PASSWORD = "workers-test-passphrase"

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


def _env(root: Path) -> dict[str, str]:
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD,
           "PYTHONUNBUFFERED": "1"}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND", "RAQIB_WEB_WORKERS"):
        env.pop(var, None)
    return env


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _wait_children(pid: int, count: int, not_in: set[int] = frozenset(),
                   timeout: float = 90) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = _children(pid)
        if len(kids) == count and not kids & not_in:
            return kids
        time.sleep(0.2)
    raise AssertionError(f"master {pid} has children {_children(pid)}, wanted {count}")


def _holder(conn: http.client.HTTPConnection, workers: set[int]) -> int | None:
    """The worker process that holds the server side of ``conn`` (a kept-alive socket)."""
    client_port = conn.sock.getsockname()[1]
    server_port = conn.sock.getpeername()[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                cols = line.split()
                local, remote = cols[1].rsplit(":", 1)[1], cols[2].rsplit(":", 1)[1]
                if int(local, 16) == server_port and int(remote, 16) == client_port:
                    inodes.add(f"socket:[{cols[9]}]")
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    return None


def _get(port: int, path: str, cookies: dict[str, str],
         body: str = "") -> tuple[http.client.HTTPConnection, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request("POST" if body else "GET", path, body=body.encode() or None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.update({k: v.value for k, v in SimpleCookie(header).items()})
    return conn, response, data


TOTP_KEY = "3132333435363738393031323334353637383930"
TOTP_DEVICE_SCRIPT = f"""
import django
django.setup()
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
TOTPDevice.objects.create(user=get_user_model().objects.get(username="rana"),
                          name="authenticator", key="{TOTP_KEY}", confirmed=True)
"""


def _second_factor(port: int, cookies: dict[str, str]) -> None:
    """The login's second step over plain HTTP: a TOTP code from rana's known key."""
    from tests.review_ui.ui_helpers import token_for_key

    _, page, html = _get(port, "/login/2fa/", cookies)
    assert page.status == 200, html[:300]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
    code, _ = token_for_key(TOTP_KEY)
    _, done, body = _get(port, "/login/2fa/", cookies, urlencode({
        "csrfmiddlewaretoken": token, "token": code}))
    assert done.status == 302, body[:300]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-m", "raqib", "users", "create", "rana", "--role",
                    "reviewer"], env=env, check=True, timeout=120, capture_output=True)
    # Every role passes a second factor: give rana a confirmed TOTP device with a known key
    # (what enrolment through an invite leaves behind), in the server's own database.
    subprocess.run([sys.executable, "-c", TOTP_DEVICE_SCRIPT], env=env, check=True,
                   timeout=120, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "raqib", "serve", "--workers", "2",
                             "--port", "0"], env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match and "2 worker processes" in line, line
        assert int(match.group(1)) != 0
        yield proc, int(match.group(1))
    finally:
        if proc.poll() is None:
            kids = _children(proc.pid)
            proc.kill()
            proc.wait(timeout=30)
            for kid in kids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(kid, signal.SIGKILL)


def test_two_workers_serve_a_logged_in_reviewer_survive_a_kill_and_stop(server) -> None:
    proc, port = server
    workers = _wait_children(proc.pid, 2)

    cookies: dict[str, str] = {}
    _, page, html = _get(port, "/login/", cookies)
    assert page.status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
    _, done, body = _get(port, "/login/", cookies, urlencode({
        "csrfmiddlewaretoken": token, "username": "rana", "password": PASSWORD}))
    assert done.status == 302, body[:300]
    _second_factor(port, cookies)

    served: dict[int, int] = {}
    open_conns = []
    for _ in range(60):  # new connections until both workers have answered one
        conn, response, data = _get(port, "/broadcasts/", cookies)
        assert response.status == 200 and b"rana" in data
        open_conns.append(conn)
        holder = _holder(conn, workers)
        assert holder is not None
        served[holder] = served.get(holder, 0) + 1
        if len(served) == 2:
            break
    for conn in open_conns:
        conn.close()
    assert set(served) == workers, served

    victim = sorted(workers)[0]
    os.kill(victim, signal.SIGKILL)
    replaced = _wait_children(proc.pid, 2, not_in={victim})
    assert victim not in replaced and len(replaced & workers) == 1
    for _ in range(4):
        _, response, data = _get(port, "/broadcasts/", cookies)
        assert response.status == 200 and b"rana" in data

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in replaced)
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=5).connect()


@pytest.mark.parametrize(("value", "needle"), [("0", "must be 1 to 64, not 0"),
                                               ("65", "must be 1 to 64, not 65"),
                                               ("two", "not a whole number: 'two'")])
def test_bad_worker_counts_exit_2_readably(tmp_path: Path, value: str, needle: str) -> None:
    result = subprocess.run([sys.executable, "-m", "raqib", "serve", "--workers", value],
                            env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_a_bad_configured_worker_count_exits_2(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "RAQIB_WEB_WORKERS": "100"}
    result = subprocess.run([sys.executable, "-m", "raqib", "serve", "--port", "0"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "web workers must be 1 to 64, not 100" in result.stderr
    assert "Traceback" not in result.stderr
