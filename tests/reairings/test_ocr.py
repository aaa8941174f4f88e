"""On-screen text (real ffmpeg, Pango and Tesseract): a banner name drawn over a video is
read into the ``ocr`` track with its times, found by search (Arabic-normalised) and
suggested as the known person's appearance; audio-only media has no OCR track."""

from __future__ import annotations

import datetime as dt
import json

import media_gen as g
import pytest
from reair_helpers import add_media

from catalog.models import Broadcast, Outlet, Source, Transcript
from raqib.cli import main
from reairings.models import ScreenName
from review.persons import add_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_config():
    from django.conf import settings

    saved = dict(settings.CONFIG.values)
    yield
    settings.CONFIG.values.clear()
    settings.CONFIG.values.update(saved)


def _broadcast() -> Broadcast:
    o, _ = Outlet.objects.get_or_create(name="قناة")
    s, _ = Source.objects.get_or_create(name="ocr-src", defaults={"outlet": o, "kind": "site"})
    return Broadcast.objects.create(source=s, outlet=o, external_id="ocr-1",
                                    url="https://example.org/ocr", title="لقاء",
                                    aired_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))


def test_banner_name_is_read_indexed_and_suggested(tmp_path, capsys, settings) -> None:
    settings.CONFIG.values["ocr.interval"] = 1.0  # restored by the fixture below
    banner = g.banner_png(tmp_path / "banner.png", "أماني بلور")
    video = g.video_with_banner(tmp_path / "v.mp4", banner, seconds=6, banner_from=2,
                                banner_to=5)
    person = add_person("أماني بلور", variants=["اماني بلور"], latin="Amani Ballour")
    broadcast = _broadcast()
    add_media(broadcast, video)
    assert main(["reairings", "ocr", str(broadcast.pk), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    named = [r for r in rows if "بلور" in r["text"]]
    assert named, rows
    assert 1 <= named[0]["start"] <= 3 and 4 <= named[0]["end"] <= 7, named
    transcript = Transcript.objects.get(broadcast=broadcast, track="ocr")
    assert transcript.segments.filter(text__contains="بلور").count() == 1  # deduplicated
    # Found by search, normalised (alef without hamza), at the second it was on screen.
    assert main(["search", "اماني", "--format", "json"]) == 0
    raw = capsys.readouterr().out
    hits = json.loads(raw)
    hits = hits.get("hits", hits) if isinstance(hits, dict) else hits
    assert any(h["broadcast_id"] == broadcast.pk and 1 <= h["start"] <= 3 for h in hits), hits
    suggestion = ScreenName.objects.get(broadcast=broadcast)
    assert suggestion.person == person and suggestion.status == "suggested"
    # Re-running replaces the track and its suggestions; nothing doubles.
    assert main(["reairings", "ocr", str(broadcast.pk)]) == 0
    assert Transcript.objects.filter(broadcast=broadcast, track="ocr").count() == 1
    assert ScreenName.objects.filter(broadcast=broadcast).count() == 1


def test_audio_only_media_is_explained(tmp_path, capsys) -> None:
    broadcast = _broadcast()
    add_media(broadcast, g.noise(tmp_path / "a.wav", 2))
    assert main(["reairings", "ocr", str(broadcast.pk)]) != 0
    assert "no video" in capsys.readouterr().err
    assert not Transcript.objects.filter(broadcast=broadcast, track="ocr").exists()


def test_tesseract_runs_with_one_openmp_thread_unless_told(monkeypatch) -> None:
    """Its OpenMP threads spin on a busy machine (reairings.ocr's docstring): one thread
    by default; an operator's own ``OMP_THREAD_LIMIT`` is kept."""
    from reairings.ocr import tesseract_env

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    assert tesseract_env()["OMP_THREAD_LIMIT"] == "1"
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")
    assert tesseract_env()["OMP_THREAD_LIMIT"] == "4"
