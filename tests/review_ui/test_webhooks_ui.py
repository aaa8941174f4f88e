"""The admin Webhooks page (``/webhooks/``): admins only (the authorization matrix walks it
with every role), in Arabic by default, every attempt of every delivery shown, and never a
receiver's secret or the query of its URL."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.test import Client
from ui_helpers import login_client, make_broadcast, make_user

from review import incidents as inc
from review import webhooks, workflow
from review.models import WebhookDelivery

SECRET = "a-long-shared-secret-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def failed_delivery(db, monkeypatch) -> WebhookDelivery:
    hooks = [{"name": "شريك", "url": f"http://127.0.0.1:{_free_port()}/h?token=t0k3n",
              "secret": SECRET, "events": list(webhooks.EVENTS), "timeout": 2.0}]
    monkeypatch.setattr(settings.CONFIG, "webhooks", hooks)
    broadcast = make_broadcast()
    rev, lead = make_user("rev", "reviewer"), make_user("lead", "lead")
    incident = inc.propose(rev, broadcast_id=broadcast.pk, start="1", end="3", title="حادثة")
    workflow.set_status(incident.pk, rev, "under_review")
    workflow.set_status(incident.pk, lead, "confirmed", confidence="high")
    webhooks.send_due()  # nothing listens: one failed attempt
    return WebhookDelivery.objects.get()


def test_admin_sees_receivers_deliveries_and_attempts(failed_delivery) -> None:
    client = login_client(Client(), make_user("boss", "admin"))
    page = client.get("/webhooks/").content.decode()
    assert "<h1>خطافات الويب</h1>" in page and "<bdi>شريك</bdi>" in page
    assert f'data-delivery="{failed_delivery.delivery_id}"' in page
    assert "incident.confirmed" in page and "بانتظار التسليم" in page
    assert failed_delivery.last_error and failed_delivery.last_error.split(":")[0] in page
    assert SECRET not in page and "t0k3n" not in page
    pending = client.get("/webhooks/?status=delivered").content.decode()
    assert str(failed_delivery.delivery_id) not in pending


@pytest.mark.parametrize("role", ["viewer", "reviewer", "lead"])
def test_below_admin_is_refused(db, role: str) -> None:
    client = login_client(Client(), make_user(f"u-{role}", role))
    assert client.get("/webhooks/").status_code == 403
    assert client.post("/webhooks/").status_code in (403, 405)
