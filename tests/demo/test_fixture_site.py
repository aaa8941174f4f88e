"""The demo fixture outlet: generated once, reused, served, and its speech is recoverable.

Everything is real: espeak-ng and ffmpeg make the media, ffprobe checks it, the lead's
StaticServer serves it over loopback and the offline Whisper base model transcribes it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.schema import validate_sources
from raqib.demo import speech
from raqib.demo.fixture_site import MANIFEST, build_fixture_site

DOCUMENTARY = "tunnel-to-light-part-1"
REMOVED = "tunnel-to-light-part-2"


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _stamp(site) -> dict[str, tuple[str | None, int | None]]:
    return {i.slug: (i.sha256, i.media_path.stat().st_mtime_ns if i.media_path.exists()
                     else None) for i in site.items}


def test_site_is_generated(site) -> None:
    root = site.root
    for name in ("list.html", "list-2.html", "robots.txt", MANIFEST):
        assert (root / name).is_file(), name
    assert [i.slug for i in site.items][0] == DOCUMENTARY
    assert len(site.items) == 5
    reaired = site.item("bulletin-2021-04-25")  # re-airs the documentary (issue 16)
    assert reaired.spoken_text == site.item(DOCUMENTARY).spoken_text
    for item in site.items:
        assert (root / "items" / f"{item.slug}.html").is_file()
        if item.media_missing:
            assert not item.media_path.exists() and item.sha256 is None
        else:
            assert len(item.sha256) == 64 and item.media_path.stat().st_size > 1000
    assert site.item(DOCUMENTARY).spoken_text == " ".join(speech.SPEECH[DOCUMENTARY])
    assert "أماني" in site.item(DOCUMENTARY).search_words
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["media"] == {i.slug: i.sha256 for i in site.items if not i.media_missing}


def test_second_build_reuses_the_files(site) -> None:
    before = _stamp(site)
    again = build_fixture_site(site.root)
    assert _stamp(again) == before  # same hashes, media not rewritten


def test_damaged_media_is_regenerated(tmp_path: Path, site) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site.root, copy)
    victim = copy / "media" / f"{DOCUMENTARY}.mp4"
    victim.write_bytes(b"truncated")
    rebuilt = build_fixture_site(copy)
    item = rebuilt.item(DOCUMENTARY)
    assert victim.stat().st_size > 1000
    assert json.loads((copy / MANIFEST).read_text())["media"][DOCUMENTARY] == item.sha256


def test_source_config_is_valid(site) -> None:
    config = site.source_config("http://127.0.0.1:8421")
    sources, problems = validate_sources([config], "6h")
    assert problems == []
    assert sources[0]["start_urls"] == ["http://127.0.0.1:8421/list.html"]
    assert config["name"] == "demo-ikhbariya" and config["robots"] is True


def test_listing_pages_link_items_and_paginate(outlet, site) -> None:
    status, page1 = _get(f"{outlet.base_url}/list.html")
    assert status == 200
    text1 = page1.decode("utf-8")
    assert re.findall(r'<a class="next" href="([^"]+)"', text1) == ["list-2.html"]
    _, page2 = _get(f"{outlet.base_url}/list-2.html")
    text2 = page2.decode("utf-8")
    assert 'class="next"' not in text2
    links = re.findall(r'<a class="item" href="([^"]+)"', text1 + text2)
    assert links == [f"items/{i.slug}.html" for i in site.items]
    assert "موقع تجريبي" in text1 and "demo fixture" in text1  # never mistaken for the outlet


def test_item_page_has_the_selected_fields(outlet, site) -> None:
    status, body = _get(f"{outlet.base_url}/items/{DOCUMENTARY}.html")
    page = body.decode("utf-8")
    assert status == 200
    assert '<h1 class="title">من النفق إلى النور — الجزء الأول</h1>' in page
    assert '<time class="aired" datetime="2021-04-20T19:00:00+03:00">' in page
    assert '<span class="program">' in page and '<p class="description">' in page
    assert f'<source src="../media/{DOCUMENTARY}.mp4" type="video/mp4">' in page


def test_robots_allows_crawling(outlet) -> None:
    status, body = _get(f"{outlet.base_url}/robots.txt")
    assert status == 200 and b"Allow: /" in body and b"Disallow: /" not in body


def test_media_is_an_mp4_with_audio(site) -> None:
    item = site.item(DOCUMENTARY)
    proc = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
                           "-show_streams", str(item.media_path)],
                          capture_output=True, text=True, check=True)
    info = json.loads(proc.stdout)
    assert "mp4" in info["format"]["format_name"]
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert (streams["video"]["width"], streams["video"]["height"]) == (320, 180)
    assert streams["audio"]["codec_name"] == "aac"
    assert float(info["format"]["duration"]) > 2.0


def test_removed_video_answers_404_and_others_serve_ranges(outlet, site) -> None:
    status, _ = _get(outlet.base_url + site.item(REMOVED).media_url_path)
    assert status == 404
    item = site.item(DOCUMENTARY)
    status, body = _get(outlet.base_url + item.media_url_path, {"Range": "bytes=0-99"})
    assert status == 206 and body == item.media_path.read_bytes()[:100]
    assert "404" in site.item(REMOVED).description


@pytest.mark.slow
def test_whisper_base_recovers_the_search_words(site, demo_model: Path) -> None:
    """أماني must come back from the documentary (the demo searches it), and each
    bulletin's word from its bulletin, with the engine settings the pipeline uses."""
    from transcribe.faster_whisper_engine import FasterWhisperEngine
    from transcribe.model_resolver import describe_directory

    engine = FasterWhisperEngine(describe_directory(demo_model), device="cpu",
                                 compute_type="int8")
    heard = {}
    for item in site.items:
        if item.search_words:
            result = engine.transcribe(item.media_path, "ar")
            heard[item.slug] = " ".join(s.text for s in result.segments)
    assert "أماني" in heard[DOCUMENTARY], f"Whisper base heard: {heard[DOCUMENTARY]!r}"
    missing = {slug: (word, heard[slug]) for slug, words in speech.SEARCH_WORDS.items()
               for word in words if word not in heard[slug]}
    assert not missing, f"words not recovered (word, transcript): {missing}"
