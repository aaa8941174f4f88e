"""Corrections on PostgreSQL (a throw-away server on loopback), driven as separate
processes: several reviewers correct the same range at once and every correction lands as
its own version in one line (each supersedes the one before; never two current versions of
a range); then two reviewers verify at once: one verifies, the other is told it is
already verified; the author never can. The verified range is what ``--verified`` lists."""

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
PASSWORD = "Pg-corrections-2026-watch"


def raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=300)


def ok(env: dict[str, str], *args: str) -> object:
    proc = raqib(env, *args)
    assert proc.returncode == 0, (args, proc.stderr[-2000:])
    return json.loads(proc.stdout) if "--format" in args else proc.stdout


def test_concurrent_corrections_and_verifications_on_postgresql(tmp_path: Path) -> None:
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
                          "url": "https://example.org/tunnel", "language": "ar"},
            "segments": [{"start": 760, "end": 800, "text": "أنا والد أماني"},
                         {"start": 800, "end": 845, "text": "وأتبرأ منها"}]},
            ensure_ascii=False), encoding="utf-8")
        ok(env, "import", str(transcript))
        broadcast = ok(env, "broadcasts", "list", "--format", "json")[0]["id"]
        names = [f"rev{i}" for i in range(4)]
        for name in names:
            ok(env, "users", "create", name, "--role", "reviewer")

        def correct(name: str) -> subprocess.CompletedProcess:
            return raqib(env, "corrections", "add", str(broadcast), "--first", "0", "--last",
                         "1", "--text", f"أنا والد أماني بلور وأتبرأ منها ({name})", "--by",
                         name, "--format", "json")

        with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
            done = list(pool.map(correct, names))
        assert all(p.returncode == 0 for p in done), [p.stderr[-500:] for p in done]
        versions = [json.loads(p.stdout) for p in done]
        ids = {v["id"] for v in versions}
        supersedes = [v["supersedes"] for v in versions]
        # one line of versions: one first (supersedes nothing), each other one after another
        assert supersedes.count(None) == 1
        assert sorted(s for s in supersedes if s) == sorted(ids - {max(ids)})
        current = ok(env, "corrections", "list", "--format", "json")
        assert len(current) == 1 and current[0]["id"] == max(ids)
        author = current[0]["author"]
        assert raqib(env, "corrections", "verify", str(max(ids)), "--by",
                     author).returncode == 1
        others = [n for n in names if n != author][:2]

        def verify(name: str) -> subprocess.CompletedProcess:
            return raqib(env, "corrections", "verify", str(max(ids)), "--by", name,
                         "--format", "json")

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(verify, others))
        assert sorted(p.returncode for p in results) == [0, 2], [p.stderr for p in results]
        winner = json.loads(next(p.stdout for p in results if p.returncode == 0))
        assert winner["verified_by"] in others
        verified = ok(env, "corrections", "list", "--verified", "--format", "json")
        assert [v["id"] for v in verified] == [max(ids)]
        assert verified[0]["verified_by"] == winner["verified_by"]
