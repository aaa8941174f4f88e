"""Download one broadcast's media with yt-dlp (its Python API), as evidence.

``download_media`` fetches a media URL — or an item page, letting yt-dlp's extractors find
the media — into a temporary directory, with yt-dlp's info.json beside it. The file is
written as served (a single pre-muxed format is preferred so nothing is re-encoded or
remuxed); a stream with missing fragments fails instead of being stitched with holes.
Failures become ``CaptureError`` with a reason a monitor understands. To support a new
failure mode: extend ``_reason_for``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadError

from crawler.base import CrawlSettings

log = logging.getLogger("raqib.crawler.download")


class CaptureError(Exception):
    """The media could not be captured; the message is the reason shown to a monitor."""


@dataclass
class Download:
    path: Path  # the media file, exactly as served
    info_json: Path  # yt-dlp's info.json for this capture
    final_url: str  # where the media bytes actually came from
    http_status: int | None  # known only when yt-dlp reports it
    info: dict[str, Any]  # the sanitised info dict (title, duration, extractor...)


class _YtdlpLogger:
    """Routes yt-dlp's messages to Python logging instead of the terminal."""

    def debug(self, msg: str) -> None:
        log.debug(msg)

    def info(self, msg: str) -> None:
        log.debug(msg)

    def warning(self, msg: str) -> None:
        log.warning(msg)

    def error(self, msg: str) -> None:
        # The failure surfaces as a CaptureError and is recorded by the caller.
        log.debug(msg)


def ytdlp_options(workdir: Path, settings: CrawlSettings) -> dict[str, Any]:
    """The yt-dlp options for one evidence capture into ``workdir``."""
    return {
        "outtmpl": str(workdir / "media.%(ext)s"),
        "writeinfojson": True,
        # A single pre-muxed file is the original as served; merge only when none exists.
        "format": "best/bestvideo+bestaudio",
        "noplaylist": True,
        "retries": 3,
        "fragment_retries": 3,
        "extractor_retries": 2,
        "skip_unavailable_fragments": False,
        "socket_timeout": settings.timeout,
        "http_headers": {"User-Agent": settings.user_agent},
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": _YtdlpLogger(),
        "overwrites": True,
        "cachedir": False,
        "restrictfilenames": True,
    }


_HTTP_STATUS = re.compile(r"HTTP Error (\d{3})")


def _http_status_of(exc: BaseException, message: str) -> int | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        status = getattr(current, "status", None) or getattr(current, "code", None)
        if isinstance(status, int) and 100 <= status < 600:
            return status
        info = getattr(current, "exc_info", None)
        current = (info[1] if info and info[1] is not None
                   else current.__cause__ or current.__context__)
    match = _HTTP_STATUS.search(message)
    return int(match.group(1)) if match else None


def _reason_for(exc: BaseException) -> str:
    message = str(exc)
    lowered = message.lower()
    status = _http_status_of(exc, message)
    if status == 404 or status == 410:
        return f"HTTP {status}: media not found (removed?)"
    if status is not None and status >= 500:
        return f"HTTP {status}: server error"
    if status is not None:
        return f"HTTP {status}: request refused"
    if "timed out" in lowered or "timeout" in lowered:
        return "timeout"
    if "unsupported url" in lowered:
        return "unsupported URL"
    if "downloaded file is empty" in lowered or "did not get any data blocks" in lowered:
        return "empty file (0 bytes)"
    if any(s in lowered for s in ("connection refused", "name or service not known",
                                  "failed to resolve", "no route to host", "unreachable",
                                  "nodename nor servname", "connection reset")):
        return "unreachable"
    if "fragment" in lowered:
        return "incomplete stream: fragments missing"
    return re.sub(r"^ERROR:\s*", "", message).strip()[:500] or type(exc).__name__


def _downloaded_file(info: dict[str, Any], workdir: Path) -> Path:
    for entry in info.get("requested_downloads") or []:
        path = entry.get("filepath")
        if path and Path(path).is_file():
            return Path(path)
    candidates = [p for p in workdir.glob("media.*")
                  if not p.name.endswith((".info.json", ".part", ".ytdl"))]
    if not candidates:
        raise CaptureError("download produced no file")
    return candidates[0]


def download_media(url: str, workdir: Path, settings: CrawlSettings) -> Download:
    """Download the media at ``url`` into ``workdir``; raise CaptureError on failure."""
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with yt_dlp.YoutubeDL(ytdlp_options(workdir, settings)) as ydl:
            info = ydl.extract_info(url, download=True)
            info = ydl.sanitize_info(info)
    except DownloadError as exc:
        raise CaptureError(_reason_for(exc)) from exc
    except OSError as exc:
        raise CaptureError(f"cannot write the download: {exc}") from exc
    if not info:
        raise CaptureError("no media found")
    if info.get("_type") == "playlist":
        raise CaptureError("the URL lists several videos; give one item page or media URL")
    path = _downloaded_file(info, workdir)
    if path.stat().st_size == 0:
        raise CaptureError("empty file (0 bytes)")
    info_json = Path(info.get("__infojson_filename") or path.with_suffix(".info.json"))
    if not info_json.is_file():
        found = sorted(workdir.glob("*.info.json"))
        if not found:
            raise CaptureError("yt-dlp wrote no info.json")
        info_json = found[0]
    final_url = ""
    for entry in info.get("requested_downloads") or []:
        final_url = entry.get("url") or final_url
    final_url = final_url or info.get("url") or info.get("webpage_url") or url
    return Download(path=path, info_json=info_json, final_url=final_url,
                    http_status=info.get("http_status"), info=info)
