"""The records reviewers document: persons, incidents, their clips, signs of coercion,
assessments and the history of every change.

An *incident* is one documented forced appearance: who was put on air (``IncidentPerson``,
each with a role, a relation and the *targeted person*, the activist the appearance is aimed
at), where (``Clip``: a broadcast and a time range, several for re-airings), the coded signs
of coercion (``CoercionSign``, a vocabulary leads maintain), the assessments (the proposer's
and the confirming lead's blind one, both kept) and the status workflow of
``review.incidents``. Nothing here is ever deleted: ``IncidentEvent`` rows are append-only
and a withdrawn incident is ``dismissed`` with a reason.

Names are stored exactly as captured; ``Person.search_key`` holds the Arabic-normalised
forms of the name, its variants and the Latin transliteration, for search only.

To add a field: add it here, run ``raqib manage makemigrations review``, expose it in
``review.incidents`` (``incident_json``) and in the screens that edit it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.models import Broadcast, Outlet


class Person(models.Model):
    """Someone who appears on air or at whom an appearance is aimed."""

    class Kind(models.TextChoices):
        DETAINEE = "detainee", "معتقل · detainee"
        RELATIVE = "relative", "قريب · relative"
        WITNESS = "witness", "شاهد · witness"
        OFFICIAL = "official", "مسؤول · official"
        PRESENTER = "presenter", "مقدّم · presenter"
        ACTIVIST = "activist", "ناشط · activist"
        OTHER = "other", "آخر · other"

    name = models.CharField(max_length=300)  # as captured, never normalised
    variants = models.JSONField(default=list, blank=True)  # other spellings, as captured
    latin = models.CharField(max_length=300, blank=True)  # a Latin transliteration
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    restricted = models.BooleanField(default=False)
    # The date of the person's public act (testimony, a publication), when known.
    public_act_on = models.DateField(null=True, blank=True)
    public_act = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    search_key = models.TextField(blank=True, editable=False)  # normalised, search only
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def all_names(self) -> list[str]:
        return [self.name, *self.variants, *([self.latin] if self.latin else [])]


class CoercionSign(models.Model):
    """One coded sign of coercion (reads a script, visible injuries...); leads keep the list."""

    code = models.SlugField(max_length=64, unique=True)
    label_ar = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Incident(models.Model):
    """A documented forced appearance, under the two-person rule."""

    class Status(models.TextChoices):
        SUSPECTED = "suspected", "مشتبه · suspected"
        UNDER_REVIEW = "under_review", "قيد المراجعة · under review"
        CONFIRMED = "confirmed", "مؤكّد · confirmed"
        DISMISSED = "dismissed", "مرفوض · dismissed"

    class Confidence(models.TextChoices):
        LOW = "low", "منخفضة · low"
        MEDIUM = "medium", "متوسطة · medium"
        HIGH = "high", "عالية · high"

    title = models.CharField(max_length=300)
    outlet = models.ForeignKey(Outlet, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="incidents")
    programme = models.CharField(max_length=300, blank=True)
    first_aired = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.SUSPECTED)
    notes = models.TextField(blank=True)
    confidence = models.CharField(max_length=8, choices=Confidence.choices,
                                  default=Confidence.MEDIUM)  # the proposer's
    signs = models.ManyToManyField(CoercionSign, blank=True, related_name="incidents")
    restricted = models.BooleanField(default=False)  # also set when a person is restricted
    version = models.PositiveIntegerField(default=1)  # optimistic locking
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="incidents_proposed")
    last_edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    assigned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                      related_name="incidents_assigned")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "status_changed_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class IncidentPerson(models.Model):
    """A person on air in an incident: the role, and the relation to the targeted person."""

    class Role(models.TextChoices):
        CONFESSES = "confesses", "يعترف · confesses"
        DISOWNS = "disowns", "يتبرّأ · disowns a relative"
        DENIES = "denies", "ينكر · denies documented crimes"
        TESTIFIES = "testifies", "يشهد · testifies against someone"
        OTHER = "other", "آخر · other"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appearances")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.OTHER)
    relation = models.CharField(max_length=100, blank=True)  # "father of", "أخ"...
    targeted = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="targeted_in")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"],
                                               name="incident_person_key")]


class Clip(models.Model):
    """Evidence of an incident: a broadcast and a start-end range in seconds."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="clips")
    broadcast = models.ForeignKey(Broadcast, on_delete=models.PROTECT,
                                  related_name="incident_clips")
    start = models.FloatField()
    end = models.FloatField()
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "broadcast", "start", "end"],
                                    name="clip_key"),
            models.CheckConstraint(condition=models.Q(start__gte=0)
                                   & models.Q(end__gt=models.F("start")),
                                   name="clip_range_valid"),
        ]


class Assessment(models.Model):
    """One person's judgement of an incident: the proposer's, or a lead's blind second one."""

    class Kind(models.TextChoices):
        PROPOSER = "proposer"
        SECOND = "second"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confidence = models.CharField(max_length=8, choices=Incident.Confidence.choices)
    signs = models.ManyToManyField(CoercionSign, blank=True, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class IncidentEvent(models.Model):
    """Append-only history of an incident: every proposal, edit, assessment and status change."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30)  # proposed, edited, clip-added, status-changed...
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("incident history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("incident history is append-only")


class PublicText(models.Model):
    """A lead's decision that one free text of an incident (its title, its notes, or the
    reason of one history event) may appear in a public evidence package, or no longer may.

    Each decision is a new row (the latest for a text wins; none are changed or deleted).
    ``text`` is the exact text the lead saw: a text edited since is not public until a lead
    marks it again (``review.evidence.redact``)."""

    class Field(models.TextChoices):
        TITLE = "title"
        NOTES = "notes"
        REASON = "reason"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="public_texts")
    field = models.CharField(max_length=8, choices=Field.choices)
    event = models.ForeignKey(IncidentEvent, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")  # the event whose reason (field "reason")
    text = models.TextField(blank=True)
    public = models.BooleanField(default=True)  # False: a lead withdrew the mark
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class WebhookDelivery(models.Model):
    """The outbox of outbound webhooks: one event for one configured receiver
    (``[[webhooks]]`` by name), written in the same transaction as the change it reports
    (``review.webhooks.emit``), then posted by the scheduler's sender until a receiver
    answers 2xx. ``body`` is the exact JSON sent on every attempt (the signature covers
    it); ``delivery_id`` is the ``X-Raqib-Delivery`` header, the same on every retry so a
    receiver can drop a repeat."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"

    delivery_id = models.UUIDField(unique=True)
    event_id = models.UUIDField()  # the same for every receiver of one event
    event = models.CharField(max_length=40)  # incident.confirmed, alert.created
    webhook = models.CharField(max_length=200)  # the receiver's name in raqib.toml
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [models.UniqueConstraint(fields=["event_id", "webhook"],
                                               name="webhook_delivery_key")]


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the HTTP status (None when no answer), the error and
    how long it took. Kept for every attempt, delivered or not."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    duration_ms = models.FloatField()

    class Meta:
        ordering = ["at", "id"]
