"""Fixtures for the review UI tests: a signed-in viewer and a broadcast with media."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from ui_helpers import login_client, make_broadcast, make_user, write_media

from catalog.models import Broadcast


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    """Media files of a test live in its own temp dir (never in the project's data dir)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def viewer_client(db) -> Client:
    return login_client(Client(), make_user("viewer1", "viewer"))


@pytest.fixture
def broadcast(db) -> Broadcast:
    payload = bytes(range(256)) * 40  # 10240 bytes, each position identifiable
    return make_broadcast(media=write_media("media/ab/test.mp4", payload))
