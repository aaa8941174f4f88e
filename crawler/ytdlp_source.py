"""The "ytdlp" source kind: a channel, playlist or page URL listed by yt-dlp.

``YtdlpCollector`` asks yt-dlp (its Python API) for a *flat* listing of ``source["url"]``
(``extract_flat = "in_playlist"``: one request per listing page, nothing downloaded, no
item page opened) and turns each entry into a ``DiscoveredItem``:

- ``external_id``: the site's own id when a site-specific extractor gave one (a YouTube
  video id), else the entry's URL (the generic extractor's ids are positions on the page,
  not stable);
- ``url``: the entry's URL; ``media_url``: the same URL when it names a media file, else ""
  (the downloader gives the page to yt-dlp's extractors);
- ``title``, ``description``; ``aired_at`` from ``release_timestamp``/``timestamp`` (UTC)
  or ``upload_date`` (a day, read in the source's ``timezone``).

Source keys: ``cookies`` (a Netscape cookies.txt, for listings that need a signed-in
account; yt-dlp may refresh it in place), ``proxy`` (http/https/socks URL) and
``max_items`` (list at most this many entries, newest first on YouTube, which bounds the
cost of each scan). A listing whose entries are themselves listings (a YouTube channel's
home page lists its tabs) is expanded one level. The scan does not stop at the first
known entry: yt-dlp listings are not guaranteed newest-first, so ``max_items`` is the
honest bound; already-known entries are dropped by the catalog, not here.

yt-dlp failures become ``CollectError`` with a reason a monitor understands ("channel,
playlist or page not found (HTTP 404)", "private", "sign-in required", "geo-blocked"...).
To recognise another failure: add a line to ``_REASONS``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yt_dlp.utils import DownloadError, unsmuggle_url

from crawler.base import (
    CollectError,
    Collector,
    CollectResult,
    CrawlSettings,
    DiscoveredItem,
)
from crawler.dates import air_fields, exact_fields
from crawler.egress import EgressPolicy, EgressRefused
from crawler.egress_ytdlp import youtube_dl
from crawler.site_spider import is_media_url

log = logging.getLogger("raqib.crawler.ytdlp")

# Extractors whose flat entries are listings themselves (expanded one level).
_NESTED_LISTING = re.compile(r"Tab$|Playlist|Channel", re.IGNORECASE)
_HTTP_STATUS = re.compile(r"HTTP Error (\d{3})")
# (substrings of yt-dlp's lower-cased message, reason shown to a monitor); first match wins.
_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("private",), "private: the channel or playlist is private"),
    (("sign in", "login required", "log in", "confirm your age", "members-only"),
     "sign-in required (set the source's cookies to a cookies.txt of an account that can "
     "see it)"),
    (("in your country", "from your location", "geo restrict", "geo-restrict", "geoblock"),
     "geo-blocked (a proxy in the outlet's country may help)"),
    (("does not exist", "this channel is not available", "has been terminated",
      "account associated with this video has been terminated"),
     "channel or playlist not found (removed?)"),
    (("unsupported url",), "yt-dlp cannot list this URL (unsupported URL)"),
    (("unable to connect to proxy", "proxyerror", "proxy error", "tunnel connection failed"),
     "proxy error (check the source's proxy)"),
    (("timed out", "timeout"), "timeout"),
    (("name or service not known", "failed to resolve", "nodename nor servname",
      "getaddrinfo failed", "temporary failure in name resolution"),
     "host name not found (DNS)"),
    (("connection refused",), "unreachable (connection refused)"),
    (("connection reset", "no route to host", "network is unreachable",
      "remote end closed connection"), "unreachable (connection dropped)"),
)


class _Logger:
    """Routes yt-dlp's messages to Python logging instead of the terminal."""

    def debug(self, msg: str) -> None:
        log.debug(msg)

    def info(self, msg: str) -> None:
        log.debug(msg)

    def warning(self, msg: str) -> None:
        log.info(msg)

    def error(self, msg: str) -> None:
        log.debug(msg)  # surfaces as a CollectError, recorded by the caller


def reason_for(exc: BaseException) -> str:
    """A short reason a monitor understands for a failed yt-dlp listing."""
    message = str(exc)
    lowered = message.lower()
    match = _HTTP_STATUS.search(message)
    status = int(match.group(1)) if match else None
    if status in (404, 410):
        return f"channel, playlist or page not found (HTTP {status})"
    for needles, reason in _REASONS:
        if any(n in lowered for n in needles):
            return reason
    if status == 429:
        return "rate limited (HTTP 429)"
    if status is not None and status >= 500:
        return f"server error (HTTP {status})"
    if status is not None:
        return f"refused (HTTP {status})"
    text = re.sub(r"^ERROR:\s*(\[[^\]]+\]\s*)?", "", message).strip()
    return text[:300] or type(exc).__name__


def listing_options(source: dict[str, Any], settings: CrawlSettings) -> dict[str, Any]:
    """yt-dlp options for a flat listing of one source (nothing is downloaded)."""
    options: dict[str, Any] = {
        "extract_flat": "in_playlist",
        "skip_download": True,
        "lazy_playlist": True,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "logger": _Logger(),
        "socket_timeout": settings.timeout,
        "http_headers": {"User-Agent": settings.user_agent},
        "sleep_interval_requests": settings.download_delay,
        "extractor_retries": 2,
        "cachedir": False,
    }
    if source.get("max_items"):
        options["playlistend"] = int(source["max_items"])
    if source.get("cookies"):
        options["cookiefile"] = str(source["cookies"])
    if source.get("proxy"):
        options["proxy"] = str(source["proxy"])
    return options


def _aired(entry: dict[str, Any], source: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The air-date fields: a timestamp is an instant to the second; a ``YYYYMMDD`` date is
    a day (yt-dlp gives no time with it), never shifted by a zone."""
    for key in ("release_timestamp", "timestamp"):
        value = entry.get(key)
        if isinstance(value, int | float):
            aired = datetime.fromtimestamp(value, UTC)
            return exact_fields(aired, aired.isoformat(), source)
    for key in ("release_date", "upload_date"):
        value = entry.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d{8}", value):
            fields = air_fields(f"{value[:4]}-{value[4:6]}-{value[6:]}", source, now=now)
            return {**fields, "aired_at_raw": value}
    return {}


def entry_item(entry: dict[str, Any], source: dict[str, Any],
               now: datetime) -> DiscoveredItem | None:
    """The DiscoveredItem for one flat yt-dlp entry; None when it has no URL."""
    url = entry.get("url") or entry.get("webpage_url") or ""
    url = unsmuggle_url(url)[0] if url else ""
    if not url:
        return None
    ie_key = entry.get("ie_key") or ""
    own_id = entry.get("id") if ie_key and ie_key != "Generic" else None
    return DiscoveredItem(
        external_id=str(own_id or url), url=url, media_url=url if is_media_url(url) else "",
        title=" ".join(str(entry.get("title") or "").split()),
        description=str(entry.get("description") or "").strip(),
        language=source.get("language"), **_aired(entry, source, now))


def _is_nested_listing(entry: dict[str, Any]) -> bool:
    return entry.get("_type") in ("url", "url_transparent") and bool(
        _NESTED_LISTING.search(entry.get("ie_key") or ""))


class YtdlpCollector(Collector):
    """Collector for ``kind = "ytdlp"``: a flat yt-dlp listing, in this process."""

    kind = "ytdlp"
    config_keys = {"url": True, "cookies": False, "proxy": False, "max_items": False}

    def _extract(self, url: str, options: dict[str, Any],
                 egress: EgressPolicy | None = None) -> dict[str, Any]:
        try:
            with youtube_dl(options, egress) as ydl:  # a UI source: crawler.egress
                info = ydl.extract_info(url, download=False)
                return ydl.sanitize_info(info) or {}
        except EgressRefused as exc:
            raise CollectError(f"cannot list {url}: {exc}") from exc
        except DownloadError as exc:
            raise CollectError(f"cannot list {url}: {reason_for(exc)}") from exc

    def collect(self, source: dict[str, Any], settings: CrawlSettings,
                known_ids: Iterable[str] = (), full_scan: bool = False) -> CollectResult:
        """List ``source["url"]`` once (``known_ids`` are not skipped here, see above)."""
        cookies = source.get("cookies")
        if cookies and not Path(cookies).is_file():
            raise CollectError(f"cookies file {cookies!r} does not exist")
        options = listing_options(source, settings)
        now = datetime.now(UTC)
        stop_at = time.monotonic() + float(settings.deadline)  # crawl.source_deadline
        info = self._extract(source["url"], options, settings.egress)
        result = CollectResult(pages=1)
        if info.get("_type") == "playlist":
            entries = info.get("entries")
        else:  # a single video: the item is its page, not the format URL yt-dlp chose
            entries = [{**info, "url": info.get("webpage_url") or info.get("original_url")
                        or source["url"], "ie_key": info.get("extractor_key")}]
        limit = int(source.get("max_items") or 0)
        seen: set[str] = set()
        for entry in list(entries or []):
            if limit and len(result.items) >= limit:
                break
            if not isinstance(entry, dict):
                continue
            if _is_nested_listing(entry):
                if time.monotonic() > stop_at:
                    result.errors.append(f"{source['url']}: source deadline of "
                                         f"{float(settings.deadline):g} s reached; the "
                                         "listing stopped with what it had found")
                    result.complete = False
                    break
                try:
                    nested = self._extract(entry["url"], options, settings.egress)
                except CollectError as exc:
                    result.errors.append(str(exc))
                    continue
                result.pages += 1
                children = nested.get("entries") or []
            else:
                children = [entry]
            for child in children:
                item = entry_item(child, source, now) if isinstance(child, dict) else None
                if item is None or item.external_id in seen:
                    continue
                if limit and len(result.items) >= limit:
                    break
                seen.add(item.external_id)
                result.items.append(item)
        return result
