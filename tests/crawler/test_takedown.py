"""Takedown watch against a loopback outlet: a captured direct file that stays the same is
online, one replaced by other bytes (same or different size) is re-cut, one answering 404
is gone; an item page handed to yt-dlp is checked by metadata and found gone when removed.
Each check appends a custody event, the original stays untouched, and `raqib broadcasts
list` and `raqib takedown check` show it."""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from crawl_helpers import write_page
from django.conf import settings

from catalog.models import Broadcast, CustodyEvent, Outlet, Source
from crawler import takedown
from crawler.base import CrawlSettings
from crawler.capture import capture_broadcast_media
from raqib.commands.broadcasts import list_broadcasts
from raqib.commands.takedown import check_command
from raqib.demo.server import StaticServer

pytestmark = pytest.mark.django_db


def captured(server: StaticServer, data_dir: Path, crawl_settings: CrawlSettings,
             name: str, body: bytes, direct: bool = True) -> Broadcast:
    (server.root / f"{name}.mp4").write_bytes(body)
    write_page(server.root, f"{name}.html", f"<h1>{name}</h1><video src='{name}.mp4'></video>")
    outlet, _ = Outlet.objects.get_or_create(name="Fixture TV")
    source, _ = Source.objects.get_or_create(name="fixture",
                                             defaults={"outlet": outlet, "kind": "site"})
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id=name, url=f"{server.base_url}/{name}.html",
        media_url=f"{server.base_url}/{name}.mp4" if direct else "")
    capture_broadcast_media(broadcast, data_dir=data_dir, settings=crawl_settings, actor="t",
                            warc=False)
    return Broadcast.objects.select_related("media").get(pk=broadcast.pk)


def check(broadcast: Broadcast, crawl_settings: CrawlSettings, data_dir: Path) -> str:
    return takedown.check_broadcast(broadcast, crawl_settings, data_dir, "t").availability


def test_direct_file_online_recut_and_gone(static_server: StaticServer, sample_mp4: bytes,
                                           tmp_path: Path,
                                           crawl_settings: CrawlSettings) -> None:
    data_dir = tmp_path / "data"
    b = captured(static_server, data_dir, crawl_settings, "clip", sample_mp4)
    stored = data_dir / b.media.path
    original_sha = hashlib.sha256(sample_mp4).hexdigest()

    assert check(b, crawl_settings, data_dir) == "online"

    recut = bytearray(sample_mp4)
    recut[-10] ^= 0xFF  # same size, other bytes: only the hash can tell
    (static_server.root / "clip.mp4").write_bytes(bytes(recut))
    assert check(b, crawl_settings, data_dir) == "recut"
    event = CustodyEvent.objects.filter(broadcast=b).last()
    assert event.action == "takedown-recut" and event.details["method"] == "hash"
    assert event.details["new_sha256"] == hashlib.sha256(bytes(recut)).hexdigest()
    assert event.sha256 == original_sha

    (static_server.root / "clip.mp4").write_bytes(sample_mp4[: len(sample_mp4) // 2])
    assert check(b, crawl_settings, data_dir) == "recut"
    assert CustodyEvent.objects.filter(broadcast=b).last().details["method"] == "head"

    (static_server.root / "clip.mp4").unlink()
    assert check(b, crawl_settings, data_dir) == "gone"
    b.refresh_from_db()
    assert b.availability == "gone" and b.availability_checked_at is not None
    assert b.status == "discovered"  # the pipeline status is not the watch's business
    assert [e.action for e in CustodyEvent.objects.filter(broadcast=b)] == [
        "captured", "takedown-online", "takedown-recut", "takedown-recut", "takedown-gone"]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == original_sha  # untouched


def test_extractor_item_is_checked_by_metadata(static_server: StaticServer,
                                               sample_mp4: bytes, tmp_path: Path,
                                               crawl_settings: CrawlSettings) -> None:
    data_dir = tmp_path / "data"
    b = captured(static_server, data_dir, crawl_settings, "page", sample_mp4, direct=False)
    result = takedown.check_broadcast(b, crawl_settings, data_dir, "t")
    assert (result.availability, result.method) == ("online", "metadata")

    static_server.faults["/page.html"] = 404
    result = takedown.check_broadcast(b, crawl_settings, data_dir, "t")
    assert result.availability == "gone" and result.reason.startswith("HTTP 404")

    static_server.faults["/page.html"] = 503  # cannot tell: nothing recorded
    result = takedown.check_broadcast(b, crawl_settings, data_dir, "t")
    assert result.availability == "error"
    assert Broadcast.objects.get(pk=b.pk).availability == "gone"
    assert CustodyEvent.objects.filter(broadcast=b, action__startswith="takedown").count() == 2


def test_due_and_the_command_and_the_broadcast_list(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings, monkeypatch, capsys) -> None:
    monkeypatch.setattr(settings.CONFIG, "values", {
        **settings.CONFIG.values, "raqib.data_dir": str(tmp_path / "data"),
        "crawl.download_delay": 0.0, "crawl.user_agent": crawl_settings.user_agent})
    data_dir = settings.CONFIG.data_dir
    kept = captured(static_server, data_dir, crawl_settings, "kept", sample_mp4)
    gone = captured(static_server, data_dir, crawl_settings, "gone", sample_mp4 + b"x")
    (static_server.root / "gone.mp4").unlink()

    week = timedelta(days=7)
    assert list(takedown.due(week)) == []  # just captured: not due yet
    assert len(takedown.due(week, force=True)) == 2

    args = argparse.Namespace(source=None, all=True, rehash=False, limit=0, format="json")
    assert check_command(args) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[kept.id]["availability"] == "online"
    assert rows[gone.id]["availability"] == "gone"
    assert list(takedown.due(week)) == []  # checked now

    list_broadcasts(argparse.Namespace(status=None, source=None, outlet=None, limit=0,
                                       availability="gone", format="json"))
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [gone.id]
    assert listed[0]["availability"] == "gone" and listed[0]["availability_checked_at"]
    assert listed[0]["sha256"] == hashlib.sha256(sample_mp4 + b"x").hexdigest()
    assert [e["kind"] for e in listed[0]["evidence"]] == ["info_json"]


def test_monitors_see_gone_and_recut_in_the_ui(client) -> None:  # noqa: ANN001
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import timezone

    from accounts.roles import set_role
    from catalog.models import MediaFile
    from tests.review_ui.ui_helpers import PASSWORD

    user = get_user_model().objects.create_user("monitor", password=PASSWORD)
    set_role(user, "viewer")
    from tests.review_ui.ui_helpers import login_client

    login_client(client, user)
    outlet = Outlet.objects.create(name="Fixture TV")
    source = Source.objects.create(name="fixture", outlet=outlet, kind="site")
    media = MediaFile.objects.create(sha256="a" * 64, path="media/aa/x.mp4", size=1)
    made = {}
    for state in ("gone", "recut", "online"):
        made[state] = Broadcast.objects.create(
            source=source, outlet=outlet, external_id=state, url=f"https://x.test/{state}",
            title=state, media=media, availability=state,
            availability_checked_at=timezone.now())
    page = client.get(reverse("review_ui:broadcast_list")).content.decode()
    assert page.count("availability-gone") == 1 and page.count("availability-recut") == 1
    assert "availability-online" not in page  # only what needs a monitor's attention
    gone_only = client.get(reverse("review_ui:broadcast_list")
                           + "?availability=gone").content.decode()
    assert gone_only.count('<tr class="status-') == 1  # one row: the deleted item
    assert gone_only.count("availability-gone") == 1
    assert "availability-recut" not in gone_only
    detail = client.get(reverse("review_ui:broadcast_detail",
                                args=[made["gone"].pk])).content.decode()
    assert "نسختنا محفوظة" in detail  # "our copy is kept", in the Arabic UI
