"""Download limits, failure reasons and the retry schedule: a file over the source's size
limit and media over its duration limit fail with a clear reason and store nothing; a
removed item fails "HTTP 404"; failed downloads get `next_retry_at` (5 min, doubling)
which the scheduler honours; yt-dlp's wordings map to reasons a monitor understands."""

from __future__ import annotations

import errno
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from yt_dlp.utils import DownloadError, GeoRestrictedError

from catalog.models import Broadcast, CustodyEvent, MediaFile, Outlet, Source
from crawler.base import CrawlSettings
from crawler.capture import CaptureError, DownloadPolicy, capture_broadcast_media
from crawler.downloader import _reason_for
from raqib import pipeline
from raqib.demo.server import StaticServer

pytestmark = pytest.mark.django_db


def broadcast(server: StaticServer, name: str, source_config: dict | None = None) -> Broadcast:
    outlet, _ = Outlet.objects.get_or_create(name="Fixture TV")
    source, _ = Source.objects.get_or_create(
        name="fixture", defaults={"outlet": outlet, "kind": "site",
                                  "config": source_config or {}})
    return Broadcast.objects.create(source=source, outlet=outlet, external_id=name,
                                    url=f"{server.base_url}/{name}.html",
                                    media_url=f"{server.base_url}/{name}")


def test_too_large_is_refused_before_downloading(static_server: StaticServer, tmp_path: Path,
                                                 crawl_settings: CrawlSettings) -> None:
    (static_server.root / "big.mp4").write_bytes(os.urandom(1536 * 1024))
    b = broadcast(static_server, "big.mp4")
    with pytest.raises(CaptureError) as excinfo:
        capture_broadcast_media(b, data_dir=tmp_path / "data", settings=crawl_settings,
                                actor="t", policy=DownloadPolicy(max_filesize_mb=1))
    assert str(excinfo.value) == "too large (1.5 MB > limit 1 MB)"
    assert MediaFile.objects.count() == 0 and not (tmp_path / "data" / "media").exists()
    assert list((tmp_path / "data" / "tmp").iterdir()) == []


def test_too_long_is_refused(static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
                             crawl_settings: CrawlSettings) -> None:
    (static_server.root / "long.mp4").write_bytes(sample_mp4)  # 2 s
    b = broadcast(static_server, "long.mp4")
    with pytest.raises(CaptureError, match=r"^too long \(2 s > limit 1 s\)$"):
        capture_broadcast_media(b, data_dir=tmp_path / "data", settings=crawl_settings,
                                actor="t", policy=DownloadPolicy(max_duration=1))
    assert MediaFile.objects.count() == 0 and CustodyEvent.objects.count() == 0


def test_policy_from_config_prefers_the_source() -> None:
    config = settings.CONFIG
    policy = DownloadPolicy.from_config(config, {"max_filesize_mb": 5, "max_duration": "2h"})
    assert (policy.max_filesize_mb, policy.max_duration) == (5, 7200)
    assert policy.retries == config.get("crawl.download_retries")
    assert DownloadPolicy.from_config(config, {}).max_filesize_mb == \
        config.get("crawl.max_filesize_mb")
    with pytest.raises(CaptureError, match="max_duration"):
        DownloadPolicy.from_config(config, {"max_duration": "soon"})


def test_failed_download_is_scheduled_for_retry(static_server: StaticServer, tmp_path: Path,
                                                monkeypatch) -> None:
    from raqib.tasks import _retry_due

    monkeypatch.setattr(settings.CONFIG, "values", {
        **settings.CONFIG.values, "raqib.data_dir": str(tmp_path / "data"),
        "crawl.download_retries": 0, "crawl.download_delay": 0.0})
    (static_server.root / "big.mp4").write_bytes(os.urandom(1536 * 1024))
    removed = broadcast(static_server, "removed.mp4", {"max_filesize_mb": 1})
    big = broadcast(static_server, "big.mp4")

    assert not pipeline.run_stage(big.id, "download", settings.CONFIG)  # the source's limit
    assert Broadcast.objects.get(pk=big.id).error == "too large (1.5 MB > limit 1 MB)"

    before = timezone.now()
    assert not pipeline.run_stage(removed.id, "download", settings.CONFIG)
    removed.refresh_from_db()
    assert (removed.status, removed.failed_stage, removed.retry_count) == ("failed",
                                                                           "download", 1)
    assert removed.error == "HTTP 404: media not found (removed?)"
    first_wait = removed.next_retry_at - before
    assert timedelta(minutes=5) <= first_wait < timedelta(minutes=6)
    assert not _retry_due(removed, timezone.now())
    assert _retry_due(removed, removed.next_retry_at)

    assert not pipeline.run_stage(removed.id, "download", settings.CONFIG)
    removed.refresh_from_db()
    assert removed.retry_count == 2
    assert timedelta(minutes=10) <= removed.next_retry_at - before < timedelta(minutes=11)


@pytest.mark.parametrize(("error", "reason"), [
    (DownloadError("ERROR: [youtube] x: Private video. Sign in if you've been granted "
                   "access"), "private: the outlet made the video private"),
    (DownloadError("ERROR: [youtube] x: This video has been removed by the uploader"),
     "removed: the outlet took the video down"),
    (DownloadError("ERROR: geo", exc_info=(GeoRestrictedError, GeoRestrictedError(
        "The uploader has not made this video available in your country"), None)),
     "geo-blocked: not available from this location"),
    (DownloadError("ERROR: unable to write data: [Errno 28] No space left on device"),
     "disk full (no space left on device)"),
    (OSError(errno.ENOSPC, "No space left on device"), "disk full (no space left on device)"),
    (DownloadError("ERROR: Unsupported URL: http://x/"), "unsupported URL"),
    (DownloadError("ERROR: fragment 7 not found, unable to continue"),
     "fragment missing (fragment 7 could not be downloaded)"),
    (DownloadError("ERROR: [generic] Unable to download webpage: The read operation timed "
                   "out"), "timeout"),
])
def test_ytdlp_failures_map_to_monitor_reasons(error: BaseException, reason: str) -> None:
    # These wordings come from outlets (YouTube, geo-blocking, a full disk) that cannot be
    # reproduced on loopback; the mapping of yt-dlp's real messages is what is tested.
    assert _reason_for(error) == reason
