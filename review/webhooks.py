"""Outbound webhooks: a JSON event, signed, to each receiver of ``[[webhooks]]``.

Two events: ``incident.confirmed`` (``review.workflow.set_status``, when a lead confirms)
and ``alert.created`` (``review.alerts.create_alerts``, each new alert). ``emit`` writes one
``WebhookDelivery`` row per receiver that takes the event, in the same database
transaction as the change: a change that rolls back sends nothing, and one that commits
is never lost, whatever happens to the process or the receiver afterwards (the outbox).

``send_due`` (the scheduler's ``webhooks`` job, ``raqib webhooks send``) POSTs every due
delivery with the headers ``X-Raqib-Event``, ``X-Raqib-Delivery`` (the delivery's UUID, the
same on every retry), ``X-Raqib-Timestamp`` (Unix seconds) and ``X-Raqib-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the receiver's secret>``. A 2xx
answer delivers it; anything else (another status, a redirect, which is never followed, a
timeout, a refused connection) is an attempt that failed, and the next one waits
``RETRY_BASE`` doubled per failure up to ``RETRY_CAP``: a receiver that is down gets the
event when it is back. Every attempt is a ``WebhookAttempt`` row (status code, error,
duration) and a log line. A delivery is claimed before it is sent (its next attempt moved
past the timeout), so two senders never post it at the same time.

Payloads follow the public profile (``review.evidence.redact``): no staff names; an
incident's title and notes only when a lead marked that exact text public (and it names no
account: then it is left out, as the package would refuse it); a restricted
person's name withheld; a restricted incident reduced to its id, status and times; an
alert carries the outlet's words (broadcast title, URL, the matched segment's text) and the
watchlist's id, never its name or query (staff text). To add an event: its name in
``raqib.webhooks_schema.EVENTS``, a payload function here and an ``emit`` call in the rule
that makes the change, then ``docs/interop.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.aired import AirDate
from review.evidence.redact import WITHHELD_NAME, _Accounts
from review.incidents import public_marks
from review.models import Incident, WebhookAttempt, WebhookDelivery

log = logging.getLogger("raqib.review.webhooks")
EVENTS = ("incident.confirmed", "alert.created")
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
USER_AGENT = "Raqib-Webhooks/1"
BATCH = 50


def receivers() -> list[dict[str, Any]]:
    """The configured receivers (``raqib.toml`` ``[[webhooks]]``, read at start-up)."""
    return list(getattr(settings.CONFIG, "webhooks", None) or [])


def emit(event: str, data: dict[str, Any], hooks: list[dict[str, Any]] | None = None
         ) -> list[WebhookDelivery]:
    """Queue ``event`` for every receiver that takes it, in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    takers = [h for h in (receivers() if hooks is None else hooks) if event in h["events"]]
    if not takers:
        return []
    event_id, now = uuid.uuid4(), timezone.now()
    body = json.dumps({"id": str(event_id), "type": event, "created_at": now.isoformat(),
                       "data": data}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return [WebhookDelivery.objects.create(
        delivery_id=uuid.uuid4(), event_id=event_id, event=event, webhook=h["name"],
        body=body, next_attempt_at=now, created_at=now) for h in takers]


def incident_payload(incident: Incident) -> dict[str, Any]:
    """An incident as a webhook carries it (the public profile; see the module doc)."""
    base = {"id": incident.pk, "status": incident.status, "restricted": incident.restricted,
            "status_changed_at": incident.status_changed_at.isoformat()}
    if incident.restricted:
        return {"incident": base}
    marks, accounts = public_marks(incident), _Accounts()

    def public(field: str) -> str | None:
        mark, text = marks.get((field, None)), getattr(incident, field)
        if not (text and mark and mark.public and mark.text == text):
            return None
        return None if accounts.named_in(text) else text  # never an account's name

    people = [{"name": WITHHELD_NAME if p.person.restricted else p.person.name,
               "kind": p.person.kind, "role": p.role, "relation": p.relation,
               "targeted_name": (None if p.targeted is None else WITHHELD_NAME
                                 if p.targeted.restricted else p.targeted.name)}
              for p in incident.people.select_related("person", "targeted")]
    clips = [{"broadcast_id": c.broadcast_id, "start": c.start, "end": c.end,
              "outlet": c.broadcast.outlet.name, "url": c.broadcast.url,
              "aired_at": AirDate.of(c.broadcast).iso()}
             for c in incident.clips.select_related("broadcast__outlet").order_by("id")]
    return {"incident": {
        **base, "title": public("title"), "notes": public("notes"),
        "outlet": incident.outlet.name if incident.outlet else None,
        "programme": incident.programme,
        "first_aired": incident.first_aired.isoformat() if incident.first_aired else None,
        "signs": sorted(incident.signs.values_list("code", flat=True)),
        "persons": people, "clips": clips}}


def alert_payload(alert: Any) -> dict[str, Any]:
    """A new alert as a webhook carries it: the outlet's words, not the watchlist's."""
    broadcast = alert.broadcast
    return {"alert": {"id": alert.pk, "watchlist_id": alert.watchlist_id,
                      "broadcast_id": broadcast.pk, "outlet": broadcast.outlet.name,
                      "broadcast_title": broadcast.title, "url": broadcast.url,
                      "aired_at": AirDate.of(broadcast).iso(), "track": alert.track,
                      "segment_number": alert.segment_number, "start": alert.start,
                      "end": alert.end, "text": alert.text,
                      "created_at": alert.created_at.isoformat()}}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Raqib-Signature`` value: ``sha256=`` and the hex HMAC of ``ts.body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx stays an answer (a failed attempt), never followed


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(hook: dict[str, Any], delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = delivery.body.encode("utf-8")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(hook["url"], data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Raqib-Event": delivery.event, "X-Raqib-Delivery": str(delivery.delivery_id),
        "X-Raqib-Timestamp": timestamp,
        "X-Raqib-Signature": signature(hook["secret"], timestamp, body)})
    try:
        with _OPENER.open(request, timeout=hook["timeout"]) as response:
            response.read(65536)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}" + (
            " (redirect not followed)" if 300 <= exc.code < 400 else "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"[:500]


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 30 s, 1 min, 2 min, ... up to 1 h."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def _claim(delivery: WebhookDelivery, hook: dict[str, Any], now: datetime) -> bool:
    hold = now + timedelta(seconds=hook["timeout"] + 30)
    return bool(WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING,
        next_attempt_at=delivery.next_attempt_at).update(next_attempt_at=hold))


def attempt(delivery: WebhookDelivery, hook: dict[str, Any]) -> WebhookAttempt:
    """POST one delivery once, record the attempt and set what comes next."""
    started = time.monotonic()
    code, error = _post(hook, delivery)
    duration = round((time.monotonic() - started) * 1000, 1)
    ok = code is not None and 200 <= code < 300
    now = timezone.now()
    with transaction.atomic():
        delivery.attempts += 1
        if ok:
            delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
            delivery.last_error = ""
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            delivery.last_error = error or f"HTTP {code}"
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at",
                                     "last_error"])
        row = WebhookAttempt.objects.create(delivery=delivery, number=delivery.attempts,
                                            at=now, status_code=code, ok=ok,
                                            error=error, duration_ms=duration)
    (log.info if ok else log.warning)(
        "webhook delivered" if ok else "webhook attempt failed", extra={
            "webhook": delivery.webhook, "event": delivery.event,
            "delivery": str(delivery.delivery_id), "attempt": delivery.attempts,
            "status_code": code, "error": error, "duration_ms": duration,
            **({} if ok else {"next_attempt_at": delivery.next_attempt_at.isoformat()})})
    return row


def send_due(hooks: list[dict[str, Any]] | None = None, *, now: datetime | None = None,
             limit: int = BATCH) -> list[WebhookAttempt]:
    """Attempt every due delivery (to a receiver still configured), oldest first."""
    by_name = {h["name"]: h for h in (receivers() if hooks is None else hooks)}
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
        webhook__in=list(by_name)).order_by("next_attempt_at", "id")[:limit])
    return [attempt(d, by_name[d.webhook]) for d in due if _claim(d, by_name[d.webhook], now)]


def delivery_json(delivery: WebhookDelivery, *, with_attempts: bool = True) -> dict[str, Any]:
    """A delivery as stable JSON (``raqib webhooks deliveries``, the admin page)."""
    data = {"id": delivery.pk, "delivery_id": str(delivery.delivery_id),
            "event_id": str(delivery.event_id), "event": delivery.event,
            "webhook": delivery.webhook, "status": delivery.status,
            "attempts": delivery.attempts, "last_error": delivery.last_error,
            "created_at": delivery.created_at.isoformat(),
            "next_attempt_at": (delivery.next_attempt_at.isoformat()
                                if delivery.status == WebhookDelivery.Status.PENDING else None),
            "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at
            else None}
    if with_attempts:
        data["attempt_log"] = [
            {"number": a.number, "at": a.at.isoformat(), "status_code": a.status_code,
             "ok": a.ok, "error": a.error, "duration_ms": a.duration_ms}
            for a in delivery.attempt_log.all()]
    return data


def shown_url(url: str) -> str:
    """The URL without credentials or query (where a receiver might keep a token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def receivers_json(hooks: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The receivers without their secrets, with their deliveries counted."""
    rows = []
    for hook in receivers() if hooks is None else hooks:
        mine = WebhookDelivery.objects.filter(webhook=hook["name"])
        rows.append({"name": hook["name"], "url": shown_url(hook["url"]), "events": hook["events"],
                     "timeout": hook["timeout"],
                     "pending": mine.filter(status=WebhookDelivery.Status.PENDING).count(),
                     "delivered": mine.filter(status=WebhookDelivery.Status.DELIVERED).count(),
                     "failing": mine.filter(status=WebhookDelivery.Status.PENDING,
                                            attempts__gt=0).count()})
    return rows


def recent_deliveries(*, webhook: str | None = None, status: str | None = None,
                      limit: int = 100) -> list[WebhookDelivery]:
    rows = WebhookDelivery.objects.prefetch_related("attempt_log")
    if webhook:
        rows = rows.filter(webhook=webhook)
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-created_at", "-id")[:limit])
