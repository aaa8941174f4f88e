"""The catalog: the relational system of record.

Outlet → Source → Broadcast → MediaFile (evidence, keyed by sha256) → Transcript → Segment,
plus the append-only ``CustodyEvent`` log. Every stage is keyed so a retry never
duplicates: a broadcast by (source, external_id), a media file by sha256, a transcript by
(broadcast, track, model_id) and a segment by (transcript, number).

To add a field: change the model, run ``raqib manage makemigrations raqib`` and commit the
migration.
"""

from __future__ import annotations

from django.db import models
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

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="broadcasts")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="broadcasts")
    external_id = models.CharField(max_length=500)
    url = models.URLField(max_length=2000)  # the item page
    media_url = models.URLField(max_length=2000, blank=True)
    title = models.TextField(blank=True)
    description = models.TextField(blank=True)
    program = models.CharField(max_length=300, blank=True)
    aired_at = models.DateTimeField(null=True, blank=True)
    aired_at_raw = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, default="ar")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DISCOVERED)
    failed_stage = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="broadcasts")
    discovered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="broadcast_source_key"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["aired_at"])]

    def __str__(self) -> str:
        return f"{self.outlet.name}: {self.title or self.url}"


class Transcript(models.Model):
    """One transcription of a broadcast's media by one engine/model (or an import)."""

    TRACK_ASR = "asr"
    TRACK_IMPORT = "import"

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

    class Meta:
        ordering = ["transcript", "number"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "number"], name="segment_key"),
        ]


class CustodyEvent(models.Model):
    """Append-only chain-of-custody record: who/what/when for every capture (UTC)."""

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40)  # captured, linked, imported, verified...
    actor = models.CharField(max_length=200)  # a user name or "raqib-worker@host"
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="custody_events")
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

    def save(self, *args, **kwargs):  # noqa: ANN002, ANN003 - Django signature
        if self.pk is not None:
            raise PermissionError("custody events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise PermissionError("custody events are append-only")
