"""HLS captures with real yt-dlp: a VOD playlist of ffmpeg-made MPEG-TS segments served on
loopback is captured whole; the same playlist with one segment answering 404 fails with
"fragment missing" (--abort-on-unavailable-fragments semantics) and stores nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from media_helpers import make_hls, make_mp4

from catalog.models import Broadcast, CustodyEvent, EvidenceFile, MediaFile, Outlet, Source
from crawler.base import CrawlSettings
from crawler.capture import CaptureError, DownloadPolicy, capture_broadcast_media
from crawler.downloader import probe_duration
from raqib.demo.server import StaticServer

pytestmark = pytest.mark.django_db

FAST = DownloadPolicy(retries=1, retry_base=0.01)


@pytest.fixture(scope="module")
def hls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hls")
    make_hls(make_mp4(root / "src.mp4", seconds=3), root / "hls", segment_seconds=1)
    return root / "hls"


def served_hls(static_server: StaticServer, hls_dir: Path) -> str:
    shutil.copytree(hls_dir, static_server.root / "live")
    return f"{static_server.base_url}/live/index.m3u8"


def broadcast_for(url: str) -> Broadcast:
    outlet = Outlet.objects.create(name="HLS TV")
    source = Source.objects.create(name="hls", outlet=outlet, kind="site")
    return Broadcast.objects.create(source=source, outlet=outlet, external_id="h",
                                    url=url.replace("index.m3u8", "page.html"), media_url=url)


def test_hls_vod_is_captured_whole(static_server: StaticServer, hls_dir: Path,
                                   tmp_path: Path, crawl_settings: CrawlSettings) -> None:
    url = served_hls(static_server, hls_dir)
    segments = sorted(p.name for p in hls_dir.glob("*.ts"))
    broadcast = broadcast_for(url)
    data_dir = tmp_path / "data"

    media = capture_broadcast_media(broadcast, data_dir=data_dir, settings=crawl_settings,
                                    actor="t", policy=FAST)

    for name in segments:  # every fragment was fetched
        assert f"/live/{name}" in static_server.hits
    stored = data_dir / media.path
    assert stored.is_file() and media.size == stored.stat().st_size
    duration = probe_duration(stored)
    assert duration is not None and abs(duration - 3.0) < 0.5
    event = CustodyEvent.objects.get(broadcast=broadcast)
    assert event.details["format"]["protocol"] == "m3u8_native"
    assert event.final_url == url
    assert EvidenceFile.objects.filter(broadcast=broadcast, kind="info_json").count() == 1
    assert list((data_dir / "tmp").iterdir()) == []


def test_hls_with_a_missing_fragment_fails(static_server: StaticServer, hls_dir: Path,
                                           tmp_path: Path,
                                           crawl_settings: CrawlSettings) -> None:
    url = served_hls(static_server, hls_dir)
    static_server.faults["/live/seg001.ts"] = 404
    broadcast = broadcast_for(url)
    data_dir = tmp_path / "data"

    with pytest.raises(CaptureError) as excinfo:
        capture_broadcast_media(broadcast, data_dir=data_dir, settings=crawl_settings,
                                actor="t", policy=FAST)

    assert str(excinfo.value) == \
        "fragment missing (fragment 2 could not be downloaded: HTTP 404)"
    assert not excinfo.value.retryable
    assert MediaFile.objects.count() == 0 and CustodyEvent.objects.count() == 0
    assert not (data_dir / "media").exists() and not (data_dir / "captures").exists()
    assert list((data_dir / "tmp").iterdir()) == []
