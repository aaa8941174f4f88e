"""WARC snapshots of item pages: written with warcio, read back with warcio, hashed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from crawl_helpers import write_page
from warcio.archiveiterator import ArchiveIterator

from catalog.models import Broadcast, EvidenceFile, Outlet, Source
from crawler.base import CrawlSettings
from crawler.capture import capture_broadcast_media
from crawler.warc import SnapshotError, snapshot_page
from raqib.demo.server import StaticServer


def read_records(path: Path) -> list:
    out = []
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            body = record.content_stream().read()
            out.append((record.rec_type, record.rec_headers, record.http_headers, body))
    return out


def test_snapshot_records_each_redirect_hop_and_the_page_as_served(
        static_server: StaticServer, tmp_path: Path) -> None:
    write_page(static_server.root, "items/index.html", "<h1>اعتراف قسري</h1>")
    served = (static_server.root / "items" / "index.html").read_bytes()
    dest = tmp_path / "page.warc.gz"

    # /items redirects (301) to /items/, which serves index.html.
    snap = snapshot_page(f"{static_server.base_url}/items", dest, user_agent="RaqibTest/1.0",
                         timeout=5)

    assert snap.http_status == 200 and snap.final_url == f"{static_server.base_url}/items/"
    assert [status for _, status in snap.hops] == [301, 200]
    records = read_records(dest)
    assert [r[0] for r in records] == ["warcinfo", "request", "response", "request",
                                       "response"]
    request, response = records[3], records[4]
    assert request[2].get_header("User-Agent") == "RaqibTest/1.0"
    assert request[1].get_header("WARC-Concurrent-To") == \
        response[1].get_header("WARC-Record-ID")
    assert response[1].get_header("WARC-Target-URI") == f"{static_server.base_url}/items/"
    assert response[2].get_statuscode() == "200"
    assert response[3] == served  # byte for byte, Arabic untouched
    assert records[2][2].get_statuscode() == "301"


def test_snapshot_of_a_removed_page_records_the_404(static_server: StaticServer,
                                                     tmp_path: Path) -> None:
    snap = snapshot_page(f"{static_server.base_url}/gone.html", tmp_path / "p.warc.gz",
                         user_agent="UA", timeout=5)
    assert snap.http_status == 404
    assert read_records(snap.path)[-1][2].get_statuscode() == "404"


def test_unreachable_page_raises_and_leaves_no_file(tmp_path: Path) -> None:
    dest = tmp_path / "p.warc.gz"
    with pytest.raises(SnapshotError, match="cannot fetch"):
        snapshot_page("http://127.0.0.1:9/x.html", dest, user_agent="UA", timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_large_body_is_truncated_and_marked(static_server: StaticServer,
                                            tmp_path: Path) -> None:
    (static_server.root / "big.html").write_bytes(b"x" * 5000)
    snap = snapshot_page(f"{static_server.base_url}/big.html", tmp_path / "p.warc.gz",
                         user_agent="UA", timeout=5, max_bytes=1000)
    response = read_records(snap.path)[-1]
    assert snap.truncated and len(response[3]) == 1000
    assert response[1].get_header("WARC-Truncated") == "length"


@pytest.mark.django_db
def test_capture_warc_is_readable_and_its_sha256_is_recorded(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings) -> None:
    (static_server.root / "m.mp4").write_bytes(sample_mp4)
    write_page(static_server.root, "item.html", "<h1>برنامج</h1><p>وصف</p>")
    outlet = Outlet.objects.create(name="Fixture TV")
    source = Source.objects.create(name="fixture", outlet=outlet, kind="site")
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id="w", url=f"{static_server.base_url}/item.html",
        media_url=f"{static_server.base_url}/m.mp4")
    data_dir = tmp_path / "data"

    capture_broadcast_media(broadcast, data_dir=data_dir, settings=crawl_settings, actor="t")

    evidence = EvidenceFile.objects.get(broadcast=broadcast, kind="warc")
    path = data_dir / evidence.path
    assert path.name.endswith(".warc.gz")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == evidence.sha256
    response = read_records(path)[-1]
    assert response[1].get_header("WARC-Target-URI") == broadcast.url
    assert response[3] == (static_server.root / "item.html").read_bytes()
