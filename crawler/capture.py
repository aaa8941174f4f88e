"""Capture a broadcast's media as evidence: download → sha256 → store → custody record.

The original file is stored untouched (and read-only) at
``<data_dir>/media/<sha[:2]>/<sha256><ext>``, once however many broadcasts point at it;
yt-dlp's info.json for each capture is kept untouched at
``<data_dir>/captures/<broadcast_id>/<utc-timestamp>.info.json``. The MediaFile, the
broadcast's link to it and a ``captured`` CustodyEvent are written in one transaction. The
broadcast's status is left alone: the pipeline marks it downloaded after this returns.
To record more about a capture: add it to the custody event's ``details``.
"""

from __future__ import annotations

import logging
import mimetypes
import platform
import re
import shutil
import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from crawler.base import CrawlSettings
from crawler.downloader import CaptureError, Download, download_media
from raqib.hashing import sha256_file
from raqib.models import Broadcast, CustodyEvent, MediaFile

__all__ = ["CaptureError", "capture_broadcast_media", "sha256_file", "tool_versions"]

log = logging.getLogger("raqib.crawler.capture")


def tool_versions() -> dict[str, str]:
    """Versions of the tools that made a capture, for the custody record."""
    import yt_dlp.version

    from raqib import __version__

    return {"raqib": __version__, "yt-dlp": yt_dlp.version.__version__,
            "python": platform.python_version()}


def _extension(path: Path) -> str:
    ext = path.suffix.lower()
    return ext if re.fullmatch(r"\.[a-z0-9]{1,10}", ext) else ""


def _store_media(download: Download, sha: str, data_dir: Path) -> Path:
    """Move the file into the store (unless already there); return its relative path."""
    rel = Path("media") / sha[:2] / f"{sha}{_extension(download.path)}"
    dest = data_dir / rel
    if dest.exists():
        # Left by an earlier capture whose database write did not happen: reuse it only
        # if it is byte-identical, never overwrite evidence.
        if sha256_file(dest) != sha:
            raise CaptureError(f"stored file {rel} does not match its sha256; refusing to "
                               "overwrite evidence")
        return rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(download.path, dest)
    dest.chmod(0o444)
    return rel


def _store_info_json(download: Download, broadcast_id: int, data_dir: Path) -> Path:
    now = datetime.now(UTC)
    rel = Path("captures") / str(broadcast_id) / f"{now:%Y%m%dT%H%M%S}.{now:%f}Z.info.json"
    dest = data_dir / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(download.info_json, dest)
    dest.chmod(0o444)
    return rel


def _duration(info: dict[str, Any]) -> float | None:
    value = info.get("duration")
    return float(value) if isinstance(value, int | float) else None


def _record(broadcast: Broadcast, download: Download, sha: str, size: int, media_rel: Path,
            info_rel: Path, actor: str, source_url: str) -> MediaFile:
    with transaction.atomic():
        media, created = MediaFile.objects.get_or_create(
            sha256=sha,
            defaults={"path": media_rel.as_posix(), "size": size,
                      "mime_type": mimetypes.guess_type(media_rel.name)[0] or "",
                      "info_json_path": info_rel.as_posix(),
                      "duration": _duration(download.info)},
        )
        broadcast.media = media
        broadcast.save(update_fields=["media", "updated_at"])
        CustodyEvent.objects.create(
            action="captured", actor=actor, broadcast=broadcast, media=media, sha256=sha,
            source_url=source_url, final_url=download.final_url,
            http_status=download.http_status, host=socket.gethostname(),
            tool_versions=tool_versions(),
            details={"size": size, "info_json": info_rel.as_posix(),
                     "stored_as": media.path, "already_stored": not created,
                     "extractor": download.info.get("extractor_key", ""),
                     "format_id": download.info.get("format_id", "")},
        )
    return media


def capture_broadcast_media(broadcast: Broadcast, *, data_dir: Path, settings: CrawlSettings,
                            actor: str) -> MediaFile:
    """Download, hash, store and record the broadcast's media; raise CaptureError."""
    data_dir = Path(data_dir)
    source_url = broadcast.media_url or broadcast.url
    tmp_root = data_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    # Under the data dir so moving into the store is a rename on the same filesystem.
    workdir = Path(tempfile.mkdtemp(prefix="capture-", dir=tmp_root))
    info_rel: Path | None = None
    try:
        download = download_media(source_url, workdir, settings)
        size = download.path.stat().st_size
        if size == 0:
            raise CaptureError("empty file (0 bytes)")
        sha = sha256_file(download.path)
        media_rel = _store_media(download, sha, data_dir)
        info_rel = _store_info_json(download, broadcast.id, data_dir)
        media = _record(broadcast, download, sha, size, media_rel, info_rel, actor, source_url)
    except Exception:
        if info_rel is not None:
            (data_dir / info_rel).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log.info("captured", extra={"broadcast": broadcast.id, "sha256": sha, "size": size})
    return media
