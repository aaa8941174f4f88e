"""The command line's sign-in on a terminal (``raqib.commands.acting``): with no token and
stdin a terminal, a command asks for user name, password and second factor, and then acts
as that person; a wrong password or code refuses (exit 1, nothing written). User
administration (``raqib users``) signs in an admin the same way once one has enrolled: a
lead's sign-in is refused, an admin's acts and is audited under their name.

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
    # django-otp locks the authenticator for 1 s after a wrong code (throttle factor 1):
    # on a fast machine the next command once reached the check inside that second.
    time.sleep(1.5)
    code, out, terminal = _on_terminal(
        env, ["persons", "add", "أماني", "--format", "json"],
        [("user name:", "lina"), ("password:", PASSWORD), ("second factor", first)])
    assert code == 0, terminal
    assert json.loads(out)["name"] == "أماني"  # stdout holds the JSON only, prompts apart
    assert PASSWORD not in terminal and first not in terminal  # typed, never echoed
    audit = subprocess.run([sys.executable, "-m", "raqib", "audit", "verify", "--format",
                            "json"], env=env, capture_output=True, text=True, timeout=300)
    assert audit.returncode == 0, audit.stderr


ADMIN_KEY = "3938373635343332313039383736353433323130"


def _django(env: dict[str, str], code: str) -> str:
    """Run ``code`` after ``django.setup()`` against the test's data dir; its stdout."""
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code],
                          env={**env, "DJANGO_SETTINGS_MODULE": "raqib.settings"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(900)
def test_user_administration_signs_in_an_admin_at_the_terminal(env: dict[str, str]) -> None:
    # lina (a lead) holds a factor but is no admin: bootstrap is open, root is made admin
    made = subprocess.run([sys.executable, "-m", "raqib", "users", "create", "root", "--role",
                           "admin"], env={**env, "RAQIB_PASSWORD": PASSWORD},
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    _django(env, "from django.contrib.auth import get_user_model\n"
                 "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
                 "TOTPDevice.objects.create(user=get_user_model().objects.get(username='root'),"
                 f" name='authenticator', key='{ADMIN_KEY}', confirmed=True)")
    new = {**env, "RAQIB_PASSWORD": "mallory-new-passphrase-2026"}
    create = ["users", "create", "mallory", "--role", "admin"]
    # no terminal and no token: refused (root has enrolled, bootstrap is over)
    piped = subprocess.run([sys.executable, "-m", "raqib", *create], env=new,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=300)
    assert piped.returncode == 1 and "acts as an admin person" in piped.stderr, piped.stderr
    # a lead signs in: the right password and code, but no admin
    code, _, terminal = _on_terminal(new, create, [
        ("user name:", "lina"), ("password:", PASSWORD), ("second factor", token_for_key(KEY)[0])])
    assert code == 1 and "does not allow 'admin'" in terminal, terminal
    assert "Traceback" not in terminal
    exists = "from django.contrib.auth import get_user_model\n" \
             "print(get_user_model().objects.filter(username='mallory').exists())"
    assert _django(env, exists).strip() == "False"
    # the admin signs in: created, and the audit names root
    code, out, terminal = _on_terminal(new, create, [
        ("user name:", "root"), ("password:", PASSWORD),
        ("second factor", token_for_key(ADMIN_KEY)[0])])
    assert code == 0 and "created user mallory with role admin" in out, terminal
    actor = _django(env, "from catalog.models import CustodyEvent\n"
                         "print(CustodyEvent.objects.filter(action='user-role-set')"
                         ".order_by('pk').last().actor)")
    assert actor.strip() == "root"
