"""Fixtures for the collection-stage tests: a real MP4 made with ffmpeg once per session
and crawl settings without delays. Page-writing helpers live in ``crawl_helpers``."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from crawler.base import CrawlSettings


@pytest.fixture(scope="session")
def sample_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 2-second H.264/AAC MP4, generated once per session."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed; it is needed to generate test media")
    out = tmp_path_factory.mktemp("media") / "sample.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
         "-f", "lavfi", "-i", "sine=duration=2", "-shortest", "-c:v", "libx264",
         "-c:a", "aac", str(out)],
        check=True, timeout=60,
    )
    return out.read_bytes()


@pytest.fixture
def crawl_settings() -> CrawlSettings:
    return CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                         max_pages=10)
