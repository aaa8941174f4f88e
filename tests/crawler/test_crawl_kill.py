"""SIGKILL a real crawl (``raqib crawl --no-process`` and its Scrapy subprocess) at random
points, then re-run it to completion: every item ends up in the catalog exactly once and
none is lost. Also kill the parent in the middle of its catalog write: the write is one
SQLite (WAL) transaction, so the catalog holds all of a crawl's broadcasts or none.

Each run gets its own data dir and raqib.toml; the catalog is read with ``sqlite3``
directly, as a monitor's tool would after a crash. Kill times come from a seeded random
generator, so a failure can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_helpers import site_source, write_page

from raqib.demo.server import Fault, StaticServer

REPO = Path(__file__).resolve().parents[2]
ITEMS = 24
PER_PAGE = 6
SEED = 20240503
ROUNDS = 4

# Run inside the child: kill this very process after the 5th broadcast row is written,
# i.e. in the middle of crawl_source's transaction, then run the real CLI.
KILL_MID_WRITE = """
import os, signal, sys
import django
django.setup()
from django.db.models.signals import post_save
from catalog.models import Broadcast
written = []
def _kill(sender, **kwargs):
    written.append(1)
    if len(written) == 5:
        os.kill(os.getpid(), signal.SIGKILL)
post_save.connect(_kill, sender=Broadcast)
from raqib.cli import main
sys.exit(main(["crawl", "--no-process"]))
"""


def build_archive(root: Path) -> list[str]:
    numbers = list(range(ITEMS, 0, -1))
    for p in range(0, ITEMS, PER_PAGE):
        page = p // PER_PAGE + 1
        name = "list.html" if page == 1 else f"list{page}.html"
        links = "".join(f'<a class="item" href="/items/{n}.html">{n}</a>'
                        for n in numbers[p:p + PER_PAGE])
        nxt = (f'<a class="next" href="/list{page + 1}.html">next</a>'
               if p + PER_PAGE < ITEMS else "")
        write_page(root, name, links + nxt)
    for n in numbers:
        write_page(root, f"items/{n}.html", f"<h1>حلقة {n}</h1><time>٢٠ نيسان ٢٠٢١</time>")
    return [f"/items/{n}.html" for n in numbers]


@pytest.fixture(scope="module")
def outlet(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("kill-outlet")
    paths = build_archive(root)
    # Slow-ish item pages so a kill can land anywhere in the crawl.
    faults = {path: Fault(stall=0.05) for path in paths}
    with StaticServer(root, faults=faults) as server:
        yield server, paths


def workspace(tmp: Path, base_url: str) -> dict[str, str]:
    source = site_source(base_url, name="kill-me", outlet="Kill TV")
    lines = ["[[sources]]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}"
                               for k, v in source.items()]
    (tmp / "raqib.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = dict(os.environ, RAQIB_DATA_DIR=str(tmp / "data"),
               RAQIB_CONFIG=str(tmp / "raqib.toml"), RAQIB_CRAWL_DOWNLOAD_DELAY="0.02",
               PYTHONPATH=str(REPO))
    for var in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(var, None)
    return env


def start(env: dict[str, str], script: str | None = None) -> subprocess.Popen:
    argv = ([sys.executable, "-c", script] if script
            else [sys.executable, "-m", "raqib", "crawl", "--no-process"])
    if script:
        env = dict(env, DJANGO_SETTINGS_MODULE="raqib.settings")
    # A session of its own: SIGKILL reaches the CLI and its Scrapy subprocess together.
    return subprocess.Popen(argv, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_after(proc: subprocess.Popen, seconds: float) -> bool:
    """SIGKILL the process group after ``seconds``; False when it had already finished."""
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        return True
    finally:
        if proc.stdout:
            proc.stdout.close()


def catalog(data_dir: Path) -> list[str]:
    db = data_dir / "raqib.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "raqib_broadcast" not in tables:
            return []
        return [r[0] for r in conn.execute("SELECT external_id FROM raqib_broadcast")]


def run_to_completion(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "raqib", "crawl", "--no-process"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def expected_ids(server: StaticServer, paths: list[str]) -> list[str]:
    return sorted(server.base_url + p for p in paths)


def test_sigkill_at_random_points_then_rerun_loses_and_duplicates_nothing(
        outlet, tmp_path: Path) -> None:  # noqa: ANN001
    server, paths = outlet
    env = workspace(tmp_path, server.base_url)
    rng = random.Random(SEED)
    killed = 0
    for _ in range(ROUNDS):
        proc = start(env)
        killed += kill_after(proc, rng.uniform(0.5, 4.0))
        ids = catalog(tmp_path / "data")
        # One transaction per crawl: after a kill the catalog has all of it or none.
        assert len(ids) == len(set(ids))
        assert sorted(ids) in ([], expected_ids(server, paths)), len(ids)
    assert killed >= 1  # the random points did land inside a crawl
    run_to_completion(env)
    ids = catalog(tmp_path / "data")
    assert sorted(ids) == expected_ids(server, paths)  # every item, exactly once


def test_a_parent_killed_mid_write_leaves_no_partial_crawl(outlet, tmp_path: Path) -> None:  # noqa: ANN001
    server, paths = outlet
    env = workspace(tmp_path, server.base_url)
    proc = start(env, KILL_MID_WRITE)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, out
    assert catalog(tmp_path / "data") == []  # the 5 rows written before the kill rolled back
    assert not list((tmp_path / "data").glob("raqib.sqlite3-journal"))
    run_to_completion(env)
    assert sorted(catalog(tmp_path / "data")) == expected_ids(server, paths)
