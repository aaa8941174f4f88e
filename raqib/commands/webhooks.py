"""``raqib webhooks list|deliveries|send``: the outbox of outbound webhooks, for operators.

Reads ``review.webhooks`` (the rules) and ``settings.CONFIG.webhooks`` (``raqib.toml``);
never prints a receiver's secret, nor the credentials or query of its URL. ``send`` exits 1
when an attempt failed (the delivery stays pending and is retried with back-off).
"""

from __future__ import annotations

import argparse

from django.conf import settings

from raqib.commands.output import emit
from review import webhooks


def list_command(args: argparse.Namespace) -> int:
    rows = webhooks.receivers_json(settings.CONFIG.webhooks)
    emit(args, rows, ["name", "url", "events", "pending", "delivered", "failing"],
         notes=f"{len(rows)} receiver(s)")
    return 0


def deliveries_command(args: argparse.Namespace) -> int:
    rows = [webhooks.delivery_json(d) for d in webhooks.recent_deliveries(
        webhook=args.webhook, status=args.status, limit=args.limit or 100)]
    emit(args, rows, ["id", "webhook", "event", "status", "attempts", "created_at",
                      "last_error"], notes=f"{len(rows)} delivery(s)")
    return 0


def send_command(args: argparse.Namespace) -> int:
    attempts = webhooks.send_due(settings.CONFIG.webhooks)
    rows = [{"delivery": str(a.delivery.delivery_id), "webhook": a.delivery.webhook,
             "event": a.delivery.event, "attempt": a.number, "ok": a.ok,
             "status_code": a.status_code, "error": a.error, "duration_ms": a.duration_ms}
            for a in attempts]
    emit(args, rows, ["webhook", "event", "attempt", "ok", "status_code", "error"],
         notes=f"{len(rows)} attempt(s)")
    return 1 if any(not r["ok"] for r in rows) else 0
