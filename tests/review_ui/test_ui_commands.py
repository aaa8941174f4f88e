"""``raqib users`` and ``raqib serve`` as a person (or ``raqib run``) would use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from review_ui.middleware import CONTENT_SECURITY_POLICY


def run_raqib(args: list[str], data_dir: Path, password: str | None = None
              ) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAQIB_DATA_DIR": str(data_dir),
           "RAQIB_CONFIG": str(data_dir.parent / "raqib.toml")}
    env.pop("RAQIB_PASSWORD", None)
    if password is not None:
        env["RAQIB_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, text=True,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


def test_users_create_update_refuse_and_list(tmp_path: Path) -> None:
    (tmp_path / "raqib.toml").write_text("")
    data = tmp_path / "data"
    created = run_raqib(["users", "create", "huda", "--role", "reviewer"], data,
                        "a-long-enough-secret")
    assert created.returncode == 0, created.stderr
    assert "created user huda with role reviewer" in created.stdout

    short = run_raqib(["users", "create", "sami", "--role", "viewer"], data, "short")
    assert short.returncode == 2
    assert "password refused" in short.stderr and "at least 10 characters" in short.stderr
    empty = run_raqib(["users", "create", "sami", "--role", "viewer"], data, "")
    assert empty.returncode == 2 and "empty" in empty.stderr

    updated = run_raqib(["users", "create", "huda", "--role", "lead"], data,
                        "another-long-secret")
    assert updated.returncode == 0 and "updated user huda with role lead" in updated.stdout

    listed = run_raqib(["users", "list", "--format", "json"], data)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["role"], r["active"]) for r in rows] == [("huda", "lead", True)]
    assert rows[0]["second_factor"] is False  # enrols with an invite (raqib users invite)
    assert "raqib users invite huda" in updated.stdout


def test_users_create_without_a_terminal_names_raqib_password(tmp_path: Path) -> None:
    """Issue 23, finding 9: with no terminal and no RAQIB_PASSWORD, ``users create`` ended
    in a traceback (getpass on a closed stdin), and its --help did not name the variable."""
    (tmp_path / "raqib.toml").write_text("")
    data = tmp_path / "data"
    no_tty = run_raqib(["users", "create", "huda", "--role", "reviewer"], data)  # /dev/null
    env = {**os.environ, "RAQIB_DATA_DIR": str(data),
           "RAQIB_CONFIG": str(tmp_path / "raqib.toml")}
    env.pop("RAQIB_PASSWORD", None)
    closed = subprocess.run(  # stdin closed altogether (fd 0 shut by the shell)
        ["sh", "-c", f"exec {sys.executable} -m raqib users create huda --role viewer <&-"],
        env=env, text=True, capture_output=True, timeout=60)
    for done in (no_tty, closed):
        assert done.returncode == 2, done.stderr
        assert "RAQIB_PASSWORD" in done.stderr and "Traceback" not in done.stderr
    assert json.loads(run_raqib(["users", "list", "--format", "json"], data).stdout) == []
    shown = run_raqib(["users", "create", "--help"], data)
    assert shown.returncode == 0 and "RAQIB_PASSWORD" in shown.stdout


def test_users_invite_prints_the_code_once_as_json(tmp_path: Path) -> None:
    (tmp_path / "raqib.toml").write_text("")
    data = tmp_path / "data"
    assert run_raqib(["users", "create", "huda", "--role", "viewer"], data,
                     "a-long-enough-secret").returncode == 0
    issued = run_raqib(["users", "invite", "huda", "--expires", "5", "--base-url",
                        "https://raqib.example.org/", "--format", "json"], data)
    assert issued.returncode == 0, issued.stderr
    invite = json.loads(issued.stdout)
    assert invite["name"] == "huda" and len(invite["code"]) == 24
    assert invite["link"] == f"https://raqib.example.org/account/2fa/enrol/?code={invite['code']}"
    bad = run_raqib(["users", "invite", "huda", "--base-url", "javascript:alert(1)"], data)
    assert bad.returncode == 2 and "--base-url" in bad.stderr and "Traceback" not in bad.stderr


def test_serve_in_thread_serves_pages_and_static_files() -> None:
    from raqib.commands.serve import serve_in_thread, server_url, stop_server

    server, thread = serve_in_thread("127.0.0.1", 0)
    try:
        base = server_url(server)
        assert base.startswith("http://127.0.0.1:") and not base.endswith(":0/")
        with urllib.request.urlopen(base + "login/", timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            assert 'dir="rtl"' in response.read().decode()
        with urllib.request.urlopen(base + "static/review_ui/raqib.js", timeout=10) as response:
            assert response.status == 200 and b"currentTime" in response.read()
    finally:
        stop_server(server, thread)
    assert not thread.is_alive()
