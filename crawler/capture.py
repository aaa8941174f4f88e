"""Capture a broadcast's media as evidence: download → sha256 → store → custody record.

The original file is stored untouched (and read-only) at
``<data_dir>/media/<sha[:2]>/<sha256><ext>``, once however many broadcasts point at it.
Beside each capture, under ``<data_dir>/captures/<broadcast_id>/<utc-stamp>.*``, are kept
untouched and read-only: yt-dlp's info.json, a WARC snapshot of the item page
(``crawler.warc``; off with ``crawl.warc = false``) and captions in the source's language
when the outlet publishes them. Each of those is an ``EvidenceFile`` row with its sha256
(``raqib verify`` re-hashes them).

The MediaFile, the broadcast's link to it, the EvidenceFile rows and a custody event
(``captured``; ``linked`` when the same bytes were already stored for another item) are
written in one transaction by ``catalog.evidence`` (the writer live recordings use too),
before the pipeline marks the broadcast downloaded. Bytes another broadcast holds already
are a sighting of that recording (``catalog.sightings``): the item becomes a ``Sighting``
with its own snapshot, info.json and ``sighted`` custody event on the kept broadcast's
record, its broadcast row goes, and ``RecordedAsSighting`` tells the pipeline so.

Killed captures resume: the work directory ``<data_dir>/tmp/capture-<broadcast_id>`` is
stable, so yt-dlp continues its ``.part`` file; a capture whose transaction committed is
never repeated. A page that cannot be snapshotted does not fail the capture: why is in
the custody event's ``details["warc_error"]``. To record more about a capture: add it to
the custody event's ``details``; to keep another kind of file: add an ``EvidenceFile`` kind.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import platform
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from catalog import dbclock
from catalog.evidence import (
    Custody,
    Evidence,
    EvidenceError,
    MediaToStore,
    StoredFileMismatch,
    commit_capture,
    discard_evidence,
    file_extension,
    store_evidence_file,
)
from catalog.hashing import sha256_file
from catalog.models import Broadcast, CustodyEvent, EvidenceFile, MediaFile
from catalog.sightings import RecordedAsSighting
from crawler.base import CrawlSettings
from crawler.downloader import CaptureError, Download, DownloadPolicy, download_media

__all__ = ["CaptureError", "DownloadPolicy", "RecordedAsSighting", "capture_broadcast_media",
           "schedule_retry", "sha256_file", "tool_versions"]

log = logging.getLogger("raqib.crawler.capture")

RETRY_BASE = timedelta(minutes=5)  # first retry of a failed download; doubles each time
RETRY_CAP = timedelta(days=1)


def tool_versions() -> dict[str, str]:
    """Versions of the tools that made a capture, for the custody record."""
    import warcio
    import yt_dlp.version

    from catalog import __version__

    return {"raqib": __version__, "yt-dlp": yt_dlp.version.__version__,
            "warcio": getattr(warcio, "__version__", ""),
            "python": platform.python_version()}


def retry_delay(failures: int) -> timedelta:
    """Wait before the next download attempt after ``failures`` earlier failed ones."""
    return min(RETRY_BASE * (2 ** max(failures, 0)), RETRY_CAP)


def schedule_retry(broadcast: Broadcast) -> None:
    """Set ``next_retry_at`` after a failed download (5 min, doubling, capped at a day);
    the scheduler retries then, until ``queue.max_retries`` attempts were made."""
    when = dbclock.now() + retry_delay(broadcast.retry_count)  # the shared clock
    Broadcast.objects.filter(pk=broadcast.pk).update(next_retry_at=when)
    broadcast.next_retry_at = when


def _store_evidence(src: Path, kind: str, rel: Path, data_dir: Path) -> Evidence:
    try:
        return store_evidence_file(src, kind, rel, data_dir)
    except EvidenceError as exc:
        raise CaptureError(str(exc), retryable=False) from exc


def _record(broadcast: Broadcast, download: Download, sha: str, size: int,
            evidence: list[Evidence], actor: str, source_url: str, page: dict[str, Any],
            data_dir: Path) -> MediaFile:
    """Store the media and commit MediaFile, EvidenceFile rows and the custody event."""
    info_rel = next((e.rel for e in evidence if e.kind == EvidenceFile.KIND_INFO_JSON), None)

    def details(media: MediaFile, created: bool) -> dict[str, Any]:
        return {"size": size, "stored_as": media.path, "already_stored": not created,
                "info_json": info_rel.as_posix() if info_rel else "",
                "duration": download.duration,
                "extractor": download.info.get("extractor_key", ""),
                "format_id": download.info.get("format_id", ""),
                "format": download.format_record(),
                "evidence": [e.record() for e in evidence],
                **page}

    def link(target: Broadcast, media: MediaFile) -> None:  # not called for a sighting
        target.media = media
        target.next_retry_at = None
        target.save(update_fields=["media", "next_retry_at", "updated_at"])

    try:
        kept, media = commit_capture(
            broadcast,
            MediaToStore(download.path, sha, size, duration=download.duration,
                         info_json_path=info_rel.as_posix() if info_rel else ""),
            evidence,
            Custody(actor=actor, source_url=source_url, final_url=download.final_url,
                    http_status=download.http_status, tool_versions=tool_versions(),
                    details=details),
            data_dir, link, sightings=True)
    except StoredFileMismatch as exc:
        raise CaptureError(str(exc), retryable=False) from exc
    if kept.pk != broadcast.pk:
        sighting = kept.sightings.get(former_broadcast_id=broadcast.pk)
        raise RecordedAsSighting(kept.pk, sighting.pk)
    return media


@contextlib.contextmanager
def _locked(workdir: Path) -> Iterator[None]:
    """One capture per broadcast at a time (a duplicate task waits out the first)."""
    workdir.mkdir(parents=True, exist_ok=True)
    fd = os.open(workdir / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise CaptureError("another capture of this broadcast is running") from exc
        yield
    finally:
        os.close(fd)


def _stamp(workdir: Path) -> str:
    """The capture's UTC stamp, kept in the work dir so a resumed capture reuses it."""
    path = workdir / "stamp"
    if path.is_file():
        text = path.read_text().strip()
        if re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z", text):
            return text
    now = datetime.now(UTC)
    text = f"{now:%Y%m%dT%H%M%S}.{now:%f}Z"
    path.write_text(text)
    return text


def _has_partial(workdir: Path) -> bool:
    return any(p.stat().st_size > 0 for p in workdir.iterdir()
               if p.is_file() and (".part" in p.name or p.suffix == ".ytdl"))


def _snapshot(broadcast: Broadcast, workdir: Path, settings: CrawlSettings) -> tuple[
        Path | None, dict[str, Any]]:
    """Snapshot the item page into the work dir; never fails the capture."""
    from catalog import __version__
    from crawler.warc import SnapshotError, snapshot_page

    try:
        snap = snapshot_page(broadcast.url, workdir / "page.warc.gz",
                             user_agent=settings.user_agent, timeout=settings.timeout,
                             software=f"raqib/{__version__}", egress=settings.egress)
    except (SnapshotError, OSError) as exc:
        log.warning("page snapshot failed", extra={"broadcast": broadcast.id,
                                                   "error": str(exc)})
        return None, {"warc_error": str(exc)[:1000]}
    return snap.path, {"page_http_status": snap.http_status, "page_final_url": snap.final_url,
                       "warc_truncated": snap.truncated}


def _already_captured(broadcast: Broadcast) -> bool:
    return bool(broadcast.media_id) and CustodyEvent.objects.filter(
        broadcast=broadcast, media_id=broadcast.media_id,
        action__in=("captured", "linked")).exists()


def capture_broadcast_media(broadcast: Broadcast, *, data_dir: Path, settings: CrawlSettings,
                            actor: str, policy: DownloadPolicy | None = None,
                            warc: bool = True) -> MediaFile:
    """Download, hash, store and record the broadcast's media; raise CaptureError."""
    data_dir = Path(data_dir)
    workdir = data_dir / "tmp" / f"capture-{broadcast.id}"
    if _already_captured(broadcast):
        # Committed by a run killed before the broadcast was marked downloaded.
        shutil.rmtree(workdir, ignore_errors=True)
        return broadcast.media
    source_url = broadcast.media_url or broadcast.url
    with _locked(workdir):
        stamp = _stamp(workdir)
        base = Path("captures") / str(broadcast.id)
        evidence: list[Evidence] = []
        try:
            download = download_media(source_url, workdir, settings, policy)
            size = download.path.stat().st_size
            sha = sha256_file(download.path)
            warc_path, page = (_snapshot(broadcast, workdir, settings) if warc
                               else (None, {"warc_error": "disabled (crawl.warc = false)"}))
            evidence.append(_store_evidence(download.info_json, EvidenceFile.KIND_INFO_JSON,
                                            base / f"{stamp}.info.json", data_dir))
            if warc_path is not None:
                evidence.append(_store_evidence(warc_path, EvidenceFile.KIND_WARC,
                                                base / f"{stamp}.warc.gz", data_dir))
            for lang, sub in download.subtitles:
                ext = file_extension(sub) or ".vtt"
                lang = re.sub(r"[^A-Za-z0-9-]", "", lang)[:20] or "und"
                evidence.append(_store_evidence(sub, EvidenceFile.KIND_CAPTIONS,
                                                base / f"{stamp}.{lang}{ext}", data_dir))
            media = _record(broadcast, download, sha, size, evidence, actor, source_url,
                            page, data_dir)
        except RecordedAsSighting:
            shutil.rmtree(workdir, ignore_errors=True)
            log.info("recorded as a sighting", extra={"broadcast": broadcast.id,
                                                      "sha256": sha, "size": size})
            raise
        except Exception as exc:
            discard_evidence(evidence, data_dir)
            retryable = getattr(exc, "retryable", True)
            if not retryable or not _has_partial(workdir):
                shutil.rmtree(workdir, ignore_errors=True)
            raise
        shutil.rmtree(workdir, ignore_errors=True)
    log.info("captured", extra={"broadcast": broadcast.id, "sha256": sha, "size": size})
    return media
