"""The ``live`` source kind: a growing HLS playlist on loopback (real ffmpeg-made segments,
1 s each) is recorded in chunks of a few seconds. Chunks are Broadcasts with their UTC
windows; lost sequence numbers and 404 segments are gaps with their time spans; a re-run,
a SIGKILL and a SIGTERM never duplicate; the chunk file is stored by sha256 and plays."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from catalog.hashing import sha256_file
from catalog.models import Broadcast, CustodyEvent, EvidenceFile, Outlet, Source
from crawler.base import CrawlSettings
from crawler.live import LiveRecorder, window_of
from crawler.live_playlist import best_variant, parse_master_playlist, parse_media_playlist
from crawler.live_store import external_id_for, gap_seconds, iso, parse_iso, probe_duration
from tests.crawler.live_helpers import LiveServer, LiveStream, live_source, make_segments

if shutil.which("ffmpeg") is None:  # pragma: no cover
    pytest.skip("ffmpeg is not installed; it makes the stream's segments", allow_module_level=True)

SETTINGS = CrawlSettings(user_agent="RaqibTest/1.0", download_delay=0.0, timeout=5.0,
                         max_pages=10)


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return make_segments(tmp_path_factory.mktemp("live-segments"), seconds=12)


def make_source(config: dict) -> Source:
    outlet, _ = Outlet.objects.get_or_create(name=config["outlet"])
    return Source.objects.create(name=config["name"], outlet=outlet, kind="live",
                                 config=config, language="ar")


def test_playlist_parsing_picks_best_variant_and_numbers_segments() -> None:
    master = parse_master_playlist(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100,RESOLUTION=80x60\nlow.m3u8\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=900,CODECS="avc1,mp4a",RESOLUTION=160x120\nhi/a.m3u8\n',
        "http://x/live/master.m3u8")
    assert best_variant(master).url == "http://x/live/hi/a.m3u8"
    media = parse_media_playlist(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-03-01T10:00:00Z\n#EXTINF:2.0,\na.ts\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:1.5,\nb.ts\n#EXT-X-ENDLIST\n", "http://x/live/p.m3u8")
    assert [s.seq for s in media.segments] == [41, 42]
    assert media.segments[1].url == "http://x/live/b.ts"
    assert media.segments[1].discontinuity and not media.segments[0].discontinuity
    assert iso(media.segments[1].program_date_time) == "2024-03-01T10:00:02Z"
    assert media.ended and media.target_duration == 2


@pytest.mark.django_db
def test_chunks_are_broadcasts_with_windows_gaps_and_evidence(segments: list[bytes]) -> None:
    from django.conf import settings

    data_dir = settings.CONFIG.data_dir
    stream = LiveStream(segments, window=4, skip={5, 6}, missing={9})
    with LiveServer(stream) as server:
        source = make_source(live_source(server.base_url, chunk="3s"))
        # Record until the window holding the 404 segment (air time t0+9 s) is stored.
        _, stop_after = window_of(stream.air_time(10), 3)

        def stop_when_covered(broadcast_id: int) -> None:
            if Broadcast.objects.get(pk=broadcast_id).aired_end >= stop_after:
                recorder.stop()

        recorder = LiveRecorder(source, data_dir, SETTINGS, "test", on_chunk=stop_when_covered)
        guard = threading.Timer(40, recorder.stop)  # never hang the suite
        guard.start()
        try:
            ids = recorder.run()
        finally:
            guard.cancel()
        assert "/low.m3u8" not in server.hits  # the best variant was recorded
        chunks = list(Broadcast.objects.filter(pk__in=ids).order_by("aired_at"))
        assert len(chunks) >= 3
        complete = [b for b in chunks if "partial" not in b.title]
        for b in chunks:
            assert b.external_id == external_id_for(source.name, b.aired_at)
            assert b.status == Broadcast.Status.DOWNLOADED
            assert b.media is not None
            assert sha256_file(data_dir / b.media.path) == b.media.sha256
            assert CustodyEvent.objects.filter(broadcast=b, media=b.media,
                                               action="captured").exists()
            manifest = EvidenceFile.objects.get(broadcast=b, kind="live_manifest")
            assert sha256_file(data_dir / manifest.path) == manifest.sha256
            window = (b.aired_end - b.aired_at).total_seconds()
            played = probe_duration(data_dir / b.media.path)
            assert played == pytest.approx(window - gap_seconds(b.gaps), abs=0.5), b.gaps
        for b in complete:
            assert b.aired_at.timestamp() % 3 == 0 and b.aired_end - b.aired_at == timedelta(
                seconds=3)
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.aired_end == b.aired_at  # contiguous windows, nothing unaccounted for
        gaps = [g for b in chunks for g in b.gaps]
        # The lost range may straddle a chunk boundary: then each chunk records its part.
        skipped = sorted((parse_iso(g["start"]), parse_iso(g["end"])) for g in gaps
                         if "media sequence 5–6 left the live playlist" in g["reason"])
        assert skipped, gaps
        assert skipped[0][0] == stream.air_time(5) and skipped[-1][1] == stream.air_time(7)
        assert all(a[1] == b[0] for a, b in zip(skipped, skipped[1:], strict=False))
        gone = [g for g in gaps if "segment 9: HTTP 404" in g["reason"]]
        assert len(gone) == 1, gaps
        assert (parse_iso(gone[0]["start"]), parse_iso(gone[0]["end"])) == (
            stream.air_time(9), stream.air_time(10))

        # A re-run records the next chunk and never the windows already stored.
        before = {b.external_id: b.media_id for b in chunks}
        again = LiveRecorder(source, data_dir, SETTINGS, "test").run(max_chunks=1)
    # One complete chunk, plus what was already fetched of the next one, kept as partial.
    assert len(again) in (1, 2) and not set(again) & set(ids)
    rows = list(Broadcast.objects.filter(source=source))
    assert len({b.external_id for b in rows}) == len(rows) == len(ids) + len(again)
    assert {b.external_id: b.media_id for b in rows if b.id in ids} == before
    new = Broadcast.objects.get(pk=again[0])
    assert new.aired_at >= chunks[-1].aired_end
    assert not (data_dir / "live" / source.name).exists() or not any(
        p.is_dir() for p in (data_dir / "live" / source.name).iterdir())


@pytest.mark.django_db
def test_unreachable_stream_is_recorded_on_the_source_and_retried(segments) -> None:  # noqa: ANN001
    from django.conf import settings

    stream = LiveStream(segments)
    with LiveServer(stream) as server:
        source = make_source(live_source(server.base_url, name="tv-down"))
        recorder = LiveRecorder(source, settings.CONFIG.data_dir, SETTINGS, "test")
        stream.down = True
        delay = recorder.step()
        source.refresh_from_db()
        assert "stream unreachable" in source.last_error and delay > 0
        stream.down = False
        time.sleep(1.1)  # let the stream publish a segment
        recorder.step()
        source.refresh_from_db()
        assert source.last_error == ""
        assert recorder.chunk is not None and recorder.chunk.segments
        shutil.rmtree(recorder.root)
    closed = make_source({**live_source("http://127.0.0.1:9"), "name": "tv-gone"})
    recorder = LiveRecorder(closed, settings.CONFIG.data_dir, SETTINGS, "test")
    recorder.step()
    closed.refresh_from_db()
    assert closed.last_error.startswith("live: stream unreachable: unreachable")


@pytest.mark.django_db
def test_crawl_refuses_a_live_source() -> None:
    from django.conf import settings

    from raqib import pipeline

    source = make_source(live_source("http://127.0.0.1:9", name="tv-crawl"))
    report = pipeline.crawl_source(source, settings.CONFIG)
    assert "raqib record --source tv-crawl" in report.failed
    assert source.id not in [s.id for s in pipeline.due_sources()]
    assert not Broadcast.objects.filter(source=source).exists()


def _raqib(env: dict, *args: str, **kwargs) -> subprocess.Popen:  # noqa: ANN003
    return subprocess.Popen([sys.executable, "-m", "raqib", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _journal_lines(live_dir: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in live_dir.glob("*/journal.jsonl"))


@pytest.mark.slow
def test_sigkill_then_sigterm_leave_no_duplicates_and_account_for_every_second(
        tmp_path: Path, segments: list[bytes]) -> None:
    stream = LiveStream(segments, window=2)
    with LiveServer(stream) as server:
        src = live_source(server.base_url, chunk="4s")
        (tmp_path / "raqib.toml").write_text(
            "[[sources]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in src.items()
                                      if k not in ("robots", "enabled")))
        env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"),
               "RAQIB_CONFIG": str(tmp_path / "raqib.toml")}
        live_dir = tmp_path / "data" / "live" / src["name"]
        killed = _raqib(env, "record", "--source", src["name"])
        _wait(lambda: live_dir.is_dir() and _journal_lines(live_dir) >= 2, killed)
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=30)
        fetched_before_kill = {json.loads(line)["seq"] for j in live_dir.glob("*/journal.jsonl")
                               for line in j.read_text().splitlines() if line.endswith("}")}
        time.sleep(3)  # down long enough for segments to leave the 2-segment playlist
        resumed = _raqib(env, "record", "--source", src["name"])
        said: list[str] = []

        def says(text: str) -> bool:
            said.append(resumed.stderr.readline() or "")
            return text in said[-1]

        _wait(lambda: says("chunks of"), resumed)
        # Stop inside the second chunk, whatever the machine's load: once the first chunk
        # (the one that holds the downtime) is stored and the next has a segment.
        _wait(lambda: says("stored chunk"), resumed, timeout=90)
        _wait(lambda: _journal_lines(live_dir) >= 1, resumed)
        resumed.send_signal(signal.SIGTERM)
        _, rest = resumed.communicate(timeout=60)
        err = "".join(said) + rest
    assert resumed.returncode == 0, err
    assert "(partial)" in err
    listing = subprocess.run([sys.executable, "-m", "raqib", "broadcasts", "list", "--format",
                              "json"], env=env, capture_output=True, text=True, timeout=60)
    rows = sorted(json.loads(listing.stdout), key=lambda r: r["aired_at"])
    assert rows and len({r["url"] + r["aired_at"] for r in rows}) == len(rows)
    assert all(r["status"] == "downloaded" and r["sha256"] for r in rows)
    assert rows[-1]["title"].endswith("(جزئي · partial)")
    seen: list[int] = []
    for a, b in zip(rows, rows[1:], strict=False):
        assert parse_iso(a["aired_end"]) <= parse_iso(b["aired_at"])  # never overlapping
    for row in rows:
        manifest = json.loads(next((tmp_path / "data" / "captures" / "live" / src["name"])
                                   .glob(iso(parse_iso(row["aired_at"])).replace(":", "")
                                         + ".json")).read_text())
        seqs = [s["seq"] for s in manifest["segments"]]
        seen += seqs
        recorded = sum(s["duration"] for s in manifest["segments"])
        window = (parse_iso(row["aired_end"]) - parse_iso(row["aired_at"])).total_seconds()
        # Every second of the window is either a recorded segment or a recorded gap.
        assert recorded + gap_seconds(row["gaps"]) == pytest.approx(window, abs=0.3), row
    assert len(seen) == len(set(seen)), "a segment was recorded twice"
    assert fetched_before_kill <= set(seen), "segments fetched before the kill were lost"
    killed_at = max(stream.air_time(seq) for seq in fetched_before_kill)
    downtime = [g for r in rows for g in r["gaps"] if parse_iso(g["start"]) > killed_at
                and "recorder not running" in g["reason"]]
    assert downtime, [r["gaps"] for r in rows]  # the downtime is a recorded gap, not hidden
    assert not any(p.is_dir() for p in live_dir.iterdir())  # no work dir left behind


def _wait(predicate, proc: subprocess.Popen, timeout: float = 40) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"recorder exited early: {proc.communicate()[1]}")
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.django_db
def test_scheduler_starts_a_recorder_only_where_none_is_running() -> None:
    from django.conf import settings

    from crawler.live import _Lock, recorder_running
    from raqib import tasks

    source = make_source(live_source("http://127.0.0.1:9", name="tv-sched"))
    lock = _Lock(settings.CONFIG.data_dir / "live" / "tv-sched.lock")
    lock.acquire()  # as a running recorder (another thread or `raqib record`) holds it
    try:
        assert recorder_running(settings.CONFIG.data_dir, "tv-sched")
        assert tasks.start_live_recorders() == 0
        assert tasks.record_live_task.call_local(source.id) == 0  # refuses a second one
        source.refresh_from_db()
        assert source.last_error == ""
    finally:
        lock.release()
    assert not recorder_running(settings.CONFIG.data_dir, "tv-sched")
    Source.objects.filter(pk=source.pk).update(enabled=False)
    assert tasks.start_live_recorders() == 0
    assert tasks.record_live_task.call_local(source.id) == 0


@pytest.mark.django_db
def test_broadcast_page_shows_the_window_and_its_gaps(client) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    from tests.review_ui.ui_helpers import login_client, make_user

    source = make_source(live_source("http://127.0.0.1:9", name="tv-page"))
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    gap = {"start": "2024-03-01T10:05:00Z", "end": "2024-03-01T10:06:30Z",
           "reason": "media sequence 40–48 left the live playlist before it was fetched"}
    b = Broadcast.objects.create(source=source, outlet=source.outlet,
                                 external_id=external_id_for("tv-page", start),
                                 url="http://127.0.0.1:9/master.m3u8", aired_at=start,
                                 aired_end=start + timedelta(minutes=30), gaps=[gap])
    login_client(client, make_user("watcher", "viewer"))
    page = client.get(f"/broadcasts/{b.pk}/").content.decode()
    # the window's end: ISO for machines, the UI's language (Arabic by default) for readers
    assert ('<time datetime="2024-03-01T10:30:00+00:00">1 آذار 2024، 10:30:00 بالتوقيت العالمي'
            '</time>') in page
    assert gap["reason"] in page and gap["start"] in page and gap["end"] in page
