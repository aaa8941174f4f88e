"""The command line's sign-in on a terminal (``raqib.commands.acting``): with no token and
stdin a terminal, a command asks for user name, password and second factor, and then acts
as that person; a wrong password or code refuses (exit 1, nothing written).

Runs ``raqib`` as a subprocess on a pseudo-terminal (``pty``), as a person types at a
shell, on its own data dir; the user's authenticator key is set up through Django in a
second subprocess so this test computes the codes an app would show.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.review_ui.ui_helpers import token_for_key

PASSWORD = "terminal-sign-in-2026"
KEY = "3132333435363738393031323334353637383930"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "raqib.toml").write_text("")
    environment = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"),
                   "RAQIB_CONFIG": str(tmp_path / "raqib.toml"), "RAQIB_PASSWORD": PASSWORD}
    for var in ("RAQIB_TOKEN", "DATABASE_URL", "REDIS_URL", "RAQIB_SEARCH_BACKEND"):
        environment.pop(var, None)
    made = subprocess.run([sys.executable, "-m", "raqib", "users", "create", "lina", "--role",
                           "lead"], env=environment, capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr
    script = ("import django; django.setup(); from django.contrib.auth import get_user_model;"
              "from django_otp.plugins.otp_totp.models import TOTPDevice;"
              "TOTPDevice.objects.create(user=get_user_model().objects.get(username='lina'),"
              f"name='authenticator', key='{KEY}', confirmed=True)")
    device = subprocess.run([sys.executable, "-c", script],
                            env={**environment, "DJANGO_SETTINGS_MODULE": "raqib.settings"},
                            capture_output=True, text=True, timeout=300)
    assert device.returncode == 0, device.stderr
    environment.pop("RAQIB_PASSWORD")
    return environment


def _on_terminal(env: dict[str, str], args: list[str], answers: list[tuple[str, str]]
                 ) -> tuple[int, str, str]:
    """Run ``raqib ARGS`` with stdin and stderr on a pseudo-terminal; answer each prompt
    (waited for by its text) with its line. Returns (exit code, stdout, terminal text)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "raqib", *args], env=env, stdin=slave,
                            stderr=slave, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    os.close(slave)
    seen = ""
    deadline = time.monotonic() + 300
    for prompt, line in answers:
        while prompt not in seen and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 4096).decode("utf-8", "replace")
                except OSError:
                    break
        if prompt not in seen:
            break
        os.write(master, (line + "\n").encode())
        seen = seen.replace(prompt, f"<{prompt.strip()}>", 1)
    out, _ = proc.communicate(timeout=300)
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk.decode("utf-8", "replace")
    os.close(master)
    return proc.returncode, out, seen


@pytest.mark.timeout(900)
def test_a_person_signs_in_at_the_terminal(env: dict[str, str]) -> None:
    code, _, terminal = _on_terminal(
        env, ["persons", "add", "أماني", "--format", "json"],
        [("user name:", "lina"), ("password:", "not the password")])
    assert code == 1 and "wrong user name or password" in terminal, terminal
    first, _ = token_for_key(KEY)
    code, _, terminal = _on_terminal(
        env, ["persons", "add", "أماني", "--format", "json"],
        [("user name:", "lina"), ("password:", PASSWORD), ("second factor", "000000"
                                                           if first != "000000" else "111111")])
    assert code == 1 and "wrong second-factor code" in terminal, terminal
    code, out, terminal = _on_terminal(
        env, ["persons", "add", "أماني", "--format", "json"],
        [("user name:", "lina"), ("password:", PASSWORD), ("second factor", first)])
    assert code == 0, terminal
    assert json.loads(out)["name"] == "أماني"  # stdout holds the JSON only, prompts apart
    assert PASSWORD not in terminal and first not in terminal  # typed, never echoed
    audit = subprocess.run([sys.executable, "-m", "raqib", "audit", "verify", "--format",
                            "json"], env=env, capture_output=True, text=True, timeout=300)
    assert audit.returncode == 0, audit.stderr
