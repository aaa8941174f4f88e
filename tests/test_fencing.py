"""Fencing (issue 13): a worker whose claim lapsed and was taken over can no longer write
the stage's result, whatever order the two workers finish in.

This is the race the scaled kill drill hit (an item logged "stage done: transcribe" and
ended with no transcript): worker A's claim lapses (a database outage stops its
heartbeat, or the process stalls), the scheduler queues the work again, worker B claims it
and runs the same stage, and A, still running, commits after it. Here the race is played
in order, deterministically, with the real stages (yt-dlp download from a loopback
server, Whisper base): A holds the claim, B takes it over (the lease row's expiry moved
past by the database's clock, then ``leases.acquire``), and every write A then attempts
— the capture with its custody event, the transcript replace, the stage's status, a
failure — raises ``ClaimLost`` and leaves the catalog as B left it.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models.functions import Now

from catalog import fencing
from catalog.fencing import ClaimLost
from catalog.models import Broadcast, CustodyEvent, Lease, Outlet, Segment, Source, Transcript
from raqib import leases, pipeline, tasks, transcription

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CONFIG = settings.CONFIG


def _media(www: Path) -> None:
    (www / "media").mkdir()
    speech = www / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "ar", "-s", "135", "-w", str(speech),
                    "ابنتي الدكتورة أماني"], check=True)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=0x203040:s=160x90:r=10", "-i", str(speech), "-shortest",
                    "-c:v", "libx264", "-c:a", "aac", str(www / "media" / "good.mp4")],
                   check=True)


def _broadcast(base_url: str, media: str = "good.mp4") -> Broadcast:
    outlet = Outlet.objects.create(name="Fence TV")
    source = Source.objects.create(name="fence", outlet=outlet, kind="site")
    return Broadcast.objects.create(source=source, outlet=outlet, external_id=media,
                                    url=f"{base_url}/{media}.html",
                                    media_url=f"{base_url}/media/{media}", language="ar")


def _take_over(broadcast_id: int, new_holder: str = "B") -> None:
    """A's claim lapses (its expiry passes by the database's clock) and B takes it."""
    key = f"{leases.STAGE_PREFIX}{broadcast_id}"
    Lease.objects.filter(key=key).update(expires_at=Now() - timedelta(seconds=1))
    assert leases.acquire(key, new_holder, 60)


def _state(broadcast_id: int) -> dict:
    b = Broadcast.objects.get(pk=broadcast_id)
    return {"status": b.status, "failed_stage": b.failed_stage, "error": b.error,
            "retry_count": b.retry_count, "media": b.media_id,
            "custody": sorted(CustodyEvent.objects.filter(broadcast=b)
                              .values_list("action", flat=True)),
            "transcripts": sorted(Transcript.objects.filter(broadcast=b, track="asr")
                                  .values_list("id", flat=True)),
            "segments": Segment.objects.filter(transcript__broadcast=b,
                                               transcript__track="asr").count()}


@pytest.fixture
def downloadable(static_server) -> Broadcast:
    _media(static_server.root)
    return _broadcast(static_server.base_url)


def test_a_worker_that_lost_its_claim_commits_nothing(downloadable: Broadcast,
                                                      monkeypatch) -> None:
    monkeypatch.setitem(CONFIG.values, "crawl.download_delay", 0.0)
    bid = downloadable.id
    # Download: A's claim is taken over while it downloads. A's capture is refused (no
    # custody event, no media link, no failure recorded); B's is the one capture.
    with leases.StageClaim(bid, ttl=60, holder="A") as held:
        assert held
        _take_over(bid)
        with pytest.raises(ClaimLost):
            pipeline.run_stage(bid, "download", CONFIG)
    assert _state(bid) == {"status": "discovered", "failed_stage": "", "error": "",
                           "retry_count": 0, "media": None, "custody": [],
                           "transcripts": [], "segments": 0}
    with leases.StageClaim(bid, ttl=60, holder="B") as held:
        assert held
        assert pipeline.run_stage(bid, "download", CONFIG)
    after_download = _state(bid)
    assert after_download["status"] == "downloaded" and after_download["custody"] == ["captured"]

    # Transcribe: A reads the broadcast and starts; its claim lapses and B transcribes and
    # finishes first; then A's transcription reaches its replace. Before fencing, A's
    # replace deleted B's transcript and wrote its own after B's "stage done".
    stale = Broadcast.objects.select_related("media", "source").get(pk=bid)
    with leases.StageClaim(bid, ttl=60, holder="A") as held:
        assert held
        _take_over(bid)
        with leases.StageClaim(bid, ttl=60, holder="B") as b_held:
            assert b_held
            assert pipeline.run_stage(bid, "transcribe", CONFIG)
            done_by_b = _state(bid)
            assert done_by_b["status"] == "transcribed"
            assert len(done_by_b["transcripts"]) == 1 and done_by_b["segments"] > 0
            # A's thread: its writes are fenced by A's claim (as in A's own task).
            with fencing.holding(f"{leases.STAGE_PREFIX}{bid}", "A", 60):
                with pytest.raises(ClaimLost):
                    transcription.transcribe_broadcast(stale, CONFIG)
                with pytest.raises(ClaimLost):  # nor may A record a failure over B's result
                    pipeline.record_failure(stale, "transcribe", "A's late error")
            assert _state(bid) == done_by_b  # B's transcript, segments and status stand


def test_a_task_whose_claim_is_taken_over_ends_without_a_trace(downloadable: Broadcast,
                                                                monkeypatch) -> None:
    """The worker's task (``tasks._run_and_continue``) ends quietly on ClaimLost: nothing
    recorded against the broadcast, the next stage not queued; the new holder carries on."""
    monkeypatch.setitem(CONFIG.values, "crawl.download_delay", 0.0)
    bid = downloadable.id
    real_run_stage = pipeline.run_stage

    def taken_over_midway(broadcast_id: int, stage: str, config, options=None):  # noqa: ANN001
        _take_over(broadcast_id)  # the claim lapses while the stage runs
        return real_run_stage(broadcast_id, stage, config, options)

    monkeypatch.setattr(pipeline, "run_stage", taken_over_midway)
    assert tasks._run_and_continue(bid, "download") is False
    assert _state(bid) == {"status": "discovered", "failed_stage": "", "error": "",
                           "retry_count": 0, "media": None, "custody": [],
                           "transcripts": [], "segments": 0}
    # The claim is B's, untouched by A's exit.
    assert leases.live_holders(leases.STAGE_PREFIX) == {f"{leases.STAGE_PREFIX}{bid}": "B"}


def test_writes_without_a_claim_are_not_fenced(downloadable: Broadcast, monkeypatch) -> None:
    """Code that runs no claim (tests, scripts) writes as before."""
    monkeypatch.setitem(CONFIG.values, "crawl.download_delay", 0.0)
    assert pipeline.run_stage(downloadable.id, "download", CONFIG)
    assert _state(downloadable.id)["custody"] == ["captured"]


def test_a_command_reclaims_only_a_dead_local_holders_claim() -> None:
    """``raqib process`` rerun after a killed run takes the dead run's claim at once; a
    live process's claim, or one held on another machine, is left to lapse."""
    import os
    import socket

    host = socket.gethostname()
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that existed on this machine and is gone
    for holder, reclaimed in ((f"{host}:{dead.pid}:aaaaaa", True),
                              (f"{host}:{os.getpid()}:bbbbbb", False),
                              (f"elsewhere:{dead.pid}:cccccc", False)):
        Lease.objects.all().delete()
        assert leases.acquire("broadcast:7", holder, 60)
        with leases.StageClaim(7, ttl=60, holder="rerun", reclaim_dead=True) as held:
            assert held is reclaimed, holder
        with leases.StageClaim(7, ttl=60, holder="worker") as held:
            # Released by the rerun if it reclaimed it; else still the first holder's (a
            # live process here, or a holder on another machine: waited out).
            assert held is reclaimed, holder


def test_re_airing_and_ocr_writes_are_fenced_too() -> None:
    """The fingerprint, its match links, the ocr track and the on-screen name suggestions
    (issue 16's steps inside the download and transcribe stages) are refused to a worker
    whose claim was taken over, like the stage's own writes."""
    import numpy as np

    from reairings.fingerprint import store_fingerprint
    from reairings.links import save_matches
    from reairings.models import Fingerprint, Reairing
    from reairings.ocr import store_ocr

    broadcast = _broadcast("http://127.0.0.1:9")
    key = f"{leases.STAGE_PREFIX}{broadcast.id}"
    assert leases.acquire(key, "B", 60)  # B holds the claim now; A still runs
    with fencing.holding(key, "A", 60):
        with pytest.raises(ClaimLost):
            store_fingerprint(broadcast, np.arange(8, dtype=np.uint32), 1.0, "fpcalc")
        with pytest.raises(ClaimLost):
            save_matches(broadcast, [], CONFIG)
        with pytest.raises(ClaimLost):
            store_ocr(broadcast, [], CONFIG, "tesseract")
    assert not Fingerprint.objects.filter(broadcast=broadcast).exists()
    assert not Reairing.objects.exists()
    assert not Transcript.objects.filter(broadcast=broadcast).exists()
    with fencing.holding(key, "B", 60):  # the holder writes as before
        assert store_fingerprint(broadcast, np.arange(8, dtype=np.uint32), 1.0, "fpcalc")
