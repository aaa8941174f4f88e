"""The search index's write rules with real processes on a small catalog (issue 15).

One writer at a time across processes, none lost; a writer SIGKILLed inside its write
leaves the index as it was (the last commit) and ``raqib index check --fix`` repairs the
drift without doubling anything; writes made while ``raqib reindex`` builds the new index
beside the live one are in the index after the swap, and searches never stop meanwhile.
Each process is ``write_child.py`` (see its docstring) or ``python -m raqib``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("write_child.py")
SEGMENTS = 4


def _env(home: Path) -> dict[str, str]:
    config = home / "raqib.toml"
    config.write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(home / "data"), "RAQIB_CONFIG": str(config),
           "RAQIB_LOG_LEVEL": "WARNING"}
    for var in ("RAQIB_SEARCH_BACKEND", "DATABASE_URL", "WRITE_LOG", "WRITE_GO"):
        env.pop(var, None)
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a migrated, empty catalog (migrating once for the module)."""
    home = tmp_path_factory.mktemp("write-rules-template")
    _run(_env(home), "seed", "0", "0")
    return home / "data"


@pytest.fixture
def data(tmp_path: Path, migrated: Path) -> dict[str, str]:
    (tmp_path / "data").mkdir()
    for name in ("raqib.sqlite3", "secret_key"):
        shutil.copy2(migrated / name, tmp_path / "data" / name)
    return _env(tmp_path)


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(CHILD), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _lines(process: subprocess.Popen[str], timeout: float = 90) -> list[dict]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _run(env: dict[str, str], *args: str) -> list[dict]:
    return _lines(_start(env, *args))


def _counts(env: dict[str, str]) -> tuple[dict[int, int], dict[int, int]]:
    (row,) = _run(env, "counts")
    return ({int(k): v for k, v in row["indexed"].items()},
            {int(k): v for k, v in row["database"].items()})


def _raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=90)


def test_two_writer_processes_take_turns_and_lose_nothing(data, tmp_path: Path) -> None:
    assert _run(data, "seed", "0", "0") == [{"seeded": []}]  # an empty live index
    (created,) = _run(data, "create", "30", str(SEGMENTS))
    ids = created["created"]
    log = tmp_path / "holds.jsonl"
    go = tmp_path / "go"
    env = {**data, "WRITE_LOG": str(log), "WRITE_GO": str(go)}
    # two processes at once, overlapping: 10 transcripts are indexed by both
    first = _start(env, "index", *map(str, ids[:20]))
    second = _start(env, "index", *map(str, ids[10:]))
    for process in (first, second):
        assert process.stdout and json.loads(process.stdout.readline()) == {"ready": True}
    go.touch()  # both start writing together
    done = [row["indexed"] for row in _lines(first) + _lines(second) if "indexed" in row]
    assert sorted(done) == sorted(ids[:20] + ids[10:])
    holds = [json.loads(line) for line in log.read_text().splitlines()]
    assert {pid for pid, _, _, _ in holds} == {first.pid, second.pid}
    assert len(holds) == 40
    by_time = sorted(holds, key=lambda hold: hold[2])
    for before, after in zip(by_time, by_time[1:], strict=False):
        assert after[2] >= before[3], f"two writers held the lock at once: {before} {after}"
    # and they did contend: a process asked for the lock while the other held it, and got
    # it only after the other let go
    assert any(mine[1] < theirs[3] <= mine[2] and theirs[2] < mine[1]
               for mine in holds for theirs in holds if mine[0] != theirs[0]), \
        "the writers never waited for each other"
    indexed, database = _counts(data)
    assert indexed == database == {i: SEGMENTS for i in ids}  # none lost, none doubled


def _kill_inside_write(env: dict[str, str], transcript_id: int) -> None:
    hung = _start(env, "hang", str(transcript_id))
    line = hung.stdout.readline() if hung.stdout else ""
    assert json.loads(line) == {"writing": transcript_id}, hung.stderr.read() if hung.stderr \
        else ""
    os.kill(hung.pid, signal.SIGKILL)
    hung.wait(timeout=10)
    hung.stdout.close()
    hung.stderr.close()


def test_writer_killed_inside_its_write_leaves_the_last_commit(data) -> None:
    (seeded,) = _run(data, "seed", "6", str(SEGMENTS))
    ids = seeded["seeded"]
    # a worker that committed a transcript to the catalog and was killed while indexing it
    (created,) = _run(data, "create", "1", str(SEGMENTS))
    (new_id,) = created["created"]
    _kill_inside_write(data, new_id)
    # and one killed while re-indexing a transcript (its delete and adds uncommitted)
    _kill_inside_write(data, ids[0])
    indexed, database = _counts(data)
    assert indexed == {i: SEGMENTS for i in ids}  # the last commit: nothing half-written
    assert database == {**indexed, new_id: SEGMENTS}

    checked = _raqib(data, "index", "check", "--format", "json")
    assert checked.returncode == 1, checked.stderr
    assert [(d["transcript_id"], d["kind"], d["in_database"], d["in_index"])
            for d in json.loads(checked.stdout)["drift"]] == [(new_id, "missing", SEGMENTS, 0)]
    # the killed writers' locks died with them: the repair writes at once
    started = time.monotonic()
    fixed = _raqib(data, "index", "check", "--fix", "--format", "json")
    assert fixed.returncode == 0, fixed.stderr
    assert time.monotonic() - started < 60
    assert json.loads(fixed.stdout)["fixed"] == 1 and not json.loads(fixed.stdout)["drift"]
    again = _raqib(data, "index", "check", "--fix", "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["fixed"] == 0
    indexed, database = _counts(data)
    assert indexed == database == {i: SEGMENTS for i in [*ids, new_id]}  # nothing doubled


def test_writes_during_reindex_are_kept_and_searches_never_stop(data, tmp_path: Path) -> None:
    (seeded,) = _run(data, "seed", "60", str(SEGMENTS))
    before = 60 * SEGMENTS
    # batches of 5 transcripts with a pause after each: a rebuild of several seconds
    rebuild = _start(data, "reindex", str(5 * SEGMENTS), "0.5")
    building = tmp_path / "data" / "search" / "BUILDING"
    deadline = time.monotonic() + 60
    while not building.exists():
        assert time.monotonic() < deadline and rebuild.poll() is None, "the rebuild never began"
        time.sleep(0.05)
    searcher = _start(data, "search", "12", "اعتراف")
    writer = _start(data, "add", "10", str(SEGMENTS))
    (rebuilt,) = _lines(rebuild)
    added = _lines(writer)
    searches = _lines(searcher)

    assert [row["at"] for row in added if not rebuilt["started"] < row["at"]
            < rebuilt["finished"]] == [], "some writes were not made during the rebuild"
    assert not [row for row in searches if "error" in row]
    totals = [row["total"] for row in searches]
    assert totals[0] >= before and totals == sorted(totals)  # never fewer hits, never stopped
    assert totals[-1] == before + 10 * SEGMENTS
    times = [row["at"] for row in searches]
    during = [t for t in times if rebuilt["started"] < t < rebuilt["finished"]]
    assert len(during) > 20
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) < 2.0
    indexed, database = _counts(data)
    assert len(database) == 70
    assert indexed == database == dict.fromkeys(database, SEGMENTS)  # none lost, none doubled
    assert (tmp_path / "data" / "search" / "BUILDING").exists() is False


def test_an_index_of_another_schema_version_is_built_again(db) -> None:
    # an installation upgraded from an older index layout: searching rebuilds it from the
    # catalog (as the first start on Tantivy does) instead of failing
    from catalog.models import Broadcast, Outlet, Segment, Source, Transcript
    from index.base import SearchRequest
    from index.registry import get_backend

    outlet = Outlet.objects.create(name="Version TV")
    source = Source.objects.create(name="version", outlet=outlet, kind="html")
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="v1",
                                         url="https://example.org/v1", title="v1")
    transcript = Transcript.objects.create(broadcast=broadcast, engine="test", model_id="t")
    Segment.objects.create(transcript=transcript, number=0, start=0, end=5, text="اعتراف المعتقل")
    backend = get_backend()
    backend.index_transcript(transcript.pk)
    old = backend.store.current()
    (backend.store.root / old / "raqib-schema.json").write_text('{"version": 1}')
    fresh = type(backend)(backend.store.root)
    assert fresh.search_page(SearchRequest("المعتقل")).total == 1
    assert fresh.store.current() not in (None, old)
    assert not (backend.store.root / old).exists()
