"""The pipeline's stages, run in-process by commands and by the huey tasks alike.

crawl (a source → Broadcasts, status ``discovered``) → download (→ MediaFile + custody
record, ``downloaded``; bytes the catalog holds already make the item a sighting of that
recording instead, ``catalog.sightings``, and it goes no further) → transcribe
(→ Transcript + Segments + .vtt/.srt, ``transcribed``) → index (→ search backend,
``indexed``).

Every stage is idempotent and keyed (see ``catalog.models``), so a retry or a re-run after a
killed worker never duplicates. A failing stage is contained here, at the stage boundary:
the broadcast is marked ``failed`` with the stage and a reason a monitor understands, its
retry count goes up, and the rest of the work goes on. To add a stage: write a
``_stage_<name>`` function, add it to ``STAGES`` and give it the status it leads to.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.db import InterfaceError, OperationalError
from django.db.models import F, Q
from django.db.models.functions import Now

from catalog import dbclock, fencing
from catalog.fencing import ClaimLost
from catalog.models import Broadcast, Sighting, Source
from catalog.sightings import RecordedAsSighting
from catalog.urls import UnsafeURL
from crawler.base import CollectError, Collector, CollectResult, CrawlSettings
from crawler.registry import get_collector, is_scheduled
from crawler.schema import parse_interval
from index.base import BackendError
from index.importer import import_transcript_file
from index.registry import get_backend
from raqib import transcription
from raqib.config import Config
from raqib.sources_sync import source_table
from raqib.stages import StageError, StageOptions, actor, crawl_settings, disk_full_reason
from reairings import stage as reairings_stage
from review.watchlists import run_watchlists_recorded

__all__ = ["CrawlReport", "StageError", "StageOptions", "actor", "advance", "crawl_settings",
           "crawl_source", "due_sources", "import_transcript", "is_sighting", "next_stage",
           "pending",
           "record_failure", "run_stage"]

log = logging.getLogger("raqib.pipeline")

Status = Broadcast.Status
# stage name -> (status a broadcast must have to enter it, status it leaves with)
STAGE_FLOW: dict[str, tuple[str, str]] = {
    "download": (Status.DISCOVERED, Status.DOWNLOADED),
    "transcribe": (Status.DOWNLOADED, Status.TRANSCRIBED),
    "index": (Status.TRANSCRIBED, Status.INDEXED),
}
NEXT_STAGE = {entry: stage for stage, (entry, _) in STAGE_FLOW.items()}
ORDER = [Status.DISCOVERED, Status.DOWNLOADED, Status.TRANSCRIBED, Status.INDEXED]
SIGHTING = "sighting"  # advance()'s outcome for an item whose bytes the catalog held


@dataclass
class CrawlReport:
    source: str
    found: int = 0
    new_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: str = ""  # the whole crawl failed: why


# Put at the front of Source.last_error when a scan was cut short (time limit, a failed
# listing page, Retry-After): the next crawl then re-reads every listing page (it still
# skips known item pages) instead of stopping at the first page with nothing new.
INCOMPLETE_SCAN = "scan incomplete, the next crawl re-reads every listing page"


def _schedule_next(source: Source, config: Config, new: int | None = None,
                   retry_after_until: datetime | None = None) -> None:
    """Set ``next_crawl_at`` after a crawl that found ``new`` new items (None: it failed).

    Adaptive back-off: each crawl in a row that found nothing new doubles the wait
    (``interval * 2**empty_crawls``) up to ``crawl.max_interval`` (never below the
    source's own interval); news resets it. A failed crawl is retried after the plain
    interval and leaves the count as it was (an unreachable outlet says nothing about
    whether it has news). Jitter (0-10 % of the wait) spreads sources that share an
    interval. A Retry-After beyond what a crawl waits out pushes the next crawl past it.
    """
    if new is not None:
        source.empty_crawls = 0 if new else source.empty_crawls + 1
    interval = source.interval_seconds
    cap = max(interval, parse_interval(config.get("crawl.max_interval")))
    wait = interval if new is None else min(cap, interval * 2 ** min(source.empty_crawls, 32))
    jitter = random.uniform(0, 0.1) * wait
    source.last_crawl_at = dbclock.now()  # the database's clock, not this worker's
    source.next_crawl_at = source.last_crawl_at + timedelta(seconds=wait + jitter)
    source.retry_after_until = retry_after_until
    if retry_after_until and retry_after_until > source.next_crawl_at:
        source.next_crawl_at = retry_after_until


def _collect(collector: Collector, source: Source, settings: CrawlSettings,
             full_scan: bool) -> CollectResult:
    # One query for every known external id: the scan skips them (cost ∝ what is new).
    known = set(Broadcast.objects.filter(source=source).values_list("external_id", flat=True))
    known |= set(Sighting.objects.filter(source=source).values_list("external_id", flat=True))
    return collector.collect(source_table(source), settings, known,
                             full_scan=full_scan and collector.supports_full_scan)


def crawl_source(source: Source, config: Config,
                 settings: CrawlSettings | None = None) -> CrawlReport:
    """Collect one source once and record what it lists; never raises for outlet faults.
    ``settings`` (a CrawlSettings) overrides the configured politeness settings. The
    catalog's external ids are passed on so a scan only fetches what is new; all new
    broadcasts are written in one transaction (a crawl killed before it leaves none; one
    whose source claim was taken over meanwhile raises ClaimLost and leaves none)."""
    report = CrawlReport(source=source.name)
    collector = get_collector(source.kind, config)
    if not collector.scheduled:  # recorded continuously (e.g. crawler.live), never crawled
        report.failed = (f"{source.name} is a {source.kind} source: it is recorded, not "
                         f"crawled; run `raqib record --source {source.name}` or `raqib run`")
        return report
    was_incomplete = source.last_error.startswith(INCOMPLETE_SCAN)
    try:
        result = _collect(collector, source, crawl_settings(config, source, settings),
                          was_incomplete)
    except CollectError as exc:
        report.failed = str(exc)
        source.last_error = (f"{INCOMPLETE_SCAN}; " if was_incomplete else "") + report.failed
        _schedule_next(source, config, None, exc.retry_after_until)
        with fencing.atomic():  # under the source's claim, if the crawl runs under one
            source.save()
        log.warning("crawl failed", extra={"source": source.name, "error": report.failed})
        return report
    report.found = len(result.items)
    report.errors = list(result.errors)
    complete = result.complete
    # Items recorded as sightings of another broadcast (catalog.sightings) are known too.
    sighted = set(Sighting.objects.filter(source=source).values_list("external_id", flat=True))
    with fencing.atomic():  # a crawl whose source claim was taken over writes nothing
        for item in result.items:
            if item.external_id in sighted:
                continue
            try:
                broadcast, created = Broadcast.objects.get_or_create(
                    source=source, external_id=item.external_id,
                    defaults={
                        "outlet": source.outlet, "url": item.url, "media_url": item.media_url,
                        "title": item.title, "description": item.description,
                        "program": item.program, "aired_at": item.aired_at,
                        "aired_at_raw": item.aired_at_raw,
                        "aired_precision": item.aired_precision,
                        "aired_date": item.aired_date, "aired_tz": item.aired_tz,
                        "language": item.language or source.language,
                    },
                )
            except UnsafeURL as exc:  # catalog.urls: refused before any SQL; skip the item
                report.errors.append(f"item {item.external_id[:80]!r} skipped: {exc}")
                continue
            if created:
                report.new_ids.append(broadcast.id)
        source.last_error = "; ".join(([] if complete else [INCOMPLETE_SCAN])
                                      + report.errors)[:2000]
        _schedule_next(source, config, len(report.new_ids), result.retry_after_until)
        source.save()
    log.info("crawled", extra={"source": source.name, "found": report.found,
                               "new": len(report.new_ids), "page_errors": len(report.errors),
                               "complete": complete})
    return report


def _stage_download(broadcast: Broadcast, config: Config, options: StageOptions) -> None:
    # Imported here: capture loads yt-dlp and warcio (half a second), which a transcription
    # worker or a command that never downloads should not pay for.
    from crawler.capture import (
        CaptureError,
        DownloadPolicy,
        capture_broadcast_media,
        schedule_retry,
    )

    try:
        policy = DownloadPolicy.from_config(config, broadcast.source.config,
                                            broadcast.language)
        capture_broadcast_media(broadcast, data_dir=config.data_dir,
                                settings=crawl_settings(config, broadcast.source),
                                actor=actor(),
                                policy=policy, warc=config.get("crawl.warc"))
    except CaptureError as exc:
        schedule_retry(broadcast)  # next_retry_at: 5 min, doubling (raqib.tasks)
        raise StageError(str(exc)) from exc
    transcription.import_captions(broadcast, config)  # searchable before ASR; never fails
    reairings_stage.after_download(broadcast, config)  # fingerprint + match; never fails


def _stage_transcribe(broadcast: Broadcast, config: Config, options: StageOptions) -> None:
    reairings_stage.before_transcription(broadcast, config)  # the ocr track; never fails
    transcription.transcribe_broadcast(broadcast, config, options)


def _stage_index(broadcast: Broadcast, config: Config, options: StageOptions) -> None:
    backend = get_backend(config)
    try:
        for transcript_id in broadcast.transcripts.values_list("id", flat=True):
            backend.index_transcript(transcript_id)
    except BackendError as exc:
        raise StageError(str(exc)) from exc
    # Alerts for the newly indexed transcripts; a failure is recorded, never fails indexing.
    run_watchlists_recorded(broadcast, config)


STAGES: dict[str, Callable[[Broadcast, Config, StageOptions], None]] = {
    "download": _stage_download,
    "transcribe": _stage_transcribe,
    "index": _stage_index,
}


def record_failure(broadcast: Broadcast, stage: str, reason: str) -> None:
    """Mark a broadcast failed at ``stage`` with a reason; the scheduler retries it. Under
    a claim it is written only while the claim is still ours (``catalog.fencing``: else
    ClaimLost and nothing written); ``updated_at`` (the retry back-off's start) is the
    database's clock, not this worker's."""
    with fencing.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(
            status=Status.FAILED, failed_stage=stage, error=reason[:4000],
            retry_count=F("retry_count") + 1, updated_at=Now())
    broadcast.refresh_from_db(fields=["status", "failed_stage", "error", "retry_count",
                                      "updated_at"])
    log.warning("stage failed", extra={"broadcast": broadcast.id, "stage": stage,
                                       "error": reason})


def _mark_done(broadcast_id: int, leaves: str) -> None:
    """The stage's outcome, fenced like its output (a worker that lost its claim writes
    no status over the new holder's), timed by the database's clock."""
    with fencing.atomic():
        Broadcast.objects.filter(pk=broadcast_id).update(
            status=leaves, failed_stage="", error="", updated_at=Now())


def run_stage(broadcast_id: int, stage: str, config: Config,
              options: StageOptions | None = None) -> bool:
    """Run one stage for one broadcast; return True when it succeeded. Raises ClaimLost
    (nothing recorded) when the claim it runs under was taken over by another worker,
    and the catalog's own errors when the database went away mid-stage."""
    options = options or StageOptions()
    broadcast = Broadcast.objects.select_related("media", "source").filter(
        pk=broadcast_id).first()
    if broadcast is None:  # recorded as a sighting of another broadcast (catalog.sightings)
        return is_sighting(broadcast_id)
    entry, leaves = STAGE_FLOW[stage]
    if broadcast.status == Status.FAILED:
        if broadcast.failed_stage != stage:
            return False
    elif broadcast.status != entry:
        # Past this stage already (a duplicate task): nothing to do. Before it: not ready.
        return ORDER.index(broadcast.status) > ORDER.index(entry)
    try:
        STAGES[stage](broadcast, config, options)
    except StageError as exc:
        record_failure(broadcast, stage, disk_full_reason(exc) or str(exc))
        return False
    except RecordedAsSighting as seen:
        # The same bytes as a broadcast the catalog holds: a sighting of it now, with its
        # own snapshot and custody event; nothing more to do for this item.
        log.info("recorded as a sighting", extra={"broadcast": broadcast_id,
                                                  "kept": seen.broadcast_id,
                                                  "sighting": seen.sighting_id})
        return True
    except (InterfaceError, OperationalError, ClaimLost):
        # The catalog went away mid-stage (a database restart), or another worker took the
        # claim over: not the broadcast's fault, nothing to record. The task ends; the
        # claim's new holder (or, after the claim lapses, the scheduler) carries on.
        raise
    except Exception as exc:  # contained at the stage boundary, recorded, never swallowed
        full = disk_full_reason(exc)
        if full is None:
            log.exception("unexpected error", extra={"broadcast": broadcast_id, "stage": stage})
        record_failure(broadcast, stage,
                       full or f"internal error: {type(exc).__name__}: {exc}")
        return False
    _mark_done(broadcast_id, leaves)
    log.info("stage done", extra={"broadcast": broadcast_id, "stage": stage})
    return True


def import_transcript(path: Path, config: Config, *, actor: str) -> Broadcast:
    """``raqib import``: save a transcript file (``index.importer``) and run the index stage
    on it. Raises TranscriptImportError for an invalid file (nothing written). If indexing
    fails the broadcast is kept, failed at ``index`` with the reason (retried later)."""
    broadcast, replaced = import_transcript_file(path, actor=actor)
    if replaced is not None:
        try:  # the replaced transcript's segments must leave the index too
            get_backend(config).remove_transcript(replaced)
        except Exception as exc:  # noqa: BLE001 - contained at the stage boundary, recorded
            record_failure(broadcast, "index", f"indexing failed: {exc}")
            return broadcast
    run_stage(broadcast.id, "index", config)
    broadcast.refresh_from_db()
    return broadcast


def is_sighting(broadcast_id: int) -> bool:
    """Whether ``broadcast_id`` was a discovered item recorded as a sighting since."""
    return Sighting.objects.filter(former_broadcast_id=broadcast_id).exists()


def next_stage(broadcast: Broadcast) -> str | None:
    """The stage a broadcast should run next (a failed one resumes where it failed)."""
    if broadcast.status == Status.FAILED:
        return broadcast.failed_stage or "download"
    return NEXT_STAGE.get(broadcast.status)


def advance(broadcast_id: int, config: Config, options: StageOptions | None = None,
            on_stage: Callable[[str], None] | None = None) -> str:
    """Run every remaining stage of one broadcast; return its final status (``SIGHTING``
    when it turned out to be a sighting of a broadcast the catalog holds)."""
    while True:
        broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
        if broadcast is None:
            return SIGHTING
        stage = next_stage(broadcast)
        if stage is None:
            return broadcast.status
        if on_stage:
            on_stage(stage)
        if not run_stage(broadcast_id, stage, config, options):
            return Status.FAILED


def pending(config: Config, retry_failed: bool = False) -> list[int]:
    """Broadcasts with work left: not yet indexed, and failed ones under the retry limit."""
    qs = Broadcast.objects.filter(status__in=list(NEXT_STAGE))
    ids = list(qs.order_by("id").values_list("id", flat=True))
    if retry_failed:
        ids += list(Broadcast.objects.filter(
            status=Status.FAILED, retry_count__lt=config.get("queue.max_retries"),
        ).order_by("id").values_list("id", flat=True))
    return ids


def due_sources(now: datetime | None = None) -> list[Source]:
    """Enabled, crawlable sources whose next crawl time has come and whose outlet has not
    asked us (429/503 Retry-After) to stay away until later. Kinds whose collector is not
    ``scheduled`` (live streams: recorded, not crawled) are left out."""
    now = now or dbclock.now()
    due = Q(next_crawl_at__lte=now) | Q(next_crawl_at__isnull=True)
    allowed = Q(retry_after_until__isnull=True) | Q(retry_after_until__lte=now)
    qs = Source.objects.filter(due, allowed, enabled=True).exclude(kind=Source.KIND_IMPORT)
    kinds = set(qs.values_list("kind", flat=True).distinct())
    return list(qs.exclude(kind__in=[k for k in kinds if not is_scheduled(k)])
                .order_by("next_crawl_at"))
