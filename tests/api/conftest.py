"""Fixtures of the API tests: an own data dir per test, users of each role with tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/review_ui's seeds (incident_seed) import their helpers as ``ui_helpers``
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "review_ui"))


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    from django.core.cache import caches

    caches["api"].clear()
