"""Evidence capture: real yt-dlp against loopback, real SQLite, real files.

The stored original, its custody record and the evidence kept beside it (info.json, a WARC
of the item page, captions), re-broadcasts stored once as sightings of the first, failures,
and a capture that is never repeated once committed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from crawl_helpers import write_page
from media_helpers import write_vtt

from catalog.models import (
    Broadcast,
    CustodyEvent,
    EvidenceFile,
    MediaFile,
    Outlet,
    Sighting,
    Source,
)
from crawler.base import CrawlSettings
from crawler.capture import (
    CaptureError,
    DownloadPolicy,
    RecordedAsSighting,
    capture_broadcast_media,
)
from raqib.demo.server import StaticServer

pytestmark = pytest.mark.django_db


def make_broadcast(external_id: str, url: str, media_url: str = "", source: str = "fixture",
                   outlet: str = "Fixture TV") -> Broadcast:
    outlet, _ = Outlet.objects.get_or_create(name=outlet)
    source, _ = Source.objects.get_or_create(name=source, defaults={"outlet": outlet,
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
    assert set(event.tool_versions) == {"raqib", "yt-dlp", "warcio", "python"}
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


def test_same_media_seen_again_is_a_sighting_of_the_first_broadcast(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "a.mp4").write_bytes(sample_mp4)
    (static_server.root / "b.mp4").write_bytes(sample_mp4)
    first = make_broadcast("a", f"{static_server.base_url}/a.html",
                           f"{static_server.base_url}/a.mp4")
    second = make_broadcast("b", f"{static_server.base_url}/b.html",
                            f"{static_server.base_url}/b.mp4", source="rebroadcaster",
                            outlet="Other TV")  # a re-broadcast by another outlet
    data_dir = tmp_path / "data"

    media_a = capture(first, data_dir, crawl_settings)
    with pytest.raises(RecordedAsSighting) as seen:
        capture(second, data_dir, crawl_settings)

    assert seen.value.broadcast_id == first.id
    assert MediaFile.objects.count() == 1
    assert list(media_a.broadcasts.values_list("external_id", flat=True)) == ["a"]
    assert not Broadcast.objects.filter(pk=second.id).exists()
    sighting = Sighting.objects.get(pk=seen.value.sighting_id)
    assert (sighting.broadcast_id, sighting.former_broadcast_id, sighting.external_id,
            sighting.source.name, sighting.outlet.name, sighting.media_id) == (
        first.id, second.id, "b", "rebroadcaster", "Other TV", media_a.id)
    assert len(list((data_dir / "media").rglob("*.mp4"))) == 1
    events = CustodyEvent.objects.filter(media=media_a).order_by("id")
    assert [(e.broadcast_id, e.action) for e in events] == [(first.id, "captured"),
                                                            (first.id, "sighted")]
    assert events[1].source_url == f"{static_server.base_url}/b.mp4"
    assert events[1].details["already_stored"] is True
    assert events[1].details["sighting"] == sighting.pk
    assert len(list((data_dir / "captures").rglob("*.info.json"))) == 2
    assert sighting.evidence_files.get(kind="info_json").broadcast_id == first.id
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


def test_capture_keeps_info_json_warc_and_captions_as_evidence(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "clip.mp4").write_bytes(sample_mp4)
    write_vtt(static_server.root / "clip.ar.vtt")
    write_page(static_server.root, "item.html",
               "<h1>اعتراف</h1><video src='clip.mp4'>"
               "<track kind='subtitles' srclang='ar' src='clip.ar.vtt'></video>")
    broadcast = make_broadcast("ev", f"{static_server.base_url}/item.html")
    data_dir = tmp_path / "data"

    media = capture_broadcast_media(broadcast, data_dir=data_dir, settings=crawl_settings,
                                    actor="tester@test", policy=DownloadPolicy(
                                        subtitles_lang="ar", retries=1, retry_base=0.01))

    files = {e.kind: e for e in EvidenceFile.objects.filter(broadcast=broadcast)}
    assert set(files) == {"info_json", "warc", "captions"}
    for evidence in files.values():
        path = data_dir / evidence.path
        assert path.parent == data_dir / "captures" / str(broadcast.id)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == evidence.sha256
        assert evidence.size == path.stat().st_size
        assert not path.stat().st_mode & 0o222  # read-only
    assert not (data_dir / media.path).stat().st_mode & 0o222
    assert (data_dir / files["captions"].path).read_text(encoding="utf-8") == \
        (static_server.root / "clip.ar.vtt").read_text(encoding="utf-8")
    assert files["captions"].path.endswith(".ar.vtt")
    event = CustodyEvent.objects.get(broadcast=broadcast)
    assert event.details["page_http_status"] == 200
    assert event.details["format"]["protocol"] == "http"
    assert event.details["format"]["ext"] == "mp4"
    assert {e["path"] for e in event.details["evidence"]} == {e.path for e in files.values()}
    assert leftovers(data_dir) == []


def test_unreachable_page_does_not_fail_the_capture(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "m.mp4").write_bytes(sample_mp4)
    broadcast = make_broadcast("nopage", "http://127.0.0.1:9/item.html",
                               f"{static_server.base_url}/m.mp4")
    media = capture(broadcast, tmp_path / "data", crawl_settings)
    assert media.sha256 == hashlib.sha256(sample_mp4).hexdigest()
    event = CustodyEvent.objects.get(broadcast=broadcast)
    assert event.details["warc_error"].startswith("cannot fetch http://127.0.0.1:9/item.html")
    assert set(EvidenceFile.objects.filter(broadcast=broadcast)
               .values_list("kind", flat=True)) == {"info_json"}


def test_warc_can_be_turned_off(static_server: StaticServer, sample_mp4: bytes,
                                tmp_path: Path, crawl_settings: CrawlSettings) -> None:
    (static_server.root / "m.mp4").write_bytes(sample_mp4)
    write_page(static_server.root, "item.html", "<h1>x</h1>")
    broadcast = make_broadcast("nowarc", f"{static_server.base_url}/item.html",
                               f"{static_server.base_url}/m.mp4")
    capture_broadcast_media(broadcast, data_dir=tmp_path / "data", settings=crawl_settings,
                            actor="t", warc=False)
    assert list(EvidenceFile.objects.values_list("kind", flat=True)) == ["info_json"]
    assert "/item.html" not in static_server.hits
    assert "disabled" in CustodyEvent.objects.get().details["warc_error"]


def test_a_committed_capture_is_not_repeated(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    """A worker killed after the capture committed but before the broadcast was marked
    downloaded: the re-run returns the stored media without downloading again."""
    (static_server.root / "m.mp4").write_bytes(sample_mp4)
    broadcast = make_broadcast("once", f"{static_server.base_url}/i.html",
                               f"{static_server.base_url}/m.mp4")
    data_dir = tmp_path / "data"
    first = capture(broadcast, data_dir, crawl_settings)
    hits = len(static_server.hits)
    again = capture(Broadcast.objects.get(pk=broadcast.pk), data_dir, crawl_settings)
    assert again.id == first.id and len(static_server.hits) == hits
    assert CustodyEvent.objects.count() == 1 and EvidenceFile.objects.count() == 2
