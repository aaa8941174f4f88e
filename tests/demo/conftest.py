"""Fixtures for the demo outlet tests: the generated fixture site, built once per session,
and the offline Whisper base model (assembled in the session data dir, shared with the
other test directories that ask ``ensure_bundled_model`` for it)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-site")


@pytest.fixture(scope="session")
def site(site_root: Path):
    from raqib.demo.fixture_site import build_fixture_site

    return build_fixture_site(site_root)


@pytest.fixture(scope="session")
def outlet(site):
    """The built site served on loopback; yields the StaticServer."""
    from raqib.demo.fixture_site import start_fixture_outlet

    _, server = start_fixture_outlet(site.root)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def demo_model() -> Path:
    from raqib.config import load_config
    from transcribe.bundled_model import ensure_bundled_model
    from transcribe.model_resolver import models_dir

    return ensure_bundled_model(models_dir(load_config().data_dir))
