"""Webhooks end to end on PostgreSQL, driven as separate processes as an operator would:
``[[webhooks]]`` with a ``secret_file`` in ``raqib.toml``, a lead confirms an incident at
the command line (the outbox row commits with it), ``raqib webhooks send`` finds the
receiver down (exit 1, the attempt recorded), the receiver comes up, the back-off passes
and the event arrives once, signed; later sends post nothing more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_webhooks import SECRET, Receiver, _free_port, verify

from tests.services import postgres_server

pytestmark = pytest.mark.slow
PASSWORD = "Pg-webhooks-2026-watch"
PAST_BACKOFF = ("from django.utils import timezone; from review.models import WebhookDelivery "
                "as W; W.objects.filter(status='pending').update(next_attempt_at="
                "timezone.now())")


def raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def ok(env: dict[str, str], *args: str) -> object:
    proc = raqib(env, *args)
    assert proc.returncode == 0, (args, proc.stderr[-2000:])
    return json.loads(proc.stdout) if "--format" in args else proc.stdout


def test_confirmed_incident_reaches_a_receiver_that_was_down(tmp_path: Path) -> None:
    port = _free_port()
    (tmp_path / "hook.key").write_text(SECRET + "\n", encoding="utf-8")
    (tmp_path / "raqib.toml").write_text(
        '[[webhooks]]\nname = "partner"\n'
        f'url = "http://127.0.0.1:{port}/hook"\nsecret_file = "hook.key"\n'
        'events = ["incident.confirmed"]\ntimeout = 5\n', encoding="utf-8")
    with postgres_server() as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "RAQIB_PASSWORD": PASSWORD,
               "RAQIB_DATA_DIR": str(tmp_path / "data"),
               "RAQIB_CONFIG": str(tmp_path / "raqib.toml")}
        env.pop("REDIS_URL", None)
        ok(env, "manage", "migrate", "--noinput")
        transcript = tmp_path / "t.json"
        transcript.write_text(json.dumps({
            "broadcast": {"outlet": "الإخبارية السورية", "title": "من النفق إلى النور",
                          "url": "https://example.org/tunnel", "language": "ar",
                          "aired_at": "2021-04-20T16:00:00+00:00"},
            "segments": [{"start": 760, "end": 845, "text": "أنا والد أماني وأتبرأ منها"}]},
            ensure_ascii=False), encoding="utf-8")
        ok(env, "import", str(transcript))
        broadcast = ok(env, "broadcasts", "list", "--format", "json")[0]["id"]
        tokens = {}
        for name, role in (("rev1", "reviewer"), ("lead1", "lead")):
            ok(env, "users", "create", name, "--role", role)
            issued = ok(env, "tokens", "create", name, "--scope", "read", "--scope",
                        "review", "--format", "json")
            tokens[name] = tmp_path / f"{name}.token"
            tokens[name].write_text(issued["token"], encoding="utf-8")
        incident = ok(env, "incidents", "propose", "--broadcast", str(broadcast), "--start",
                      "12:40", "--end", "14:05", "--title", "والد د. أماني بلور يتبرأ منها",
                      "--token-file", str(tokens["rev1"]), "--format", "json")
        key = str(incident["id"])
        ok(env, "incidents", "review", key, "--status", "under_review",
           "--token-file", str(tokens["rev1"]), "--format", "json")
        ok(env, "incidents", "review", key, "--status", "confirmed", "--confidence", "high",
           "--token-file", str(tokens["lead1"]), "--format", "json")

        down = raqib(env, "webhooks", "send", "--format", "json")
        assert down.returncode == 1, down.stderr
        assert [a["ok"] for a in json.loads(down.stdout)] == [False]
        receiver = Receiver(port)
        try:
            ok(env, "manage", "shell", "-c", PAST_BACKOFF)
            sent = ok(env, "webhooks", "send", "--format", "json")
            assert [(a["ok"], a["status_code"]) for a in sent] == [(True, 200)]
            ok(env, "manage", "shell", "-c", PAST_BACKOFF)
            assert ok(env, "webhooks", "send", "--format", "json") == []
        finally:
            receiver.close()
        [delivery] = ok(env, "webhooks", "deliveries", "--format", "json")
        assert delivery["status"] == "delivered" and delivery["attempts"] == 2
        assert [a["status_code"] for a in delivery["attempt_log"]] == [None, 200]
    [request] = receiver.requests
    assert verify(SECRET, request["headers"], request["body"])
    event = json.loads(request["body"])
    assert event["type"] == "incident.confirmed"
    assert event["data"]["incident"]["id"] == int(key)
    assert "rev1" not in request["body"].decode() and "lead1" not in request["body"].decode()
