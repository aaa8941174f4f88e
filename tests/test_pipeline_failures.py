"""Bad input end to end: an unreachable source, a media URL that 404s, an empty audio file,
a corrupt file and a silent-but-valid file, crawled together with a good item. Each ends in
a recorded reason, the rest of the run goes on, and a re-run duplicates nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Broadcast, CustodyEvent, MediaFile, Segment, Source, Transcript
from crawler.schema import validate_sources
from raqib.commands.processing import crawl_sources

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ITEMS = {
    "good": ("good.mp4", "نشرة أخبار"),
    "gone": ("gone.mp4", "فيديو محذوف"),
    "empty": ("empty.wav", "ملف صوتي فارغ"),
    "corrupt": ("corrupt.mp4", "ملف تالف"),
}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


def build_site(www: Path) -> None:
    media = www / "media"
    media.mkdir()
    speech = www / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "ar", "-s", "135", "-w", str(speech),
                    "ابنتي الدكتورة أماني"], check=True)
    ffmpeg("-f", "lavfi", "-i", "color=c=0x203040:s=160x90:r=10", "-i", str(speech),
           "-shortest", "-c:v", "libx264", "-c:a", "aac", str(media / "good.mp4"))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", str(media / "empty.wav"))
    (media / "corrupt.mp4").write_bytes(b"this is not a video, it is a text file\n" * 50)
    links = "".join(f'<a class="item" href="{slug}.html">{title}</a>'
                    for slug, (_, title) in ITEMS.items())
    (www / "list.html").write_text(f"<html><body>{links}</body></html>", encoding="utf-8")
    for slug, (file, title) in ITEMS.items():
        (www / f"{slug}.html").write_text(
            f'<html><body><h1>{title}</h1><video src="media/{file}"></video></body></html>',
            encoding="utf-8")


def configure(base_url: str) -> None:
    common = {"kind": "site", "item_links": "a.item::attr(href)", "title": "h1::text",
              "media": "video::attr(src)"}
    sources, problems = validate_sources([
        {"name": "dead", "outlet": "Unreachable TV", "start_urls": ["http://127.0.0.1:9/"],
         **common},
        {"name": "fixture", "outlet": "Fixture TV", "start_urls": [f"{base_url}/list.html"],
         **common},
    ], "1h")
    assert not problems
    settings.CONFIG.sources = sources
    settings.CONFIG.values["crawl.download_delay"] = 0.0


def snapshot() -> tuple:
    return (
        sorted(Broadcast.objects.values_list("external_id", "status", "error")),
        MediaFile.objects.count(), Transcript.objects.count(), Segment.objects.count(),
    )


def test_bad_input_is_recorded_and_the_rest_goes_on(static_server, monkeypatch) -> None:
    original_sources, original_values = settings.CONFIG.sources, dict(settings.CONFIG.values)
    monkeypatch.setattr(settings.CONFIG, "sources", original_sources)
    monkeypatch.setattr(settings.CONFIG, "values", original_values)
    build_site(static_server.root)
    configure(static_server.base_url)

    outcome, _ = crawl_sources(None, do_process=True)
    assert outcome.exit_code == 1  # one source failed outright, four items failed
    assert sorted((f["stage"], f["reason"][:17]) for f in outcome.failures) == [
        ("crawl", "cannot reach http"), ("download", "HTTP 404: media n"),
        ("transcribe", "ffmpeg cannot rea"), ("transcribe", "zero-length audio")]

    dead = Source.objects.get(name="dead")
    assert dead.last_error == "cannot reach http://127.0.0.1:9/: connection refused"
    assert dead.next_crawl_at is not None  # it will be tried again on schedule
    rows = {b.url.rsplit("/", 1)[-1].removesuffix(".html"): b
            for b in Broadcast.objects.filter(source__name="fixture")}
    assert rows["good"].status == "indexed"
    assert rows["gone"].status == "failed" and rows["gone"].failed_stage == "download"
    assert rows["gone"].error == "HTTP 404: media not found (removed?)"
    assert rows["empty"].status == "failed" and rows["empty"].failed_stage == "transcribe"
    assert rows["empty"].error == "zero-length audio"
    assert rows["corrupt"].status == "failed" and rows["corrupt"].failed_stage == "transcribe"
    assert rows["corrupt"].error.startswith("ffmpeg cannot read it")
    # Captured evidence stays captured even when transcription fails.
    assert rows["corrupt"].media is not None
    assert CustodyEvent.objects.filter(broadcast=rows["corrupt"], action="captured").exists()
    # The good item's transcript and subtitles exist and are searchable.
    transcript = rows["good"].transcripts.get()
    assert "أماني" in " ".join(transcript.segments.values_list("text", flat=True))
    subtitles = settings.CONFIG.data_dir / "transcripts" / str(rows["good"].id)
    assert {p.suffix for p in subtitles.iterdir()} == {".vtt", ".srt"}

    before = snapshot()
    crawl_sources(["fixture"], do_process=True)
    assert snapshot() == before
