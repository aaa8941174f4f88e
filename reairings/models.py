"""Tables of re-airing detection and on-screen names.

``Fingerprint``: one broadcast's Chromaprint raw fingerprint (32-bit items, little-endian,
``item_seconds`` apart). ``FingerprintPosting``: the inverted index, one row per indexed item
(sub-hash ``key`` → broadcast and item position), so matching looks up the new broadcast's
keys instead of scanning the archive. ``Reairing``: a stretch of one broadcast found inside
another, with both ranges, a score and a review status; stored once per pair
(``broadcast`` is the lower id). ``ScreenName``: a known person whose name was read on
screen, suggested as an appearance. To add a field: here, then ``makemigrations reairings``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.models import Broadcast, MediaFile


class Fingerprint(models.Model):
    broadcast = models.OneToOneField(Broadcast, on_delete=models.CASCADE,
                                     related_name="fingerprint")
    media = models.ForeignKey(MediaFile, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    item_seconds = models.FloatField()  # time base: item i starts at i * item_seconds
    duration = models.FloatField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)
    data = models.BinaryField()  # uint32 little-endian, one per item
    tool = models.CharField(max_length=100, blank=True)  # "fpcalc 1.5.1"
    matched_at = models.DateTimeField(null=True, blank=True)  # last match against the archive
    created_at = models.DateTimeField(default=timezone.now)


class FingerprintPosting(models.Model):
    key = models.IntegerField()  # the sub-hash at this position (matching.sub_hashes)
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["key"], name="fp_posting_key")]


class Reairing(models.Model):
    class Status(models.TextChoices):
        SUGGESTED = "suggested", "suggested"
        LINKED = "linked", "linked (score above the link threshold)"
        ACCEPTED = "accepted", "accepted by a reviewer"
        REJECTED = "rejected", "rejected by a reviewer"

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="+")
    start = models.FloatField()
    end = models.FloatField()
    other = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="+")
    other_start = models.FloatField()
    other_end = models.FloatField()
    score = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["broadcast", "other"], name="reairing_pair")]


class ScreenName(models.Model):
    """A known person's name read on screen (OCR), suggested as their appearance."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "suggested"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("review.Person", on_delete=models.CASCADE, related_name="+")
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()  # the on-screen line exactly as read
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUGGESTED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["broadcast", "person", "start"],
                                               name="screen_name_key")]
