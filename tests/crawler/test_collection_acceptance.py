"""Issue 3's acceptance check, run as a monitor would: a site crawled twice through the real
command line (Scrapy, yt-dlp, ffmpeg-made media, Whisper on the embedded default), then
``raqib broadcasts list --format json`` shows every item once, ``aired_at`` read from
Arabic dates as the outlet printed them (a day stays that day) with the raw text kept,
each ``sha256`` equal to the served file's, a re-broadcast's media stored once (a sighting
of the first broadcast, with its own date), and a removed item failed with a clear error."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_helpers import write_page
from media_helpers import make_mp4, need_ffmpeg

from raqib.demo.server import StaticServer

# slug -> (Arabic date as the page shows it, ``aired_at`` as printed (catalog.aired: a time
# in Asia/Damascus with its offset, a date without a time as that day), media file or None
# for a removed video)
ITEMS = {
    "confession": ("٢٠ نيسان ٢٠٢١ - ٢١:٣٠", "2021-04-20T21:30+03:00", "a.mp4"),
    "rebroadcast": ("3 أيار 2021", "2021-05-03", "a-copy.mp4"),
    "interview": ("الخميس 10 يونيو 2021", "2021-06-10", "b.mp4"),
    "removed": ("١ تموز ٢٠٢١", "2021-07-01", None),
}


def _site(root: Path) -> dict[str, bytes]:
    need_ffmpeg()
    make_mp4(root / "a.mp4", seconds=1, freq=440)
    (root / "a-copy.mp4").write_bytes((root / "a.mp4").read_bytes())  # same bytes, new URL
    make_mp4(root / "b.mp4", seconds=1, freq=880)
    links = "".join(f'<a class="item" href="items/{slug}.html">{slug}</a>' for slug in ITEMS)
    write_page(root, "index.html", links)
    for slug, (date, _, media) in ITEMS.items():
        src = media or "gone.mp4"
        write_page(root, f"items/{slug}.html",
                   f"<h1>{slug}</h1><time>{date}</time><video src='../{src}'></video>")
    return {name: (root / name).read_bytes() for name in ("a.mp4", "a-copy.mp4", "b.mp4")}


@pytest.mark.slow
def test_site_crawled_twice_lists_every_item_once_with_evidence(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    served = _site(www)
    with StaticServer(www) as server:
        config = tmp_path / "raqib.toml"
        config.write_text(f"""
[crawl]
download_delay = 0.0
timeout = 10.0

[transcribe]
model = "bundled-base"

[[sources]]
name = "fixture-tv"
outlet = "قناة الاختبار"
kind = "site"
timezone = "Asia/Damascus"
start_urls = ["{server.base_url}/index.html"]
item_links = "a.item::attr(href)"
title = "h1"
aired_at = "time"
media = "video"
""", encoding="utf-8")
        env = {**os.environ, "RAQIB_CONFIG": str(config),
               "RAQIB_DATA_DIR": str(tmp_path / "data")}

        def raqib(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "raqib", *args], env=env,
                                  capture_output=True, text=True, timeout=600)

        first = raqib("crawl")
        assert first.returncode == 1, first.stderr  # the removed item failed: listed
        assert "crawl: FAILED" in first.stderr and "/items/removed.html) at download: " \
            "HTTP 404" in first.stderr
        second = raqib("crawl")
        assert second.returncode == 0, second.stderr  # nothing new, nothing failed
        assert "0 new" in second.stderr
        rows = json.loads(raqib("broadcasts", "list", "--format", "json").stdout)

    by_slug = {r["url"].rsplit("/", 1)[1].removesuffix(".html"): r for r in rows}
    # The confession and its re-broadcast (the same bytes under another item) are one
    # recording: whichever was captured first is the broadcast, the other its sighting.
    pairs = [(r, s) for r in rows for s in r["sightings"]]
    assert len(pairs) == 1
    kept, sighting = pairs[0]
    seen = sighting["url"].rsplit("/", 1)[1].removesuffix(".html")
    assert {seen, kept["url"].rsplit("/", 1)[1].removesuffix(".html")} == {
        "confession", "rebroadcast"}
    by_slug[seen] = {**sighting, "status": kept["status"], "sha256": kept["sha256"],
                     "evidence": kept["evidence"]}
    assert sorted(by_slug) == sorted(ITEMS) and len(rows) == len(ITEMS) - 1  # each once
    for slug, (raw, iso, media) in ITEMS.items():
        row = by_slug[slug]
        assert row["aired_at_raw"] == raw
        assert row["aired_at"] == iso, slug
        if media:
            assert row["status"] == "indexed", row
            assert row["sha256"] == hashlib.sha256(served[media]).hexdigest()
            assert {e["kind"] for e in row["evidence"]} >= {"info_json", "warc"}
    assert by_slug["confession"]["sha256"] == by_slug["rebroadcast"]["sha256"]
    stored = [p for p in (tmp_path / "data" / "media").rglob("*") if p.is_file()]
    assert len(stored) == 2  # the re-broadcast's media is stored once
    removed = by_slug["removed"]
    assert removed["status"] == "failed" and removed["failed_stage"] == "download"
    assert "404" in removed["error"] and "removed" in removed["error"]
