"""The one-machine deployment on PostgreSQL with the embedded Tantivy index (no
Elasticsearch), on a throw-away PostgreSQL server on loopback (``tests.services``): the
search contract suite passes with the catalog on PostgreSQL, and ``raqib demo`` runs end to
end, its segment found by ``raqib search``, with no drift and a rebuild that swaps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import free_port, postgres_server

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.scaled


def test_contract_suite_passes_with_the_catalog_on_postgresql(tmp_path: Path) -> None:
    with postgres_server() as url:
        env = {**os.environ, "RAQIB_TEST_DATABASE_URL": url}
        # the settings must load after tests/conftest.py has named the database
        env.pop("DJANGO_SETTINGS_MODULE", None)
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "tests/index/test_contract.py", "tests/index/test_index_in_transaction.py",
             f"{__file__}::test_the_suite_runs_on_postgresql", "-k", "not elasticsearch"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql() -> None:
    # run inside the suite above: proves the catalog it used was PostgreSQL
    if not os.environ.get("RAQIB_TEST_DATABASE_URL"):
        pytest.skip("runs inside test_contract_suite_passes_with_the_catalog_on_postgresql")
    from django.db import connection

    assert connection.vendor == "postgresql"


def _raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_demo_runs_on_postgresql_with_the_embedded_index(tmp_path: Path) -> None:
    with postgres_server() as url:
        (tmp_path / "raqib.toml").write_text("")
        env = {**os.environ, "DATABASE_URL": url, "RAQIB_DATA_DIR": str(tmp_path / "data"),
               "RAQIB_CONFIG": str(tmp_path / "raqib.toml")}
        for var in ("REDIS_URL", "RAQIB_SEARCH_BACKEND", "ELASTICSEARCH_URL",
                    "RAQIB_TRANSCRIBE_MODEL"):
            env.pop(var, None)
        demo = _raqib(env, "demo", "--no-serve", "--fixture-port", str(free_port()))
        assert demo.returncode == 0, demo.stderr[-3000:]
        found = _raqib(env, "search", "أماني", "--format", "json")
        assert found.returncode == 0, found.stderr
        hits = json.loads(found.stdout)["hits"]
        assert hits and "أماني" in hits[0]["text"]
        assert (tmp_path / "data" / "search" / "CURRENT").is_file()
        check = _raqib(env, "index", "check", "--format", "json")
        assert check.returncode == 0 and json.loads(check.stdout)["drift"] == []
        before = (tmp_path / "data" / "search" / "CURRENT").read_text()
        rebuilt = _raqib(env, "reindex")
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert (tmp_path / "data" / "search" / "CURRENT").read_text() != before
        again = json.loads(_raqib(env, "search", "أماني", "--format", "json").stdout)["hits"]
        assert [h["segment_id"] for h in again] == [h["segment_id"] for h in hits]
