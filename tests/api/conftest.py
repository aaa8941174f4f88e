"""Fixtures of the API tests: an own data dir per test, users of each role with tokens."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    from django.core.cache import caches

    caches["api"].clear()
