"""Outbound webhooks against a real local HTTP receiver: an event written with the change
(and not without it), a receiver that is down and then fails loses nothing and gets the
event exactly once, with a signature the receiver verifies as the docs say; redirects are
not followed; payloads carry no staff names and no text not marked public; the config
schema refuses malformed ``[[webhooks]]``; the CLI shows every attempt (the admin page:
``tests/review_ui/test_webhooks_ui.py``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from catalog.models import Broadcast, MediaFile, Outlet, Segment, Source, Transcript, Watchlist
from raqib import scheduler, webhooks_schema
from raqib.cli import main
from raqib.config import ConfigError, load_config
from review import alerts, webhooks, workflow
from review import incidents as inc
from review.models import WebhookDelivery

SECRET = "a-long-shared-secret-0123456789"
TITLE = "والد د. أماني بلور يتبرأ منها"
SEGMENT = "أنا أتبرأ من ابنتي أمام الجميع"


class Receiver:
    """A local HTTP receiver: ``mode`` is the answer (an int status, or "redirect")."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}  # by X-Raqib-Delivery, as a receiver dedupes
        self.mode: object = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append({"path": self.path, "headers": dict(self.headers),
                                       "body": body})
                if owner.mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "/elsewhere")
                else:
                    self.send_response(int(owner.mode))
                    if 200 <= int(owner.mode) < 300:
                        owner.accepted.setdefault(self.headers["X-Raqib-Delivery"],
                                                  json.loads(body))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (docs/interop.md): recompute the HMAC over "<ts>.<body>"."""
    timestamp = headers["X-Raqib-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(expected, headers["X-Raqib-Signature"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hook(port: int, events: tuple[str, ...] = webhooks.EVENTS) -> dict:
    return {"name": "partner", "url": f"http://127.0.0.1:{port}/hook?token=t0k3n",
            "secret": SECRET, "events": list(events), "timeout": 3.0}


def _user(name: str, role: str):
    user = get_user_model().objects.create_user(name, password="unused-pass-1234")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def world(db) -> dict:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="html")
    media = MediaFile.objects.create(sha256="c" * 64, path="m.mp4", size=1, duration=1800.0)
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="ep",
                                         url="https://example.org/ep", media=media,
                                         title="من النفق إلى النور")
    return {"rev": _user("rev", "reviewer"), "lead1": _user("lead1", "lead"),
            "broadcast": broadcast}


def _confirm(world: dict) -> int:
    incident = inc.propose(world["rev"], broadcast_id=world["broadcast"].pk, start="12:40",
                           end="14:05", title=TITLE, notes="مصدر سري")
    workflow.set_status(incident.pk, world["rev"], "under_review")
    workflow.set_status(incident.pk, world["lead1"], "confirmed", confidence="high")
    return incident.pk


def test_down_then_failing_receiver_gets_the_event_exactly_once_signed(world, monkeypatch):
    port = _free_port()  # nothing listens there yet: the receiver is down
    hooks = [hook(port)]
    monkeypatch.setattr(settings.CONFIG, "webhooks", hooks)
    incident_id = _confirm(world)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "incident.confirmed" and delivery.status == "pending"

    [down] = webhooks.send_due(hooks)
    assert not down.ok and down.status_code is None and "Connection" in down.error
    assert webhooks.send_due(hooks) == []  # backing off: not due yet
    receiver = Receiver(port)  # the receiver comes up, answering 503 at first
    try:
        receiver.mode = 503
        later = timezone.now() + timedelta(minutes=2)
        [failed] = webhooks.send_due(hooks, now=later)
        assert failed.status_code == 503 and not failed.ok
        receiver.mode = 200
        [ok] = webhooks.send_due(hooks, now=later + timedelta(hours=2))
        assert ok.ok and ok.status_code == 200
        assert webhooks.send_due(hooks, now=later + timedelta(days=3)) == []
    finally:
        receiver.close()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    log = list(delivery.attempt_log.values_list("number", "status_code", "ok"))
    assert log == [(1, None, False), (2, 503, False), (3, 200, True)]
    assert all(a.duration_ms >= 0 for a in delivery.attempt_log.all())
    # Exactly once accepted, and every request (the 503 too) verifiably signed.
    assert len(receiver.accepted) == 1 and len(receiver.requests) == 2
    for request in receiver.requests:
        assert verify(SECRET, request["headers"], request["body"])
        assert not verify("another-secret-0123456789", request["headers"], request["body"])
        assert request["headers"]["X-Raqib-Event"] == "incident.confirmed"
        assert request["headers"]["X-Raqib-Delivery"] == str(delivery.delivery_id)
        assert request["path"] == "/hook?token=t0k3n"
    tampered = receiver.requests[-1]["body"].replace(b"confirmed", b"dismissed")
    assert not verify(SECRET, receiver.requests[-1]["headers"], tampered)
    event = next(iter(receiver.accepted.values()))
    assert event["type"] == "incident.confirmed"
    data = event["data"]["incident"]
    assert data["id"] == incident_id and data["status"] == "confirmed"
    assert data["title"] is None and data["notes"] is None  # not marked public
    body = receiver.requests[-1]["body"].decode()
    for secret_text in ("rev", "lead1", TITLE, "مصدر سري"):
        assert secret_text not in body


def test_a_title_marked_public_travels_exactly(world, monkeypatch) -> None:
    hooks = [hook(_free_port())]
    monkeypatch.setattr(settings.CONFIG, "webhooks", hooks)
    incident = inc.propose(world["rev"], broadcast_id=world["broadcast"].pk, start="1",
                           end="9", title=TITLE)
    workflow.set_status(incident.pk, world["rev"], "under_review")
    inc.mark_public(incident.pk, _user("lead2", "lead"), "title")
    workflow.set_status(incident.pk, world["lead1"], "confirmed", confidence="low")
    data = json.loads(WebhookDelivery.objects.get().body)["data"]["incident"]
    assert data["title"] == TITLE and data["outlet"] == "الإخبارية السورية"
    assert data["clips"][0]["url"] == "https://example.org/ep"


def test_no_event_without_the_change_and_none_for_other_statuses(world, monkeypatch):
    monkeypatch.setattr(settings.CONFIG, "webhooks", [hook(_free_port())])
    incident = inc.propose(world["rev"], broadcast_id=world["broadcast"].pk, start="1",
                           end="9", title="x")
    workflow.set_status(incident.pk, world["rev"], "under_review")
    assert not WebhookDelivery.objects.exists()  # only a confirmation is an event
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.set_status(incident.pk, world["lead1"], "confirmed", confidence="high")
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the change rolls back")
    assert not WebhookDelivery.objects.exists()


def test_a_new_alert_is_an_event_with_the_outlets_words_not_the_watchlist(world,
                                                                          monkeypatch):
    monkeypatch.setattr(settings.CONFIG, "webhooks", [hook(_free_port(), ("alert.created",))])
    transcript = Transcript.objects.create(broadcast=world["broadcast"], engine="x",
                                           model_id="base")
    segment = Segment.objects.create(transcript=transcript, number=0, start=3.0, end=7.5,
                                     text=SEGMENT)
    watchlist = Watchlist.objects.create(name="ابنة الناشطة: مصدر خاص", query="أتبرأ")
    [alert] = alerts.create_alerts([(watchlist, segment)])
    assert alerts.create_alerts([(watchlist, segment)]) == []  # a re-run: no new event
    [delivery] = WebhookDelivery.objects.all()
    event = json.loads(delivery.body)
    assert event["type"] == "alert.created"
    data = event["data"]["alert"]
    assert data["id"] == alert.pk and data["text"] == SEGMENT
    assert data["watchlist_id"] == watchlist.pk and "ابنة الناشطة" not in delivery.body
    _confirm(world)  # this receiver takes alerts only
    assert WebhookDelivery.objects.count() == 1


def test_a_redirect_is_not_followed(world, monkeypatch) -> None:
    receiver = Receiver()
    try:
        receiver.mode = "redirect"
        hooks = [hook(receiver.port)]
        monkeypatch.setattr(settings.CONFIG, "webhooks", hooks)
        _confirm(world)
        [attempt] = webhooks.send_due(hooks)
    finally:
        receiver.close()
    assert attempt.status_code == 302 and not attempt.ok
    assert "redirect not followed" in attempt.error
    assert [r["path"] for r in receiver.requests] == ["/hook?token=t0k3n"]
    assert WebhookDelivery.objects.get().status == "pending"


def test_back_off_doubles_up_to_an_hour() -> None:
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.backoff(30) == timedelta(hours=1)


def test_the_schema_and_the_rules_name_the_same_events() -> None:
    assert webhooks_schema.EVENTS == webhooks.EVENTS


def _load(tmp_path: Path, text: str):
    path = tmp_path / "raqib.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, environ={})


def test_config_reads_webhooks_and_a_secret_file(tmp_path: Path) -> None:
    (tmp_path / "hook.key").write_text(SECRET + "\n", encoding="utf-8")
    config = _load(tmp_path, '[[webhooks]]\nurl = "https://hooks.example.org/r"\n'
                             'secret_file = "hook.key"\nevents = ["incident.confirmed"]\n')
    assert config.webhooks == [{"name": "https://hooks.example.org/r",
                                "url": "https://hooks.example.org/r", "secret": SECRET,
                                "events": ["incident.confirmed"], "timeout": 10.0}]


@pytest.mark.parametrize(("table", "problem"), [
    ('url = "ftp://x"\nsecret = "{S}"\nevents = ["alert.created"]',
     "webhooks[0].url: expected an http(s) URL"),
    ('url = "https://x.org"\nevents = ["alert.created"]',
     "webhooks[0]: give exactly one of secret or secret_file"),
    ('url = "https://x.org"\nsecret = "short"\nevents = ["alert.created"]',
     "webhooks[0].secret: the secret must be text of at least 16 characters"),
    ('url = "https://x.org"\nsecret_file = "missing.key"\nevents = ["alert.created"]',
     "webhooks[0].secret_file: cannot read"),
    ('url = "https://x.org"\nsecret = "{S}"\nevents = ["incident.created"]',
     "webhooks[0].events: unknown event(s) 'incident.created'"),
    ('url = "https://x.org"\nsecret = "{S}"\nevents = []',
     "webhooks[0].events: expected a non-empty list"),
    ('secret = "{S}"\nevents = ["alert.created"]', "webhooks[0].url: required"),
    ('url = "https://x.org"\nsecret = "{S}"\nevents = ["alert.created"]\ntimeout = 0',
     "webhooks[0].timeout: expected seconds"),
    ('url = "https://x.org"\nsecret = "{S}"\nevents = ["alert.created"]\nretries = 3',
     "webhooks[0].retries: unknown key"),
])
def test_malformed_webhooks_are_refused_with_the_key_named(tmp_path: Path, table: str,
                                                          problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "[[webhooks]]\n" + table.replace("{S}", SECRET) + "\n")
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_two_receivers_with_one_name_are_refused(tmp_path: Path) -> None:
    one = f'[[webhooks]]\nname = "a"\nurl = "https://x.org"\nsecret = "{SECRET}"\n' \
          'events = ["alert.created"]\n'
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, one + one)
    assert "webhooks: the name 'a' is used twice" in str(caught.value)
    with pytest.raises(ConfigError, match="webhooks: must be an array of tables"):
        _load(tmp_path, "webhooks = 3\n")


def test_the_scheduler_runs_the_sender_only_with_receivers(monkeypatch) -> None:
    monkeypatch.setattr(scheduler.CONFIG, "webhooks", [])
    assert "webhooks" not in [j.name for j in scheduler.default_jobs()]
    monkeypatch.setattr(scheduler.CONFIG, "webhooks", [hook(1)])
    assert "webhooks" in [j.name for j in scheduler.default_jobs()]


def test_cli_lists_receivers_and_deliveries_with_attempts(world, monkeypatch, capsys):
    port = _free_port()
    monkeypatch.setattr(settings.CONFIG, "webhooks", [hook(port)])
    _confirm(world)
    assert main(["webhooks", "send", "--format", "json"]) == 1  # the receiver is down
    capsys.readouterr()
    assert main(["webhooks", "list", "--format", "json"]) == 0
    [receiver] = json.loads(capsys.readouterr().out)
    assert receiver == {"name": "partner", "url": f"http://127.0.0.1:{port}/hook",
                        "events": list(webhooks.EVENTS), "timeout": 3.0, "pending": 1,
                        "delivered": 0, "failing": 1}
    assert main(["webhooks", "deliveries", "--format", "json"]) == 0
    out = capsys.readouterr().out
    [delivery] = json.loads(out)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["attempt_log"][0]["status_code"] is None
    assert delivery["attempt_log"][0]["error"] and SECRET not in out


def test_a_claimed_delivery_is_not_sent_twice(world, monkeypatch) -> None:
    hooks = [hook(_free_port())]
    monkeypatch.setattr(settings.CONFIG, "webhooks", hooks)
    _confirm(world)
    seen = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks._claim(seen, hooks[0], now)  # one sender takes it
    assert not webhooks._claim(seen, hooks[0], now)  # a second, with the same copy, does not
    assert webhooks.send_due(hooks, now=now) == []  # held past its timeout


def test_the_scheduler_job_posts_due_deliveries(world, monkeypatch) -> None:
    receiver = Receiver()
    try:
        hooks = [hook(receiver.port)]
        monkeypatch.setattr(settings.CONFIG, "webhooks", hooks)
        monkeypatch.setattr(scheduler.CONFIG, "webhooks", hooks)
        _confirm(world)
        [job] = [j for j in scheduler.default_jobs() if j.name == "webhooks"]
        assert job.run() == 1
    finally:
        receiver.close()
    assert len(receiver.accepted) == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_public_title_naming_an_account_is_left_out(world, monkeypatch) -> None:
    monkeypatch.setattr(settings.CONFIG, "webhooks", [hook(_free_port())])
    incident = inc.propose(world["rev"], broadcast_id=world["broadcast"].pk, start="1",
                           end="9", title="reported by rev")
    workflow.set_status(incident.pk, world["rev"], "under_review")
    inc.mark_public(incident.pk, _user("lead2", "lead"), "title")
    workflow.set_status(incident.pk, world["lead1"], "confirmed", confidence="low")
    body = WebhookDelivery.objects.get().body
    assert json.loads(body)["data"]["incident"]["title"] is None and "rev" not in body
