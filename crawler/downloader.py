"""Download one broadcast's media with yt-dlp (its Python API), as evidence.

``download_media`` fetches a media URL — a direct file, an HLS/DASH manifest, or an item
page whose media yt-dlp's extractors find — into a work directory, with yt-dlp's
info.json and any captions in the source's language beside it.

Evidence rules, all enforced here:

- the file is kept as served: a single pre-muxed format is preferred so nothing is
  re-encoded or merged (HLS fragments are joined and, like yt-dlp does, put in an MP4
  container by a stream copy); the format chosen is in ``Download.info``;
- a stream with a missing fragment fails ("fragment missing") instead of being stitched
  with holes (``skip_unavailable_fragments: False``);
- downloads resume: the work directory is stable per broadcast, ``continuedl`` is on and
  ``.part`` files are kept, so a killed worker continues where it stopped;
- retries back off exponentially (``DownloadPolicy.retries``/``retry_base``);
- size and duration limits (``DownloadPolicy``, per source or ``[crawl]``) are checked
  before the download when yt-dlp knows them and again on the file.

Failures become ``CaptureError`` with a reason a monitor understands. To support a new
failure mode: extend ``_reason_for`` (and ``PERMANENT`` when retrying cannot help).
"""

from __future__ import annotations

import errno
import json
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yt_dlp.utils import DownloadError, GeoRestrictedError

from crawler.base import CrawlSettings
from crawler.egress import EgressRefused
from crawler.egress_ytdlp import youtube_dl

log = logging.getLogger("raqib.crawler.download")

MB = 1024 * 1024


class CaptureError(Exception):
    """The media could not be captured; the message is the reason shown to a monitor.

    ``retryable`` is False when trying again cannot help (removed, too large...), so a
    partial download need not be kept for a resume."""

    def __init__(self, reason: str, retryable: bool = True) -> None:
        super().__init__(reason)
        self.retryable = retryable


@dataclass
class DownloadPolicy:
    """Per-capture limits and retry behaviour (from ``[crawl]`` and the source's table)."""

    retries: int = 3
    retry_base: float = 1.0  # seconds before the first retry; doubles each time, capped
    max_filesize_mb: int = 0  # 0: no limit
    max_duration: int = 0  # seconds; 0: no limit
    subtitles_lang: str = ""  # captions to ask yt-dlp for; empty: none

    @classmethod
    def from_config(cls, config: Any, source: dict[str, Any] | None = None,
                    language: str = "") -> DownloadPolicy:
        """The policy for one capture: a source's ``max_filesize_mb``/``max_duration`` win
        over ``crawl.max_filesize_mb``/``crawl.max_duration``. Raises CaptureError on a
        limit that does not parse."""
        from crawler.schema import parse_interval

        source = source or {}
        size = source.get("max_filesize_mb", config.get("crawl.max_filesize_mb"))
        duration = source.get("max_duration", config.get("crawl.max_duration")) or ""
        try:
            seconds = parse_interval(duration) if duration else 0
        except ValueError as exc:
            raise CaptureError(f"invalid max_duration: {exc}", retryable=False) from exc
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise CaptureError(f"invalid max_filesize_mb: {size!r} (a whole number of MB)",
                               retryable=False)
        captions = config.get("transcribe.captions")
        return cls(retries=config.get("crawl.download_retries"), max_filesize_mb=size,
                   max_duration=seconds,
                   subtitles_lang=(language or "ar") if captions else "")


@dataclass
class Download:
    path: Path  # the media file, exactly as served
    info_json: Path  # yt-dlp's info.json for this capture
    final_url: str  # where the media bytes actually came from
    http_status: int | None  # known only when yt-dlp reports it
    info: dict[str, Any]  # the sanitised info dict (title, duration, extractor...)
    subtitles: list[tuple[str, Path]] = field(default_factory=list)  # (lang, file)
    duration: float | None = None  # seconds, from yt-dlp or ffprobe

    def format_record(self) -> dict[str, Any]:
        """What was chosen, for the custody record."""
        keys = ("extractor_key", "format_id", "format", "ext", "vcodec", "acodec",
                "protocol", "width", "height", "tbr")
        return {k: self.info.get(k) for k in keys if self.info.get(k) not in (None, "")}


class _YtdlpLogger:
    """Routes yt-dlp's messages to Python logging and remembers the ones we act on."""

    def __init__(self) -> None:
        self.too_large: str = ""
        self.fragmented = False  # an HLS/DASH fragment download has started
        self.fragment: str = ""  # the last fragment number yt-dlp complained about

    def _watch(self, msg: str) -> None:
        if "larger than max-filesize" in msg:
            self.too_large = msg
        if _FRAGMENTED.search(msg):
            self.fragmented = True
        match = _FRAGMENT_NO.search(msg)
        if match:
            self.fragment = match.group(1)

    def debug(self, msg: str) -> None:
        self._watch(msg)
        log.debug(msg)

    def info(self, msg: str) -> None:
        self._watch(msg)
        log.debug(msg)

    def warning(self, msg: str) -> None:
        self._watch(msg)
        log.warning(msg)

    def error(self, msg: str) -> None:
        # The failure surfaces as a CaptureError and is recorded by the caller.
        log.debug(msg)


def _mb(size: float) -> str:
    return f"{size / MB:.1f}"


class _Limits:
    """yt-dlp's match_filter: refuse before downloading when the metadata already says
    the media is over a limit. The refusal is kept in ``reason``."""

    def __init__(self, policy: DownloadPolicy) -> None:
        self.policy = policy
        self.reason = ""

    def __call__(self, info: dict[str, Any], *, incomplete: bool = False) -> str | None:
        reason = _over_limit(self.policy, info.get("filesize"), info.get("duration"))
        if reason:
            self.reason = reason
        return reason or None


def _over_limit(policy: DownloadPolicy, size: Any, duration: Any) -> str:
    if policy.max_filesize_mb and isinstance(size, int | float) and \
            size > policy.max_filesize_mb * MB:
        return f"too large ({_mb(size)} MB > limit {policy.max_filesize_mb} MB)"
    if policy.max_duration and isinstance(duration, int | float) and \
            duration > policy.max_duration:
        return f"too long ({duration:.0f} s > limit {policy.max_duration} s)"
    return ""


def _backoff(policy: DownloadPolicy):  # noqa: ANN202 - yt-dlp's sleep function type
    return lambda n: min(policy.retry_base * (2 ** n), 60.0)


def ytdlp_options(workdir: Path, settings: CrawlSettings,
                  policy: DownloadPolicy | None = None) -> dict[str, Any]:
    """The yt-dlp options for one evidence capture into ``workdir``."""
    policy = policy or DownloadPolicy()
    sleep = _backoff(policy)
    opts: dict[str, Any] = {
        "outtmpl": str(workdir / "media.%(ext)s"),
        "writeinfojson": True,
        # A single pre-muxed file is the original as served; merge only when none exists.
        "format": "best/bestvideo+bestaudio",
        "noplaylist": True,
        "retries": policy.retries,
        "fragment_retries": policy.retries,
        "extractor_retries": min(policy.retries, 2),
        "retry_sleep_functions": {"http": sleep, "fragment": sleep, "extractor": sleep},
        "skip_unavailable_fragments": False,  # --abort-on-unavailable-fragments
        "continuedl": True,  # resume a .part left by a killed worker
        "nopart": False,
        "overwrites": False,
        "socket_timeout": settings.timeout,
        "http_headers": {"User-Agent": settings.user_agent},
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "cachedir": False,
        "restrictfilenames": True,
    }
    if policy.max_filesize_mb:
        opts["max_filesize"] = policy.max_filesize_mb * MB
    if policy.subtitles_lang:
        opts.update({"writesubtitles": True, "writeautomaticsub": False,
                     "subtitleslangs": [policy.subtitles_lang],
                     "subtitlesformat": "vtt/srt/best"})
    return opts


_HTTP_STATUS = re.compile(r"HTTP Error (\d{3})")
_FRAGMENT = re.compile(r"fragment (\d+) not found")
_FRAGMENTED = re.compile(r"\[(hlsnative|dashsegments)\]|Total fragments")
_FRAGMENT_NO = re.compile(r"[Ff]ragment (\d+)")

# Reasons (by prefix) for which a retry cannot help.
PERMANENT = ("HTTP 404", "HTTP 410", "removed", "private", "geo-blocked", "unsupported URL",
             "too large", "too long", "fragment missing", "empty file", "invalid ")


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


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        info = getattr(current, "exc_info", None)
        current = (info[1] if info and info[1] is not None
                   else current.__cause__ or current.__context__)
    return out


def _reason_for(exc: BaseException, fragments: _YtdlpLogger | None = None) -> str:
    """A monitor's reason for a yt-dlp failure; ``fragments`` (the capture's logger) tells
    whether it happened while fetching the fragments of a stream."""
    message = str(exc)
    lowered = message.lower()
    chain = _chain(exc)
    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain) or \
            "no space left on device" in lowered:
        return "disk full (no space left on device)"
    fragment = _FRAGMENT.search(lowered)
    if fragment:
        return f"fragment missing (fragment {fragment.group(1)} could not be downloaded)"
    if fragments is not None and fragments.fragmented and "[download] got error" in lowered:
        # A fragment request failed past its retries: the stream would have a hole.
        number = f"fragment {fragments.fragment}" if fragments.fragment else "a fragment"
        status = _http_status_of(exc, message)
        why = f"HTTP {status}" if status else re.sub(r".*got error:\s*", "", lowered)[:120]
        return f"fragment missing ({number} could not be downloaded: {why})"
    if any(isinstance(e, GeoRestrictedError) for e in chain) or any(
            s in lowered for s in ("geo restrict", "not available in your country",
                                   "geo-restrict", "from your location")):
        return "geo-blocked: not available from this location"
    if "private video" in lowered or "video is private" in lowered or \
            "members-only" in lowered:
        return "private: the outlet made the video private"
    if any(s in lowered for s in ("has been removed", "video unavailable", "been deleted",
                                  "no longer available", "account has been terminated",
                                  "video has been taken down")):
        return "removed: the outlet took the video down"
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
        return "fragment missing"
    return re.sub(r"^ERROR:\s*", "", message).strip()[:500] or type(exc).__name__


def capture_error(exc: BaseException, fragments: _YtdlpLogger | None = None) -> CaptureError:
    """A CaptureError for a yt-dlp failure, marked retryable unless it is permanent."""
    reason = _reason_for(exc, fragments)
    return CaptureError(reason, retryable=not reason.startswith(PERMANENT))


def _downloaded_file(info: dict[str, Any], workdir: Path) -> Path | None:
    for entry in info.get("requested_downloads") or []:
        path = entry.get("filepath")
        if path and Path(path).is_file():
            return Path(path)
    candidates = [p for p in workdir.glob("media.*")
                  if not p.name.endswith((".info.json", ".part", ".ytdl", ".vtt", ".srt"))
                  and ".part-Frag" not in p.name]
    return candidates[0] if candidates else None


def probe_duration(path: Path) -> float | None:
    """The media's duration in seconds by ffprobe, or None when it cannot tell."""
    if shutil.which("ffprobe") is None:
        return None
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                              "-of", "json", str(path)], capture_output=True, text=True,
                             timeout=60, check=False)
        value = json.loads(out.stdout or "{}").get("format", {}).get("duration")
        return float(value) if value not in (None, "N/A") else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _subtitles(info: dict[str, Any]) -> list[tuple[str, Path]]:
    found = []
    for lang, sub in (info.get("requested_subtitles") or {}).items():
        path = sub.get("filepath")
        if path and Path(path).is_file() and Path(path).stat().st_size > 0:
            found.append((lang, Path(path)))
    return found


def download_media(url: str, workdir: Path, settings: CrawlSettings,
                   policy: DownloadPolicy | None = None) -> Download:
    """Download the media at ``url`` into ``workdir``; raise CaptureError on failure.

    Re-running with the same ``workdir`` after a kill resumes the partial download."""
    policy = policy or DownloadPolicy()
    workdir.mkdir(parents=True, exist_ok=True)
    opts = ytdlp_options(workdir, settings, policy)
    logger, limits = _YtdlpLogger(), _Limits(policy)
    opts["logger"] = logger
    if policy.max_filesize_mb or policy.max_duration:
        opts["match_filter"] = limits
    try:
        with youtube_dl(opts, settings.egress) as ydl:  # a UI source: crawler.egress
            info = ydl.extract_info(url, download=True)
            info = ydl.sanitize_info(info)
    except EgressRefused as exc:
        raise CaptureError(str(exc), retryable=False) from exc
    except DownloadError as exc:
        raise capture_error(exc, logger) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise CaptureError("disk full (no space left on device)") from exc
        raise CaptureError(f"cannot write the download: {exc}") from exc
    if limits.reason:
        raise CaptureError(limits.reason, retryable=False)
    if logger.too_large:
        sizes = re.findall(r"(\d+) bytes", logger.too_large)
        size = int(sizes[0]) if sizes else 0
        raise CaptureError(f"too large ({_mb(size)} MB > limit {policy.max_filesize_mb} MB)",
                           retryable=False)
    if not info:
        raise CaptureError("no media found", retryable=False)
    if info.get("_type") == "playlist":
        raise CaptureError("the URL lists several videos; give one item page or media URL",
                           retryable=False)
    path = _downloaded_file(info, workdir)
    if path is None:
        raise CaptureError("download produced no file")
    size = path.stat().st_size
    if size == 0:
        raise CaptureError("empty file (0 bytes)", retryable=False)
    duration = info.get("duration")
    duration = float(duration) if isinstance(duration, int | float) else probe_duration(path)
    over = _over_limit(policy, size, duration)
    if over:
        raise CaptureError(over, retryable=False)
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
                    http_status=info.get("http_status"), info=info,
                    subtitles=_subtitles(info), duration=duration)
