"""``raqib demo --no-serve`` from an empty data dir, as a newcomer runs it: the whole
pipeline on the fixture outlet, then ``raqib search أماني`` finds the documentary segment.
A second run adds nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from raqib.demo.fixture_site import build_fixture_site
from tests.services import free_port

pytestmark = pytest.mark.slow


def raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("demo")
    (home / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(home / "data"),
           "RAQIB_CONFIG": str(home / "raqib.toml")}
    env.pop("RAQIB_TRANSCRIBE_MODEL", None)  # the demo must pick the offline model itself
    env["DEMO_PORT"] = str(free_port())
    first = raqib(env, "demo", "--no-serve", "--fixture-port", env["DEMO_PORT"])
    assert first.returncode == 0, first.stderr[-3000:]
    env["FIRST_STDOUT"] = first.stdout
    return env


def test_demo_prints_credentials_that_work(demo_env: dict[str, str]) -> None:
    match = re.search(r"Demo user: (\S+)\s+password: (\S+)", demo_env["FIRST_STDOUT"])
    assert match, demo_env["FIRST_STDOUT"]
    users = json.loads(raqib(demo_env, "users", "list", "--format", "json").stdout)
    assert {"name": "demo", "role": "reviewer"}.items() <= users[0].items()


def test_search_finds_the_documentary_segment(demo_env: dict[str, str]) -> None:
    proc = raqib(demo_env, "search", "أماني", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)["hits"]
    assert hits, "the demo's segment was not found"
    hit = hits[0]
    assert hit["url"].endswith("/items/tunnel-to-light-part-1.html")
    assert hit["title"] == "من النفق إلى النور — الجزء الأول"
    assert "أماني" in hit["text"]
    assert 0 <= hit["start"] < hit["end"]
    assert {"broadcast_id", "outlet"} <= hit.keys()


def test_broadcasts_are_preserved_and_failures_recorded(demo_env: dict[str, str]) -> None:
    site = build_fixture_site(Path(demo_env["RAQIB_DATA_DIR"]) / "demo-site")
    rows = json.loads(raqib(demo_env, "broadcasts", "list", "--format", "json").stdout)
    by_slug = {r["url"].rsplit("/", 1)[-1].removesuffix(".html"): r for r in rows}
    assert sorted(by_slug) == sorted(i.slug for i in site.items)
    for item in site.items:
        row = by_slug[item.slug]
        if item.media_missing:
            assert row["status"] == "failed"
            assert row["error"] == "HTTP 404: media not found (removed?)"
        else:
            assert row["status"] == "indexed", row
            assert row["sha256"] == item.sha256
    documentary = by_slug["tunnel-to-light-part-1"]
    assert documentary["aired_at"] == "2021-04-20T16:00:00+00:00"  # 19:00 Damascus time
    media = Path(demo_env["RAQIB_DATA_DIR"]) / "media" / documentary["sha256"][:2]
    assert any(p.name.startswith(documentary["sha256"]) for p in media.iterdir())


def test_second_run_duplicates_nothing(demo_env: dict[str, str]) -> None:
    before_rows = raqib(demo_env, "broadcasts", "list", "--format", "json").stdout
    before_hits = raqib(demo_env, "search", "أماني", "--format", "json").stdout
    again = raqib(demo_env, "demo", "--no-serve", "--fixture-port", demo_env["DEMO_PORT"])
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 new" in again.stderr
    after = json.loads(raqib(demo_env, "broadcasts", "list", "--format", "json").stdout)
    assert [(r["id"], r["status"], r["sha256"]) for r in after] == [
        (r["id"], r["status"], r["sha256"]) for r in json.loads(before_rows)]
    hits = json.loads(raqib(demo_env, "search", "أماني", "--format", "json").stdout)["hits"]
    assert [h["segment_id"] for h in hits] == [
        h["segment_id"] for h in json.loads(before_hits)["hits"]]
