"""The search commands as a monitor runs them: real ``raqib`` processes on a fresh data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TEXT = "أَمَانِي تقول: أتبرأ من ابني"


@pytest.fixture
def run(tmp_path: Path):
    config = tmp_path / "raqib.toml"
    config.write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_CONFIG": str(config)}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL"):
        env.pop(var, None)

    def raqib(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    return raqib


def test_import_then_search_then_reindex(run, tmp_path: Path) -> None:
    doc = {"broadcast": {"outlet": "Al-Ikhbariya", "title": "From the Tunnel to the Light",
                         "url": "https://example.org/tunnel",
                         "aired_at": "2021-04-20T18:00:00+00:00", "language": "ar"},
           "segments": [{"start": 12.5, "end": 17.0, "text": TEXT},
                        {"start": 17.0, "end": 20.0, "text": "نشرة الأخبار"}]}
    path = tmp_path / "transcript.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    imported = run("import", str(path))
    assert imported.returncode == 0, imported.stderr
    broadcast_id = int(imported.stdout.strip())

    searched = run("search", "أماني", "--format", "json")
    assert searched.returncode == 0, searched.stderr
    (hit,) = json.loads(searched.stdout)
    assert hit["broadcast_id"] == broadcast_id
    assert (hit["url"], hit["outlet"], hit["title"]) == (
        "https://example.org/tunnel", "Al-Ikhbariya", "From the Tunnel to the Light")
    assert (hit["start"], hit["end"], hit["text"]) == (12.5, 17.0, TEXT)

    reindexed = run("reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "reindexed 1 transcripts, 2 segments" in reindexed.stdout
    again = run("search", "أماني", "--outlet", "Al-Ikhbariya", "--format", "json")
    assert [h["segment_id"] for h in json.loads(again.stdout)] == [hit["segment_id"]]

    bad = run("search", '"أتبرأ من')
    assert bad.returncode == 2
    assert "unbalanced quote" in bad.stderr and bad.stdout == ""


def test_import_of_an_invalid_file_names_the_field(run, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"broadcast": {"outlet": "X"}, "segments": []}))
    result = run("import", str(path))
    assert result.returncode == 2
    assert "broadcast.url: required" in result.stderr


def test_analyze_prints_elasticsearch_shaped_tokens(run) -> None:
    result = run("analyze", "من أَمَانِي ١٢", "--format", "json")
    assert result.returncode == 0, result.stderr
    tokens = json.loads(result.stdout)["tokens"]
    assert [(t["token"], t["position"], t["start_offset"], t["end_offset"])
            for t in tokens] == [("امان", 1, 3, 11), ("12", 2, 12, 14)]
