"""The search commands as a monitor runs them: real ``raqib`` processes on a fresh data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_persons import cli_person

TEXT = "أَمَانِي تقول: أتبرأ من ابني"


@pytest.fixture
def run(tmp_path: Path):
    config = tmp_path / "raqib.toml"
    config.write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_CONFIG": str(config),
           "RAQIB_PASSWORD": "cli-test-password"}
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
    result = json.loads(searched.stdout)
    assert (result["total"], result["page"], result["pages"]) == (1, 1, 1)
    assert result["facets"]["outlet"] == [["Al-Ikhbariya", 1]]
    (hit,) = result["hits"]
    assert hit["play_from"] == 12.5 and hit["highlight"][0] == ["أَمَانِي", True]
    assert hit["broadcast_id"] == broadcast_id
    assert (hit["url"], hit["outlet"], hit["title"]) == (
        "https://example.org/tunnel", "Al-Ikhbariya", "From the Tunnel to the Light")
    assert (hit["start"], hit["end"], hit["text"]) == (12.5, 17.0, TEXT)

    reindexed = run("reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "reindexed 1 transcripts, 2 segments" in reindexed.stdout
    again = run("search", "أماني", "--outlet", "Al-Ikhbariya", "--format", "json")
    assert [h["segment_id"] for h in json.loads(again.stdout)["hits"]] == [hit["segment_id"]]

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


def test_filters_tags_and_index_check(run, tmp_path: Path) -> None:
    for n, (outlet, month) in enumerate([("Sama", "2024-02"), ("Al-Ikhbariya", "2024-03")]):
        doc = {"broadcast": {"outlet": outlet, "title": f"t{n}", "url": f"https://e.org/{n}",
                             "aired_at": f"{month}-10T18:00:00+00:00", "language": "ar"},
               "segments": [{"start": 1.0, "end": 3.0, "text": "شهادة على الهواء"},
                            {"start": 3.0, "end": 6.0, "text": "أتبرأ من ابني"}]}
        path = tmp_path / f"t{n}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        assert run("import", str(path)).returncode == 0

    def hits(*args: str) -> list[str]:
        result = run("search", *args, "--format", "json")
        assert result.returncode == 0, result.stderr
        return [h["title"] for h in json.loads(result.stdout)["hits"]]

    assert hits("شهادة", "--from", "2024-03", "--sort", "aired_at") == ["t1"]
    assert hits("شهادة", "--to", "2024-02", "--page-size", "1") == ["t0"]
    assert hits('"الهواء أتبرأ"') == ["t1", "t0"]  # across two segments, newest first
    assert hits("شهادة", "--sort", "oldest") == ["t0", "t1"]
    assert hits("شهادة", "--sort", "newest") == hits("شهادة", "--sort=-aired_at") == ["t1", "t0"]
    bad = run("search", "شهادة", "--from", "2024-13")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr

    rev = cli_person(run, tmp_path, "rana")
    assert run("tag", "add", "1", "forced-confession", "--segment", "1").returncode == 1
    assert run("tag", "add", "1", "forced-confession", "--segment", "1", *rev).returncode == 0
    assert hits("شهادة", "--tag", "forced-confession") == ["t0"]
    listed = json.loads(run("tag", "list", "1", "--format", "json").stdout)
    assert [(t["tag"], t["segment"]) for t in listed] == [("forced-confession", 1)]
    assert run("tag", "add", "1", "bad name", *rev).returncode == 2
    assert run("tag", "remove", "1", "forced-confession", "--segment", "1",
               *rev).returncode == 0
    assert hits("شهادة tag:forced-confession") == []

    clean = run("index", "check", "--format", "json")
    assert clean.returncode == 0 and json.loads(clean.stdout)["drift"] == []
    _damage_the_index(tmp_path / "data" / "search")
    drift = run("index", "check", "--format", "json")
    assert drift.returncode == 1
    kinds = {(d["kind"], d["transcript_id"]) for d in json.loads(drift.stdout)["drift"]}
    assert kinds == {("missing", 1), ("orphan", 77)}
    fixed = run("index", "check", "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert json.loads(run("index", "check", "--format", "json").stdout)["drift"] == []


def _damage_the_index(path: Path) -> None:
    """Drift as a killed writer or a lost disk could leave it: the first segment of
    transcript 1 gone from the index, and an orphan document of a transcript 77."""
    import tantivy

    from index.tantivy_backend import TantivyBackend

    backend = TantivyBackend(path)

    def damage(writer) -> None:
        searcher = backend.store.searcher()
        hits = searcher.search(tantivy.Query.term_query(backend.schema, "tid", 1), 100).hits
        first = min(searcher.fast_field_values("sid", [address for _, address in hits]))
        writer.delete_documents_by_query(tantivy.Query.term_query(backend.schema, "sid", first))
        orphan = tantivy.Document()
        orphan.add_unsigned("sid", 999)
        orphan.add_unsigned("tid", 77)
        writer.add_document(orphan)

    backend.store.write(damage)
