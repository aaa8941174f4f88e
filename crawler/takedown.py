"""Takedown watch: is a captured item still online as captured, re-cut, or gone?

Every ``crawl.takedown_interval`` each captured broadcast is re-checked (``check_due``,
run hourly by ``raqib.scheduler.check_takedowns`` and on demand by ``raqib takedown check``):

- **direct files** (captured over plain HTTP from ``media_url``): a HEAD request; 404/410
  means gone; a different ``Content-Length`` means re-cut without downloading; the same
  length is confirmed by streaming the file through SHA-256 (nothing is stored);
- **everything else** (HLS/DASH, item pages handed to yt-dlp's extractors): yt-dlp
  extracts the metadata without downloading; "removed", "private" or HTTP 404/410 means
  gone; a duration that changed by more than ``DURATION_TOLERANCE`` seconds means
  re-cut. Re-downloading a long stream every week per item costs far more than the
  signal is worth, so a full re-hash of these is opt-in (``rehash=True``, ``raqib
  takedown check --rehash``), which downloads to a temporary dir, hashes and deletes.

Each check appends a custody event (``takedown-online``, ``takedown-gone`` or
``takedown-recut``, with the reason, the new sha256/size when known) and sets
``Broadcast.availability``/``availability_checked_at``. The stored original is never
touched. A check that cannot tell (timeout, 5xx, unreachable) changes nothing and is
reported as ``error``. To add a way of checking: add a ``_check_*`` function returning a
``Check`` and choose it in ``check_broadcast``.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.hashing import sha256_file
from catalog.models import Broadcast, CustodyEvent
from crawler.base import CrawlSettings
from crawler.downloader import CaptureError, DownloadPolicy, capture_error, download_media
from crawler.egress import EgressPolicy, EgressRefused, check_url, guard

log = logging.getLogger("raqib.crawler.takedown")

Availability = Broadcast.Availability
DURATION_TOLERANCE = 1.0  # seconds
ERROR = "error"  # the check could not tell; nothing recorded
_GONE_PREFIXES = ("HTTP 404", "HTTP 410", "removed", "private")


@dataclass
class Check:
    broadcast_id: int
    availability: str  # online, gone, recut, or "error"
    reason: str
    url: str = ""
    http_status: int | None = None
    method: str = ""  # head, hash, metadata, rehash
    details: dict[str, Any] = field(default_factory=dict)


def _request(url: str, method: str, settings: CrawlSettings):  # noqa: ANN202
    req = urllib.request.Request(url, method=method,
                                 headers={"User-Agent": settings.user_agent,
                                          "Accept-Encoding": "identity"})
    check_url(url, settings.egress)  # a UI source's broadcast: crawler.egress
    with guard(settings.egress):  # the connection (and each redirect's) is checked
        return urllib.request.urlopen(req, timeout=settings.timeout)  # noqa: S310


def _http_error(broadcast: Broadcast, url: str, method: str,
                exc: urllib.error.HTTPError) -> Check:
    if exc.code in (404, 410):
        return Check(broadcast.id, Availability.GONE, f"HTTP {exc.code}: the file is gone",
                     url, exc.code, method)
    return Check(broadcast.id, ERROR, f"HTTP {exc.code}: cannot tell", url, exc.code, method)


def _check_direct(broadcast: Broadcast, settings: CrawlSettings) -> Check:
    url, media = broadcast.media_url, broadcast.media
    length: int | None = None
    try:
        with _request(url, "HEAD", settings) as resp:
            status, value = resp.status, resp.headers.get("Content-Length")
            length = int(value) if value and value.isdigit() else None
    except urllib.error.HTTPError as exc:
        if exc.code not in (405, 501):  # HEAD not allowed: fall through to GET
            return _http_error(broadcast, url, "head", exc)
    except (OSError, ValueError) as exc:
        return Check(broadcast.id, ERROR, f"cannot reach: {exc}", url, method="head")
    if length is not None and length != media.size:
        return Check(broadcast.id, Availability.RECUT,
                     f"size changed ({media.size} → {length} bytes)", url, status, "head",
                     {"new_size": length})
    digest, size = hashlib.sha256(), 0
    try:
        with _request(url, "GET", settings) as resp:
            status = resp.status
            while chunk := resp.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except urllib.error.HTTPError as exc:
        return _http_error(broadcast, url, "hash", exc)
    except (OSError, ValueError) as exc:
        return Check(broadcast.id, ERROR, f"cannot download: {exc}", url, method="hash")
    new_sha = digest.hexdigest()
    if new_sha != media.sha256:
        return Check(broadcast.id, Availability.RECUT, "content changed (new sha256)", url,
                     status, "hash", {"new_sha256": new_sha, "new_size": size})
    return Check(broadcast.id, Availability.ONLINE, "same sha256", url, status, "hash",
                 {"new_sha256": new_sha, "new_size": size})


def _ytdlp_failure(broadcast: Broadcast, url: str, method: str, exc: BaseException) -> Check:
    reason = str(exc) if isinstance(exc, CaptureError) else str(capture_error(exc))
    state = Availability.GONE if reason.startswith(_GONE_PREFIXES) else ERROR
    return Check(broadcast.id, state, reason, url, method=method)


def _check_metadata(broadcast: Broadcast, settings: CrawlSettings) -> Check:
    from yt_dlp.utils import DownloadError

    from crawler.downloader import ytdlp_options
    from crawler.egress_ytdlp import youtube_dl

    url = broadcast.media_url or broadcast.url
    with tempfile.TemporaryDirectory(prefix="takedown-") as tmp:
        opts = ytdlp_options(Path(tmp), settings, DownloadPolicy(retries=1))
        opts.update({"writeinfojson": False, "skip_download": True})
        try:
            with youtube_dl(opts, settings.egress) as ydl:
                info = ydl.extract_info(url, download=False) or {}
        except EgressRefused as exc:
            return Check(broadcast.id, ERROR, str(exc), url, method="metadata")
        except DownloadError as exc:
            return _ytdlp_failure(broadcast, url, "metadata", exc)
    old, new = broadcast.media.duration, info.get("duration")
    details = {"new_duration": new, "title": info.get("title", "")}
    if isinstance(old, int | float) and isinstance(new, int | float) and \
            abs(old - new) > DURATION_TOLERANCE:
        return Check(broadcast.id, Availability.RECUT,
                     f"duration changed ({old:.0f} s → {new:.0f} s)", url, method="metadata",
                     details=details)
    return Check(broadcast.id, Availability.ONLINE, "still listed", url, method="metadata",
                 details=details)


def _check_rehash(broadcast: Broadcast, settings: CrawlSettings, data_dir: Path) -> Check:
    url = broadcast.media_url or broadcast.url
    tmp_root = Path(data_dir) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="takedown-", dir=tmp_root))
    try:
        download = download_media(url, workdir, settings, DownloadPolicy(retries=1))
        new_sha, size = sha256_file(download.path), download.path.stat().st_size
    except CaptureError as exc:
        return _ytdlp_failure(broadcast, url, "rehash", exc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    details = {"new_sha256": new_sha, "new_size": size}
    if new_sha != broadcast.media.sha256:
        return Check(broadcast.id, Availability.RECUT, "content changed (new sha256)", url,
                     method="rehash", details=details)
    return Check(broadcast.id, Availability.ONLINE, "same sha256", url, method="rehash",
                 details=details)


def _is_direct(broadcast: Broadcast) -> bool:
    event = (CustodyEvent.objects.filter(broadcast=broadcast, action__in=("captured", "linked"))
             .order_by("-at", "-id").first())
    protocol = ((event.details or {}).get("format") or {}).get("protocol", "") if event else ""
    return bool(broadcast.media_url) and protocol in ("http", "https")


def record(check: Check, broadcast: Broadcast, actor: str) -> None:
    """Append the custody event and set the broadcast's availability (not for errors)."""
    from crawler.capture import tool_versions

    if check.availability == ERROR:
        return
    now = timezone.now()
    CustodyEvent.objects.create(
        action=f"takedown-{check.availability}", actor=actor, broadcast=broadcast,
        media=broadcast.media, sha256=broadcast.media.sha256, source_url=check.url,
        http_status=check.http_status, host=socket.gethostname(),
        tool_versions=tool_versions(),
        details={"reason": check.reason, "method": check.method,
                 "previous": broadcast.availability, **check.details})
    # update(), not save(): updated_at drives the pipeline's stale-task detection.
    Broadcast.objects.filter(pk=broadcast.pk).update(availability=check.availability,
                                                     availability_checked_at=now)
    broadcast.availability, broadcast.availability_checked_at = check.availability, now


def check_broadcast(broadcast: Broadcast, settings: CrawlSettings, data_dir: Path,
                    actor: str, rehash: bool = False) -> Check:
    """Check one captured broadcast now and record the result."""
    if broadcast.media is None:
        raise ValueError(f"broadcast {broadcast.id} has no captured media")
    if _is_direct(broadcast):
        check = _check_direct(broadcast, settings)
    elif rehash:
        check = _check_rehash(broadcast, settings, data_dir)
    else:
        check = _check_metadata(broadcast, settings)
    record(check, broadcast, actor)
    log.info("takedown check", extra={"broadcast": broadcast.id,
                                      "availability": check.availability,
                                      "reason": check.reason})
    return check


def due(interval: timedelta, now: datetime | None = None, source: str | None = None,
        force: bool = False) -> QuerySet[Broadcast]:
    """Captured broadcasts whose last check (or capture) is older than ``interval``."""
    qs = Broadcast.objects.filter(media__isnull=False).select_related("media", "source")
    if source:
        qs = qs.filter(source__name=source)
    if not force:
        cutoff = (now or timezone.now()) - interval
        qs = qs.filter(Q(availability_checked_at__lte=cutoff)
                       | Q(availability_checked_at__isnull=True, media__created_at__lte=cutoff))
    return qs.order_by("availability_checked_at", "id")


def check_due(config: Any, actor: str, source: str | None = None, force: bool = False,
              rehash: bool = False, limit: int = 0,
              on_check: Callable[[Check, Broadcast], None] | None = None,
              egress_for: Callable[[Any], EgressPolicy | None] | None = None) -> list[Check]:
    """Check the due broadcasts one at a time, politely (``crawl.download_delay`` apart);
    ``actor`` is who the custody events name (the caller's worker or user);
    ``egress_for(source)`` is the egress policy of a broadcast's source (a source added
    in the web UI is fetched under ``crawler.egress``)."""
    from crawler.schema import parse_interval

    interval = timedelta(seconds=parse_interval(config.get("crawl.takedown_interval")))
    settings = CrawlSettings.from_config(config)
    qs = due(interval, source=source, force=force)
    broadcasts = list(qs[:limit] if limit else qs)
    results = []
    for n, broadcast in enumerate(broadcasts):
        if n and settings.download_delay:
            time.sleep(settings.download_delay)
        policy = egress_for(broadcast.source) if egress_for else None
        check = check_broadcast(broadcast, replace(settings, egress=policy), config.data_dir,
                                actor, rehash)
        results.append(check)
        if on_check:
            on_check(check, broadcast)
    return results
