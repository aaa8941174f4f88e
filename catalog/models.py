"""The catalog: the relational system of record.

Outlet → Source → Broadcast → MediaFile (evidence, keyed by sha256) → Transcript → Segment,
plus the append-only ``CustodyEvent`` log. One recording is one Broadcast: the same bytes
captured again (another source, URL or outlet) are a ``Sighting`` of it
(``catalog.sightings``), keyed like a broadcast by (source, external_id). Every stage is
keyed so a retry never duplicates: a broadcast by (source, external_id), a media file by
sha256, a transcript by (broadcast, track, model_id) and a segment by (transcript, number).

To add a field: change the model, run ``raqib manage makemigrations raqib`` and commit the
migration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections, models, router, transaction
from django.utils import timezone


class Outlet(models.Model):
    """A broadcaster (e.g. Al-Ikhbariya). Sources and broadcasts belong to one."""

    name = models.CharField(max_length=200, unique=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """Where broadcasts are discovered: one ``[[sources]]`` entry of ``raqib.toml``."""

    KIND_IMPORT = "import"  # internal: transcripts added with ``raqib import``

    name = models.CharField(max_length=64, unique=True)
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="sources")
    kind = models.CharField(max_length=20)
    config = models.JSONField(default=dict)  # the validated [[sources]] table
    language = models.CharField(max_length=8, default="ar")
    interval_seconds = models.PositiveIntegerField(default=6 * 3600)
    enabled = models.BooleanField(default=True)
    last_crawl_at = models.DateTimeField(null=True, blank=True)
    next_crawl_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Adaptive back-off: consecutive crawls that found nothing new (the wait doubles per
    # empty crawl up to crawl.max_interval and resets on news).
    empty_crawls = models.PositiveIntegerField(default=0)
    # A 429/503 Retry-After from the outlet: no request before this time.
    retry_after_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class MediaFile(models.Model):
    """An immutable captured file, stored once however many broadcasts point at it."""

    sha256 = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=500)  # relative to the data dir
    size = models.BigIntegerField()
    info_json_path = models.CharField(max_length=500, blank=True)
    mime_type = models.CharField(max_length=100, blank=True)
    duration = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha256[:12]


class Broadcast(models.Model):
    """One discovered item (a programme, a clip) and where it stands in the pipeline."""

    class Status(models.TextChoices):
        DISCOVERED = "discovered"
        DOWNLOADED = "downloaded"
        TRANSCRIBED = "transcribed"
        INDEXED = "indexed"
        FAILED = "failed"

    class Availability(models.TextChoices):
        UNCHECKED = "unchecked"  # never re-checked since capture
        ONLINE = "online"  # still served, same hash
        GONE = "gone"  # the outlet deleted it (404/410, removed, private)
        RECUT = "recut"  # served again with a different hash: re-cut or replaced

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="broadcasts")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="broadcasts")
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=2000)  # the item page
    media_url = models.URLField(max_length=2000, blank=True)
    title = models.TextField(blank=True)
    description = models.TextField(blank=True)
    program = models.CharField(max_length=300, blank=True)
    # The air date (catalog.aired says how it is shown): ``aired_at`` an instant for
    # sorting and filtering; ``aired_precision`` "day", "minute" or "second" ("" when no
    # date was read, or an old row whose day could not be recovered); ``aired_date`` the
    # day on the outlet's calendar (the printed day when the outlet printed no time);
    # ``aired_tz`` the IANA zone it was read in and is shown in ("" = UTC);
    # ``aired_at_raw`` the text as the page showed it.
    aired_at = models.DateTimeField(null=True, blank=True)
    aired_at_raw = models.CharField(max_length=200, blank=True)
    aired_precision = models.CharField(max_length=6, blank=True, choices=[
        ("day", "day"), ("minute", "minute"), ("second", "second")])
    aired_date = models.DateField(null=True, blank=True)
    aired_tz = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, default="ar")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DISCOVERED)
    failed_stage = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="broadcasts")
    # Live chunks: the air-time window [aired_at, aired_end) and the gaps inside it, as
    # [{"start": iso, "end": iso, "reason": str}, ...]; recorded, never hidden.
    aired_end = models.DateTimeField(null=True, blank=True)
    gaps = models.JSONField(default=list, blank=True)
    # Takedown watch: is the item still online as captured? See crawler.takedown.
    availability = models.CharField(max_length=12, choices=Availability.choices,
                                    default=Availability.UNCHECKED)
    availability_checked_at = models.DateTimeField(null=True, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    discovered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="broadcast_source_key"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["aired_at"])]

    def __str__(self) -> str:
        return f"{self.outlet.name}: {self.title or self.url}"


class Sighting(models.Model):
    """The same recording (the same SHA-256) seen again: by another source, at another URL
    or outlet, or re-uploaded under another id. One recording is one ``Broadcast``; every
    further capture of its bytes is a sighting of it, with the page fields as captured, its
    own evidence files (page snapshot, info.json) and custody events, and is never
    transcribed or indexed again. Keyed by (source, external_id), like a broadcast, so a
    re-crawl adds nothing. ``former_broadcast_id`` is the id the item had as a broadcast
    (custody rows written then keep it); ``catalog.sightings`` writes and merges them."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.PROTECT, related_name="sightings")
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="sightings")
    sha256 = models.CharField(max_length=64)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="sightings")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="sightings")
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=2000)
    media_url = models.URLField(max_length=2000, blank=True)
    title = models.TextField(blank=True)
    description = models.TextField(blank=True)
    program = models.CharField(max_length=300, blank=True)
    aired_at = models.DateTimeField(null=True, blank=True)
    aired_at_raw = models.CharField(max_length=200, blank=True)
    # The air date as this page printed it (as on ``Broadcast``; ``catalog.aired``).
    aired_precision = models.CharField(max_length=6, blank=True, choices=[
        ("day", "day"), ("minute", "minute"), ("second", "second")])
    aired_date = models.DateField(null=True, blank=True)
    aired_tz = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, default="ar")
    discovered_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)  # when its bytes were captured
    former_broadcast_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seen_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="sighting_source_key"),
        ]

    def __str__(self) -> str:
        return f"{self.source.name}: {self.url}"


def _refuse_deleting_custody(sender: type, instance: Broadcast, **kwargs: Any) -> None:
    """Custody rows name broadcasts without a database constraint (see ``CustodyEvent``),
    so the catalog refuses to delete a broadcast they name unless it was merged into
    another as a ``Sighting`` that keeps its id (``catalog.sightings``)."""
    if (CustodyEvent.objects.filter(broadcast_id=instance.pk).exists()
            and not Sighting.objects.filter(former_broadcast_id=instance.pk).exists()):
        raise PermissionError(f"broadcast {instance.pk} has custody events: it is kept "
                              "(merge a duplicate with `raqib broadcasts merge-duplicates`)")


models.signals.pre_delete.connect(_refuse_deleting_custody, sender=Broadcast,
                                  dispatch_uid="catalog-refuse-deleting-custody")


class Transcript(models.Model):
    """One transcription of a broadcast's media by one engine/model (or an import)."""

    TRACK_ASR = "asr"
    TRACK_IMPORT = "import"
    TRACK_CAPTIONS = "captions"  # subtitles the outlet published, found by yt-dlp

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="transcripts")
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="transcripts")
    track = models.CharField(max_length=20, default=TRACK_ASR)
    engine = models.CharField(max_length=40)
    model_id = models.CharField(max_length=300)
    model_sha256 = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict)
    language = models.CharField(max_length=8, blank=True)
    language_probability = models.FloatField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    # Language evidence: Whisper's audio detection and langdetect on the text (seeded),
    # stored separately; ``language_flags`` names disagreements and non-Arabic audio,
    # e.g. ["audio-text-disagree", "non-arabic"].
    detected_language = models.CharField(max_length=8, blank=True)
    text_language = models.CharField(max_length=8, blank=True)
    text_language_probability = models.FloatField(null=True, blank=True)
    language_flags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "track", "model_id"],
                                    name="transcript_key"),
        ]


class Segment(models.Model):
    """A timed stretch of transcript text, stored exactly as the engine produced it."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    number = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    avg_logprob = models.FloatField(null=True, blank=True)
    no_speech_prob = models.FloatField(null=True, blank=True)
    words = models.JSONField(null=True, blank=True)  # [{"start", "end", "word", "p"}, ...]

    class Meta:
        ordering = ["transcript", "number"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "number"], name="segment_key"),
        ]


class CustodyEvent(models.Model):
    """Append-only, hash-chained chain-of-custody and audit record: who/what/when (UTC).

    ``seq`` numbers the chain, ``hash`` is the SHA-256 of the row's content and
    ``prev_hash`` (``catalog.chain``); both are set on save, under a lock so concurrent
    writers never fork the chain. The database refuses UPDATE and DELETE (triggers)."""

    seq = models.BigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, unique=True, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40)  # captured, linked, imported, verified...
    actor = models.CharField(max_length=200)  # a user name or "raqib-worker@host"
    # No database constraint: a duplicate broadcast merged into the recording it repeats
    # (``catalog.sightings``) is deleted, while its custody rows, which can never be
    # rewritten, keep its id; ``Sighting.former_broadcast_id`` resolves it.
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.DO_NOTHING,
                                  db_constraint=False, related_name="custody_events")
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="custody_events")
    sha256 = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    final_url = models.URLField(max_length=2000, blank=True)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(max_length=200, blank=True)
    tool_versions = models.JSONField(default=dict)
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def chained_fields(self) -> dict[str, Any]:
        """The fields the hash covers, as the database gives them back."""
        return {"seq": self.seq, "at": self.at, "action": self.action, "actor": self.actor,
                "broadcast_id": self.broadcast_id, "media_id": self.media_id,
                "sha256": self.sha256, "source_url": self.source_url,
                "final_url": self.final_url, "http_status": self.http_status,
                "host": self.host, "tool_versions": self.tool_versions,
                "details": self.details}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new event whose time the caller left to the default is stamped on save.
        self._stamp_by_database = not args and "at" not in kwargs

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("custody events are append-only")
        from catalog import chain, dbclock

        using = kwargs.get("using") or router.db_for_write(CustodyEvent)
        with transaction.atomic(using=using):
            chain.append_lock(connections[using])
            head = (CustodyEvent.objects.using(using).order_by("-seq")
                    .values("seq", "hash", "at").first())
            if getattr(self, "_stamp_by_database", False):
                # Not given by the caller: the database's clock, so a worker machine minutes
                # off neither back-dates its event past the chain's tolerance nor post-dates
                # it (catalog.dbclock).
                self.at = dbclock.now(using)
            if self.at is None or timezone.is_naive(self.at):
                self.at = timezone.now() if self.at is None else timezone.make_aware(
                    self.at, dt.UTC)
            if head and self.at < head["at"] - chain.BACKDATE_TOLERANCE:
                raise PermissionError(
                    f"custody event dated {self.at.isoformat()} is before the last one "
                    f"({head['at'].isoformat()}): back-dated events are refused")
            self.seq = head["seq"] + 1 if head else 1
            self.prev_hash = head["hash"] if head else chain.GENESIS
            self.tool_versions = chain.json_roundtrip(self.tool_versions or {})
            self.details = chain.json_roundtrip(self.details or {})
            self.at = self.at.astimezone(dt.UTC)
            self.hash = chain.event_hash(self.chained_fields(), self.prev_hash)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("custody events are append-only")


class EvidenceFile(models.Model):
    """A file kept beside a capture: yt-dlp's info.json, a WARC snapshot of the item page,
    captions. Stored untouched under the data dir with its sha256 (``raqib verify``)."""

    KIND_INFO_JSON = "info_json"
    KIND_WARC = "warc"
    KIND_CAPTIONS = "captions"

    broadcast = models.ForeignKey(Broadcast, on_delete=models.PROTECT,
                                  related_name="evidence_files")
    # Set when the file was kept for a sighting of the broadcast's recording (another
    # source's or URL's page snapshot and info.json); empty for the broadcast's own capture.
    sighting = models.ForeignKey("Sighting", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="evidence_files")
    kind = models.CharField(max_length=20)
    path = models.CharField(max_length=500, unique=True)  # relative to the data dir
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["broadcast", "created_at", "id"]


class DroppedSegment(models.Model):
    """A segment the hallucination filter removed from a transcript, kept for review."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE,
                                   related_name="dropped_segments")
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    reason = models.CharField(max_length=200)  # e.g. "subtitle credit", "repetition"
    avg_logprob = models.FloatField(null=True, blank=True)
    no_speech_prob = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "start"]


class TranscriptionChunk(models.Model):
    """A finished chunk of a long transcription, so a killed worker resumes at chunk level.

    Chunks are working state, never searched: the Transcript and its Segments are written
    in one transaction once every chunk is done, and the chunks are then deleted.
    ``run_key`` identifies the run (engine, model, parameters)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE,
                                  related_name="transcription_chunks")
    run_key = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["broadcast", "run_key", "number"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "run_key", "number"],
                                    name="transcription_chunk_key"),
        ]


class Tag(models.Model):
    """A reviewer's label (e.g. "forced-confession", "relative-disowns").

    ``vocabulary`` tags are the leads' list (with labels in both languages); a free-text
    tag a reviewer types is kept as a proposal until a lead promotes it."""

    name = models.CharField(max_length=64, unique=True)
    vocabulary = models.BooleanField(default=False)
    label_ar = models.CharField(max_length=200, blank=True)
    label_en = models.CharField(max_length=200, blank=True)
    promoted_by = models.ForeignKey("auth.User", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Tagging(models.Model):
    """A tag put on a broadcast, optionally on one segment of it, by a reviewer."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="taggings")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="taggings")
    created_by = models.ForeignKey("auth.User", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    # A time range in seconds (a segment range is stored as its first segment and the
    # range it covers); both None for a tag on the whole broadcast or one segment.
    start = models.FloatField(null=True, blank=True)
    end = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "broadcast", "segment", "start", "end"],
                                    name="tagging_key"),
        ]


class Watchlist(models.Model):
    """A monitor's standing query, run against every newly indexed transcript."""

    name = models.CharField(max_length=200)
    query = models.TextField()  # the query language of docs/query-language.md
    owner = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="watchlists")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """A watchlist match: one segment, waiting in the review queue.

    Keyed by (watchlist, broadcast, track, model_id, segment_number) rather than by row
    ids, so reindexing or re-running the same transcription never repeats an alert."""

    class Status(models.TextChoices):
        NEW = "new"
        CONFIRMED = "confirmed"
        DISMISSED = "dismissed"

    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="alerts")
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="alerts")
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="alerts")
    track = models.CharField(max_length=20)
    model_id = models.CharField(max_length=300)
    segment_number = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()  # the segment's text when it matched, untouched
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    reviewed_by = models.ForeignKey("auth.User", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["watchlist", "broadcast", "track", "model_id", "segment_number"],
                name="alert_key"),
        ]


class AlertReview(models.Model):
    """One review of an alert (confirmed or dismissed, by whom, why): the history that
    ``Alert.status``/``note``/``reviewed_by`` summarise as the latest. Append-only."""

    # No database constraint: the history outlives a deleted watchlist's alerts.
    alert = models.ForeignKey(Alert, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="reviews")
    watchlist_id = models.BigIntegerField(null=True)
    broadcast_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=12, choices=Alert.Status.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.DO_NOTHING,
                           db_constraint=False, related_name="+")
    actor = models.CharField(max_length=200)  # the name, kept if the account goes
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("alert reviews are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("alert reviews are append-only")


class WatchlistBacklog(models.Model):
    """A broadcast whose watchlist matching failed (search backend down, say) and waits for
    ``raqib watchlists run --failed``: retry state of its own, deleted once a run succeeds."""

    broadcast = models.OneToOneField(Broadcast, on_delete=models.CASCADE,
                                     related_name="watchlist_backlog")
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["failed_at", "id"]


class Lease(models.Model):
    """A named claim that expires unless its holder renews it (``raqib.leases``): the
    scheduler's leadership (``scheduler``), a broadcast's stage being worked on
    (``broadcast:<id>``) and the last period a periodic job ran in (``tick:<job>``, in
    ``period``). Times are the database server's clock, so a worker whose own clock is
    off cannot take or keep a lease wrongly."""

    key = models.CharField(max_length=200, unique=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)
    period = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} held by {self.holder}"


class AuditAnchor(models.Model):
    """An RFC 3161 timestamp token over one head of the audit chain (``seq`` and its
    ``head_hash``), obtained from a time-stamp authority by ``raqib audit anchor``. The
    token is over ``catalog.chain.anchor_statement(seq, head_hash)``; a rewrite of the chain
    at or below ``seq`` no longer matches it (``raqib audit verify``). Append-only."""

    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    tsa = models.CharField(max_length=2000)  # the TSA's URL as configured
    token = models.BinaryField()  # the DER TimeStampResp, as the TSA sent it
    certificates = models.TextField(blank=True)  # PEM: the certificates the token carries
    gen_time = models.CharField(max_length=100, blank=True)  # as openssl prints it
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq", "id"]
        constraints = [models.UniqueConstraint(fields=["seq", "tsa"],
                                               name="audit_anchor_key")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit anchors are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit anchors are append-only")


class Correction(models.Model):
    """One version of a person's correction of a range of transcript segments.

    The range is one transcript's segments ``first_number``..``last_number`` (inclusive;
    ``start``/``end`` their times in seconds). ``machine_text`` is the machine's text of the
    range when it was corrected (the segments themselves are never changed); ``text`` the
    corrected text. A later correction of the same range is a new row whose ``supersedes``
    names the one it replaces; nothing is updated except ``verified_by``/``verified_at``,
    set once by a second person (``review.corrections.verify``: the two-person rule). The
    rules, the versions and the index updates are in ``review.corrections``; the model is
    here because search (``index``) reads it."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.PROTECT, related_name="corrections")
    transcript = models.ForeignKey(Transcript, on_delete=models.PROTECT,
                                   related_name="corrections")
    first_number = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    machine_text = models.TextField()
    text = models.TextField()
    language = models.CharField(max_length=8, default="ar")
    author = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    verified_by = models.ForeignKey("auth.User", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "first_number", "created_at", "id"]
        indexes = [models.Index(fields=["transcript", "first_number", "last_number"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_number__gte=models.F("first_number")),
                                   name="correction_range_valid"),
        ]

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("corrections are kept: correct again to make a new version")


class Translation(models.Model):
    """A translation (English for UN mechanisms, say) of a corrected range's text, verified
    by a second person like the correction (``review.corrections.translate``/``verify``).
    Versions as for ``Correction``: a new row ``supersedes`` the previous one."""

    correction = models.ForeignKey(Correction, on_delete=models.PROTECT,
                                   related_name="translations")
    language = models.CharField(max_length=8, default="en")
    text = models.TextField()
    author = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    verified_by = models.ForeignKey("auth.User", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["correction", "language", "created_at", "id"]

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("translations are kept: translate again to make a new version")
