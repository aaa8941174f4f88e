"""The suite's own isolation (issue 26): each pytest process, xdist workers included, runs
Django on the data dir, configuration and signing key that tests/conftest.py made for it.

Before the fix a ``pytest -n 2`` worker inherited the controller's DJANGO_SETTINGS_MODULE,
so pytest-django loaded the settings before the worker's conftest ran: every worker used
the controller's data dir and evidence key (two workers writing one media tree and model
cache; signed-export tests failed against the worker's own key).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def test_django_uses_this_processes_data_dir_and_key() -> None:
    assert Path(settings.DATA_DIR) == Path(os.environ["RAQIB_DATA_DIR"])
    assert settings.CONFIG.get("evidence.signing_key") == \
        os.environ["RAQIB_EVIDENCE_SIGNING_KEY"]
    assert settings.CONFIG.path == Path(os.environ["RAQIB_CONFIG"])
