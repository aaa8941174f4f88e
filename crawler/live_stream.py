"""Reaching a live stream, and the ``live`` kind's collector (``raqib sources check``).

The ``live`` source kind (``url``, ``chunk`` default ``"30m"``) is recorded, not crawled
(``LiveCollector.scheduled`` is False): ``crawler.live.LiveRecorder`` records it. This
module holds what both need without the catalog, so the config check can read the kind's
declaration before Django is set up: fetching a URL (``fetch``), resolving a page or a
master playlist to the media playlist to poll (``resolve_media_playlist``; yt-dlp's
extractors find the HLS URL of a page), the clock-aligned chunk windows (``window_of``,
``chunk_seconds``) and the chunk's catalog key (``external_id_for``). To accept another
stream shape: extend ``resolve_media_playlist`` and ``crawler.live_playlist``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.base import CollectError, Collector, CollectResult, CrawlSettings, DiscoveredItem
from crawler.egress import EgressRefused, check_url, guard
from crawler.live_playlist import (
    PlaylistError,
    best_variant,
    is_master_playlist,
    parse_master_playlist,
    parse_media_playlist,
)
from crawler.schema import parse_interval

KIND = "live"
DEFAULT_CHUNK = "30m"


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, milliseconds only when there are any."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def external_id_for(source_name: str, start: datetime) -> str:
    """The catalog key of the chunk starting at ``start``: the same on every re-run."""
    return f"live:{source_name}:{iso(start)}"


class LiveError(Exception):
    """The live source cannot be recorded as configured (bad chunk, busy, unsupported)."""


class FetchError(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def chunk_seconds(source_config: dict[str, Any], override: str | None = None) -> int:
    """The chunk length in seconds from ``--chunk`` or the source's ``chunk`` key."""
    text = override or source_config.get("chunk") or DEFAULT_CHUNK
    try:
        return parse_interval(text)
    except ValueError as exc:
        raise LiveError(f"chunk: {exc}") from None


def window_of(moment: datetime, seconds: int) -> tuple[datetime, datetime]:
    """The fixed window containing ``moment``, aligned to the UTC clock."""
    epoch = moment.timestamp()
    start = datetime.fromtimestamp(epoch - epoch % seconds, UTC)
    return start, start + timedelta(seconds=seconds)


def fetch(url: str, settings: CrawlSettings) -> tuple[bytes, str]:
    """GET ``url``; return (body, final URL); raise FetchError with a readable reason."""
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    try:
        check_url(url, settings.egress)  # a UI source: checked again at every connect
        with guard(settings.egress), \
                urllib.request.urlopen(request, timeout=settings.timeout) as response:
            return response.read(), response.geturl()
    except EgressRefused as exc:
        raise FetchError(str(exc)) from None
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code}", exc.code) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, EgressRefused):  # a redirect into the network
            raise FetchError(str(reason)) from None
        raise FetchError(f"unreachable ({reason})") from None


def _resolve_with_ytdlp(url: str, settings: CrawlSettings) -> str:
    from yt_dlp.utils import DownloadError

    from crawler.egress_ytdlp import youtube_dl

    options = {"quiet": True, "no_warnings": True, "noplaylist": True, "cachedir": False,
               "socket_timeout": settings.timeout, "format": "best[protocol^=m3u8]/best",
               "http_headers": {"User-Agent": settings.user_agent}}
    try:
        with youtube_dl(options, settings.egress) as ydl:  # a UI source: crawler.egress
            info = ydl.extract_info(url, download=False)
    except EgressRefused as exc:
        raise FetchError(str(exc)) from None
    except DownloadError as exc:
        raise FetchError(f"yt-dlp found no stream: {str(exc).removeprefix('ERROR: ')}") from None
    protocol = str(info.get("protocol", ""))
    if "m3u8" not in protocol:
        kind = "DASH" if "dash" in protocol else protocol or "unknown"
        raise LiveError(f"the stream is {kind}, not HLS; only HLS live streams can be "
                        "recorded yet")
    return info.get("manifest_url") or info["url"]


def resolve_media_playlist(url: str, settings: CrawlSettings) -> str:
    """The media playlist URL to poll: the best variant of a master, or yt-dlp's pick."""
    body, final_url = fetch(url, settings)
    text = body.decode("utf-8", "replace")
    if not text.lstrip("\ufeff").startswith("#EXTM3U"):
        url = _resolve_with_ytdlp(url, settings)
        body, final_url = fetch(url, settings)
        text = body.decode("utf-8", "replace")
    if is_master_playlist(text):
        return best_variant(parse_master_playlist(text, final_url)).url
    return final_url


class LiveCollector(Collector):
    """``raqib sources check`` for a live source: resolve the stream once and show the chunk
    that is on air now. Not scheduled: never crawled (``raqib.pipeline.crawl_source``
    refuses), recorded by ``LiveRecorder``."""

    kind = KIND
    config_keys = {"url": True, "chunk": False}  # HLS live stream, chunk e.g. "30m"
    scheduled = False

    def collect(self, source: dict[str, Any], settings: CrawlSettings,
                known_ids: Iterable[str] = (), full_scan: bool = False) -> CollectResult:
        try:
            seconds = chunk_seconds(source)
            playlist_url = resolve_media_playlist(source["url"], settings)
            body, final_url = fetch(playlist_url, settings)
            playlist = parse_media_playlist(body.decode("utf-8", "replace"), final_url)
        except (LiveError, FetchError, PlaylistError) as exc:
            raise CollectError(f"live stream: {exc}") from None
        start, end = window_of(datetime.now(UTC), seconds)
        item = DiscoveredItem(
            external_id=external_id_for(source["name"], start), url=source["url"],
            media_url=playlist_url, title=f"{source['name']} · بث مباشر (on air now)",
            aired_at=start, aired_end=end, aired_precision="second",
            description=f"{len(playlist.segments)} segments listed, target duration "
                        f"{playlist.target_duration:g} s"
                        + ("; the stream has ended" if playlist.ended else ""))
        return CollectResult(items=[item], pages=2, requests=2)
