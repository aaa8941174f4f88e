"""Alerts: the review queue that watchlist matches feed.

``create_alerts`` turns (watchlist, segment) matches into ``Alert`` rows, keyed so that a
re-run never repeats one, and queues the ``alert.created`` webhook with each new one
(``review.webhooks``); ``review_alert`` confirms or dismisses one (audited, and kept as
an append-only ``AlertReview`` row: the alert's status/note/reviewer are only the latest);
``alert_json`` is the stable JSON of ``raqib alerts list``. To add a review outcome: add it
to ``Alert.Status`` (catalog) and accept it in ``review_alert``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog import audit
from catalog.aired import AirDate
from catalog.models import Alert, AlertReview, Segment, Watchlist
from review.errors import RuleError
from review.webhooks import alert_payload, emit

log = logging.getLogger("raqib.review.alerts")


class AlertError(RuleError, ValueError):
    """An alert review that cannot be made as asked; the message says why."""


def create_alerts(pairs: Iterable[tuple[Watchlist, Segment]]) -> list[Alert]:
    """One Alert per (watchlist, segment) unless its key exists already; return the new ones."""

    created = []
    for watchlist, segment in pairs:
        transcript = segment.transcript
        key = {"watchlist": watchlist, "broadcast_id": transcript.broadcast_id,
               "track": transcript.track, "model_id": transcript.model_id,
               "segment_number": segment.number}
        try:
            with transaction.atomic():
                alert, new = Alert.objects.get_or_create(**key, defaults={
                    "segment": segment, "start": segment.start, "end": segment.end,
                    "text": segment.text})
                if new:  # the outbox row commits (or not) with the alert
                    emit("alert.created", alert_payload(alert))
        except IntegrityError:  # a concurrent worker created it first
            continue
        if new:
            created.append(alert)
    return created


def create_correction_alert(watchlist: Watchlist, correction: Any, track: str) -> Alert | None:
    """One alert for a watchlist matching a corrected range's text (``review.watchlists.
    run_on_correction``), keyed on the range's first segment and ``track``; None when the
    key exists already."""
    transcript = correction.transcript
    segment = Segment.objects.filter(transcript=transcript,
                                     number=correction.first_number).first()
    key = {"watchlist": watchlist, "broadcast_id": correction.broadcast_id, "track": track,
           "model_id": transcript.model_id, "segment_number": correction.first_number}
    try:
        with transaction.atomic():
            alert, new = Alert.objects.get_or_create(**key, defaults={
                "segment": segment, "start": correction.start, "end": correction.end,
                "text": correction.text})
    except IntegrityError:
        return None
    return alert if new else None


def review_alert(alert: Alert, status: str, *, user: Any = None, note: str = "") -> Alert:
    """Confirm or dismiss an alert (again: a later review becomes the alert's status, the
    earlier ones stay in ``alert.reviews``)."""

    if status not in (Alert.Status.CONFIRMED, Alert.Status.DISMISSED):
        raise AlertError(_("an alert can be confirmed or dismissed, not %(status)s"),
                         status=repr(status))
    with transaction.atomic():
        alert.status = status
        alert.note = (note or "").strip()[:4000]
        alert.reviewed_by = user if user is not None and user.is_authenticated else None
        alert.reviewed_at = timezone.now()
        alert.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
        review = AlertReview.objects.create(
            alert=alert, watchlist_id=alert.watchlist_id, broadcast_id=alert.broadcast_id,
            status=status, note=alert.note, by=alert.reviewed_by,
            actor=audit.actor_name(user), at=alert.reviewed_at)
        audit.record(f"alert-{status}", user, broadcast=alert.broadcast,
                     details={"alert": alert.pk, "alert_review": review.pk,
                              "watchlist": alert.watchlist_id,
                              "segment_number": alert.segment_number, "start": alert.start,
                              "note": alert.note})
    log.info("alert reviewed", extra={"alert": alert.pk, "status": status,
                                      "user": getattr(user, "username", "")})
    return alert


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as stable JSON (CLI ``--format json``)."""
    broadcast = alert.broadcast
    return {"id": alert.pk, "status": alert.status, "watchlist": alert.watchlist.name,
            "watchlist_id": alert.watchlist_id, "broadcast_id": broadcast.pk,
            "outlet": broadcast.outlet.name, "title": broadcast.title,
            "aired_at": AirDate.of(broadcast).iso(),
            "track": alert.track, "model_id": alert.model_id,
            "segment_number": alert.segment_number, "segment_id": alert.segment_id,
            "start": alert.start, "end": alert.end, "text": alert.text,
            "note": alert.note,
            "reviewed_by": alert.reviewed_by.get_username() if alert.reviewed_by else None,
            "reviewed_at": alert.reviewed_at.isoformat() if alert.reviewed_at else None,
            "reviews": [{"status": r.status, "note": r.note, "by": r.actor,
                         "at": r.at.isoformat()} for r in alert.reviews.order_by("at", "id")],
            "created_at": alert.created_at.isoformat()}


