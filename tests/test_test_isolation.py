"""The suite's own isolation (issue 26): each pytest process, xdist workers included, runs
Django on the data dir, configuration and signing key that tests/conftest.py made for it.

Before the fix a ``pytest -n 2`` worker inherited the controller's DJANGO_SETTINGS_MODULE,
so pytest-django loaded the settings before the worker's conftest ran: every worker used
the controller's data dir and evidence key (two workers writing one media tree and model
cache; signed-export tests failed against the worker's own key).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_django_uses_this_processes_data_dir_and_key() -> None:
    assert Path(settings.DATA_DIR) == Path(os.environ["RAQIB_DATA_DIR"])
    assert settings.CONFIG.get("evidence.signing_key") == \
        os.environ["RAQIB_EVIDENCE_SIGNING_KEY"]
    assert settings.CONFIG.path == Path(os.environ["RAQIB_CONFIG"])


def test_only_this_process_hashes_passwords_fast() -> None:
    """tests/conftest.py makes in-process password hashes MD5 (speed); the settings a
    ``raqib`` process loads still hash with PBKDF2 (Django's default), and verify only
    hashes of Django's default hashers."""
    from django.contrib.auth.hashers import make_password

    assert make_password("correct-horse-battery").startswith("md5$")
    code = ("import django; django.setup(); from django.conf import settings; "
            "from django.contrib.auth.hashers import make_password; "
            "print(settings.PASSWORD_HASHERS[0]); print(make_password('x').split('$')[0])")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    first, algorithm = done.stdout.split()
    assert first == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert algorithm == "pbkdf2_sha256"
