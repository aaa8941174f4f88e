"""Incidents on PostgreSQL (a throw-away server on loopback), driven as separate processes:
the two-person flow, and concurrent edits of one incident by several reviewers, where
every edit either lands on its own version or is told it was too late (exit 1) and writes
nothing: no lost update, no forked history."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import postgres_server

pytestmark = pytest.mark.slow
PASSWORD = "Pg-incidents-2026-watch"


def raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def ok(env: dict[str, str], *args: str) -> object:
    proc = raqib(env, *args)
    assert proc.returncode == 0, (args, proc.stderr[-2000:])
    return json.loads(proc.stdout) if "--format" in args else proc.stdout


def test_incident_flow_and_concurrent_edits_on_postgresql(tmp_path: Path) -> None:
    with postgres_server() as database_url:
        (tmp_path / "raqib.toml").write_text("")
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
        for name, role in (("rev1", "reviewer"), ("rev2", "reviewer"), ("rev3", "reviewer"),
                           ("lead1", "lead"), ("lead2", "lead")):
            ok(env, "users", "create", name, "--role", role)
        who = {}  # each person's token, issued at the operator's console
        for name in ("rev1", "rev2", "rev3", "lead1", "lead2"):
            issued = ok(env, "tokens", "create", name, "--scope", "read", "--scope", "review",
                        "--format", "json")
            (tmp_path / f"{name}.token").write_text(issued["token"])
            who[name] = ["--token-file", str(tmp_path / f"{name}.token")]
        ok(env, "persons", "add", "والد أماني بلور", "--kind", "relative", *who["rev1"],
           "--format", "json")
        ok(env, "persons", "add", "د. أماني بلور", "--latin", "Dr Amani Ballour", "--kind",
           "activist", *who["rev1"], "--format", "json")
        incident = ok(env, "incidents", "propose", "--broadcast", str(broadcast), "--start",
                      "12:40", "--end", "14:05", "--title", "والد د. أماني بلور يتبرأ منها",
                      "--person", "والد أماني بلور", "--relation", "father of", "--targeted",
                      "Dr Amani Ballour", *who["lead1"], "--format", "json")
        key = str(incident["id"])

        def add_clip(i: int) -> int:
            return raqib(env, "incidents", "add-clip", key, "--broadcast", str(broadcast),
                         "--start", str(760 + i), "--end", str(770 + i),
                         *who[f"rev{i % 3 + 1}"]).returncode

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(add_clip, range(6)))
        assert set(codes) <= {0, 1} and codes.count(0) >= 1, codes
        shown = ok(env, "incidents", "show", key, *who["lead2"], "--format", "json")
        landed = codes.count(0)
        assert len(shown["clips"]) == 1 + landed
        assert shown["version"] == 1 + landed
        versions = [h["version"] for h in shown["history"]]
        assert versions == sorted(set(versions)), versions  # one event per version, no fork

        ok(env, "incidents", "review", key, "--status", "under_review", *who["rev1"],
           "--format", "json")
        own = raqib(env, "incidents", "review", key, "--status", "confirmed", "--confidence",
                    "high", *who["lead1"])
        assert own.returncode == 1 and "two-person rule" in own.stderr  # lead1 proposed it
        done = ok(env, "incidents", "review", key, "--status", "confirmed", "--confidence",
                  "high", *who["lead2"], "--format", "json")
        assert done["status"] == "confirmed" and done["decided_by"] == "lead2"
        exported = ok(env, "incidents", "export", *who["lead2"], "--format", "json")
        assert exported[0]["persons"][0]["targeted_name"] == "د. أماني بلور"
