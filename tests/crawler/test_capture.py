"""Evidence capture: real yt-dlp against loopback, real SQLite, real files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from crawl_helpers import write_page

from crawler.base import CrawlSettings
from crawler.capture import CaptureError, capture_broadcast_media
from raqib.demo.server import StaticServer
from raqib.models import Broadcast, CustodyEvent, MediaFile, Outlet, Source

pytestmark = pytest.mark.django_db


def make_broadcast(external_id: str, url: str, media_url: str = "") -> Broadcast:
    outlet, _ = Outlet.objects.get_or_create(name="Fixture TV")
    source, _ = Source.objects.get_or_create(name="fixture", defaults={"outlet": outlet,
                                                                       "kind": "site"})
    return Broadcast.objects.create(source=source, outlet=outlet, external_id=external_id,
                                    url=url, media_url=media_url)


def capture(broadcast: Broadcast, data_dir: Path, settings: CrawlSettings) -> MediaFile:
    return capture_broadcast_media(broadcast, data_dir=data_dir, settings=settings,
                                   actor="tester@test")


def leftovers(data_dir: Path) -> list[Path]:
    return list((data_dir / "tmp").glob("*"))


def test_capture_stores_the_served_file_with_custody(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "media").mkdir()
    (static_server.root / "media" / "1.mp4").write_bytes(sample_mp4)
    media_url = f"{static_server.base_url}/media/1.mp4"
    broadcast = make_broadcast("b1", f"{static_server.base_url}/items/1.html", media_url)
    data_dir = tmp_path / "data"

    media = capture(broadcast, data_dir, crawl_settings)

    served_sha = hashlib.sha256(sample_mp4).hexdigest()
    assert media.sha256 == served_sha
    assert media.path == f"media/{served_sha[:2]}/{served_sha}.mp4"
    assert (data_dir / media.path).read_bytes() == sample_mp4
    assert media.size == len(sample_mp4) and media.mime_type == "video/mp4"
    info_path = data_dir / media.info_json_path
    assert info_path.parent == data_dir / "captures" / str(broadcast.id)
    assert json.loads(info_path.read_text())["webpage_url"] == media_url
    broadcast.refresh_from_db()
    assert broadcast.media_id == media.id
    assert broadcast.status == Broadcast.Status.DISCOVERED  # the pipeline's job, not ours
    event = CustodyEvent.objects.get(broadcast=broadcast)
    assert (event.action, event.actor, event.sha256) == ("captured", "tester@test", served_sha)
    assert event.media_id == media.id
    assert event.source_url == media_url and event.final_url == media_url
    assert event.host
    assert set(event.tool_versions) == {"raqib", "yt-dlp", "python"}
    assert event.details["size"] == len(sample_mp4)
    assert event.details["info_json"] == media.info_json_path
    assert leftovers(data_dir) == []


def test_item_page_without_media_url_is_handed_to_ytdlp(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "clip.mp4").write_bytes(sample_mp4)
    write_page(static_server.root, "item.html", "<h1>x</h1><video src='clip.mp4'></video>")
    broadcast = make_broadcast("page", f"{static_server.base_url}/item.html")

    media = capture(broadcast, tmp_path / "data", crawl_settings)

    assert media.sha256 == hashlib.sha256(sample_mp4).hexdigest()
    event = CustodyEvent.objects.get(broadcast=broadcast)
    assert event.source_url == broadcast.url
    assert event.final_url == f"{static_server.base_url}/clip.mp4"


def test_same_media_under_two_broadcasts_is_stored_once(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "a.mp4").write_bytes(sample_mp4)
    (static_server.root / "b.mp4").write_bytes(sample_mp4)
    first = make_broadcast("a", f"{static_server.base_url}/a.html",
                           f"{static_server.base_url}/a.mp4")
    second = make_broadcast("b", f"{static_server.base_url}/b.html",
                            f"{static_server.base_url}/b.mp4")
    data_dir = tmp_path / "data"

    media_a = capture(first, data_dir, crawl_settings)
    media_b = capture(second, data_dir, crawl_settings)

    assert media_a.id == media_b.id and MediaFile.objects.count() == 1
    assert set(media_a.broadcasts.values_list("external_id", flat=True)) == {"a", "b"}
    assert len(list((data_dir / "media").rglob("*.mp4"))) == 1
    assert CustodyEvent.objects.filter(media=media_a).count() == 2  # one per capture
    assert len(list((data_dir / "captures").rglob("*.info.json"))) == 2
    assert CustodyEvent.objects.get(broadcast=second).details["already_stored"] is True
    assert leftovers(data_dir) == []


@pytest.mark.parametrize(("status", "reason"), [
    (404, "HTTP 404: media not found (removed?)"),
    (503, "HTTP 503: server error"),
])
def test_http_failure_is_a_capture_error(
        static_server: StaticServer, tmp_path: Path, crawl_settings: CrawlSettings,
        status: int, reason: str) -> None:
    static_server.faults["/media/gone.mp4"] = status
    broadcast = make_broadcast("gone", f"{static_server.base_url}/gone.html",
                               f"{static_server.base_url}/media/gone.mp4")
    data_dir = tmp_path / "data"
    with pytest.raises(CaptureError) as excinfo:
        capture(broadcast, data_dir, crawl_settings)
    assert str(excinfo.value) == reason
    assert MediaFile.objects.count() == 0 and CustodyEvent.objects.count() == 0
    assert leftovers(data_dir) == []


def test_empty_file_is_a_capture_error(
        static_server: StaticServer, tmp_path: Path, crawl_settings: CrawlSettings) -> None:
    (static_server.root / "empty.mp4").write_bytes(b"")
    broadcast = make_broadcast("empty", f"{static_server.base_url}/empty.html",
                               f"{static_server.base_url}/empty.mp4")
    data_dir = tmp_path / "data"
    with pytest.raises(CaptureError, match=r"^empty file \(0 bytes\)$"):
        capture(broadcast, data_dir, crawl_settings)
    assert MediaFile.objects.count() == 0 and CustodyEvent.objects.count() == 0
    assert not (data_dir / "captures").exists()
    assert leftovers(data_dir) == []


def test_unreachable_media_is_a_capture_error(tmp_path: Path,
                                              crawl_settings: CrawlSettings) -> None:
    broadcast = make_broadcast("down", "http://127.0.0.1:9/x.html", "http://127.0.0.1:9/x.mp4")
    with pytest.raises(CaptureError, match=r"^unreachable$"):
        capture(broadcast, tmp_path / "data", crawl_settings)
