"""`raqib verify` re-hashes every stored file: all match after a capture; a modified
original and a deleted evidence file are reported, exit 1; one custody event per run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from crawl_helpers import write_page
from django.conf import settings

from catalog.models import Broadcast, CustodyEvent, EvidenceFile, Outlet, Source
from crawler.base import CrawlSettings
from crawler.capture import capture_broadcast_media
from raqib.commands.verify import verify_command
from raqib.demo.server import StaticServer

pytestmark = pytest.mark.django_db


def run_verify(capsys) -> tuple[int, dict, str]:  # noqa: ANN001
    code = verify_command(argparse.Namespace(format="json", problems_only=False))
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_verify_detects_a_modified_and_a_deleted_file(
        static_server: StaticServer, sample_mp4: bytes, tmp_path: Path,
        crawl_settings: CrawlSettings, monkeypatch, capsys) -> None:
    monkeypatch.setattr(settings.CONFIG, "values",
                        {**settings.CONFIG.values, "raqib.data_dir": str(tmp_path / "data")})
    data_dir = settings.CONFIG.data_dir
    (static_server.root / "m.mp4").write_bytes(sample_mp4)
    write_page(static_server.root, "i.html", "<h1>بث</h1>")
    outlet = Outlet.objects.create(name="Fixture TV")
    source = Source.objects.create(name="fixture", outlet=outlet, kind="site")
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="v",
                                         url=f"{static_server.base_url}/i.html",
                                         media_url=f"{static_server.base_url}/m.mp4")
    media = capture_broadcast_media(broadcast, data_dir=data_dir, settings=crawl_settings,
                                    actor="t")

    code, report, err = run_verify(capsys)
    assert code == 0
    assert report["summary"] == {"files": 3, "ok": 3, "missing": 0, "mismatch": 0,
                                 "unreadable": 0}
    assert "[raqib 3/3] verify:" in err  # progress lines

    stored = data_dir / media.path
    stored.chmod(0o644)
    with stored.open("ab") as fh:
        fh.write(b"\0")
    warc = EvidenceFile.objects.get(kind="warc")
    (data_dir / warc.path).unlink()

    code, report, err = run_verify(capsys)
    assert code == 1
    assert report["summary"]["mismatch"] == 1 and report["summary"]["missing"] == 1
    by_path = {f["path"]: f for f in report["files"]}
    assert by_path[media.path]["status"] == "mismatch"
    assert by_path[media.path]["expected_sha256"] == media.sha256
    assert by_path[warc.path]["status"] == "missing"
    assert "2 problem(s) found" in err
    # The failures as every command that processes items lists them (docs/cli.md).
    assert sorted((f["id"], f["stage"], f["reason"]) for f in report["failures"]) == sorted([
        (f"media:{media.id}", "verify", f"mismatch: media file {media.path}"),
        (f"evidence:{warc.id}", "verify", f"missing: warc file {warc.path}")])
    assert f"verify: FAILED media:{media.id} at verify: mismatch" in err

    events = list(CustodyEvent.objects.filter(action="verified"))
    assert len(events) == 2  # one per run, not per file
    assert events[1].details["mismatch"] == 1 and events[1].details["missing"] == 1
    assert {p["path"] for p in events[1].details["problems"]} == {media.path, warc.path}
