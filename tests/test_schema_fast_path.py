"""The start-up migration's fast path (``raqib.schema.settled``, issue 26) skips Django's
migration graph only when Django would have done nothing.

Each test builds a real data dir with ``raqib migrate`` (SQLite; the first case also on
PostgreSQL on loopback), changes the database the way a real situation would (a
migration rolled back with ``raqib manage migrate APP TARGET``, a content type or a
permission gone, a migration recorded by a newer release, an app added without
migrations), then runs ``raqib.schema.migrate()`` in a fresh process that counts how
often Django's ``MigrationLoader`` is built (the graph load the fast path avoids; the
count wraps the real class and changes nothing it does). Where something was to do, the
full locked path must run and do it; where nothing was, no graph is loaded, and the fast
answer must agree with Django's own plan.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import postgres_server

ROOT = Path(__file__).resolve().parent.parent

# Runs raqib.schema in a fresh process: "migrate" and "check" print the report and how
# many migration graphs were built; "agree" prints settled() and Django's own plan.
PROBE = r"""
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
django.setup()
from django.db.migrations.loader import MigrationLoader
built = []
real_init = MigrationLoader.__init__
def counting_init(self, *args, **kwargs):
    built.append(1)
    real_init(self, *args, **kwargs)
MigrationLoader.__init__ = counting_init
from raqib import schema
mode = sys.argv[1]
if mode == "agree":
    settled = schema.settled()
    print(json.dumps({"settled": settled, "django_plan": schema.pending_migrations()}))
else:
    report = schema.migrate(check_only=mode == "check")
    print(json.dumps({"applied": report.applied, "pending": report.pending,
                      "fast": report.fast, "graphs": len(built)}))
"""

# Changes the database with the ORM: argv[1] is a Python statement run after set-up.
EDIT = r"""
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
django.setup()
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
exec(sys.argv[1])
"""


def _python(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _raqib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "raqib", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _probe(env: dict[str, str], mode: str) -> dict:
    return json.loads(_python(env, "-c", PROBE, mode).splitlines()[-1])


def _edit(env: dict[str, str], statement: str) -> None:
    _python(env, "-c", EDIT, statement)


def _migrated(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "RAQIB_DATA_DIR": str(tmp_path / "data"), **extra}
    done = _raqib(env, "migrate", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["applied"]
    return env


def _assert_settled_without_a_graph(env: dict[str, str]) -> None:
    assert _probe(env, "agree") == {"settled": True, "django_plan": []}
    assert _probe(env, "migrate") == {"applied": [], "pending": [], "fast": True, "graphs": 0}
    assert _probe(env, "check") == {"applied": [], "pending": [], "fast": True, "graphs": 0}


def _rolled_back_and_applied_again(env: dict[str, str]) -> None:
    _assert_settled_without_a_graph(env)
    back = _raqib(env, "manage", "migrate", "sessions", "zero", "--verbosity", "0")
    assert back.returncode == 0, back.stderr
    assert _probe(env, "agree") == {"settled": False, "django_plan": ["sessions.0001_initial"]}
    check = _raqib(env, "migrate", "--check", "--format", "json")
    assert check.returncode == 1, check.stderr
    assert json.loads(check.stdout)["pending"] == ["sessions.0001_initial"]
    again = _probe(env, "migrate")
    assert again["applied"] == ["sessions.0001_initial"] and not again["fast"]
    assert again["graphs"] >= 1
    _edit(env, "with connection.cursor() as c: c.execute('SELECT count(*) FROM django_session')")
    _assert_settled_without_a_graph(env)


def test_a_rolled_back_migration_is_found_and_applied_sqlite(tmp_path: Path) -> None:
    _rolled_back_and_applied_again(_migrated(tmp_path))


@pytest.mark.scaled
def test_a_rolled_back_migration_is_found_and_applied_postgresql(tmp_path: Path) -> None:
    with postgres_server() as url:
        _rolled_back_and_applied_again(_migrated(tmp_path, DATABASE_URL=url))


def test_a_missing_content_type_or_permission_takes_the_full_path(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    _edit(env, "ContentType.objects.filter(app_label='sessions').delete()")  # and its perms
    done = _probe(env, "migrate")
    assert done == {"applied": [], "pending": [], "fast": False, "graphs": 2}
    _edit(
        env,
        "assert ContentType.objects.filter(app_label='sessions').count() == 1\n"
        "assert Permission.objects.filter(content_type__app_label='sessions')"
        ".count() == 4",
    )
    _assert_settled_without_a_graph(env)

    _edit(env, "Permission.objects.filter(codename='view_session').delete()")
    assert _probe(env, "migrate")["fast"] is False
    _edit(env, "assert Permission.objects.filter(codename='view_session').exists()")
    _assert_settled_without_a_graph(env)


def test_a_migration_recorded_by_a_newer_release_is_ignored_as_django_does(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    _edit(env, "MigrationRecorder(connection).record_applied('catalog', '9999_from_later')")
    _assert_settled_without_a_graph(env)
    check = _raqib(env, "migrate", "--check")
    assert check.returncode == 0 and "up to date" in check.stdout


def test_an_app_added_without_migrations_gets_its_content_types(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    extra = tmp_path / "extra"
    (extra / "noted").mkdir(parents=True)
    (extra / "noted" / "__init__.py").write_text("")
    (extra / "noted" / "models.py").write_text(
        "from django.db import models\n\n\n"
        "class Note(models.Model):\n    text = models.TextField()\n"
    )
    (extra / "settings_with_noted.py").write_text(
        "from raqib.settings import *  # noqa: F403\n\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'noted']  # noqa: F405\n"
    )
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(extra)]),
        "DJANGO_SETTINGS_MODULE": "settings_with_noted",
    }
    assert _probe(env, "agree") == {"settled": False, "django_plan": []}
    done = _probe(env, "migrate")
    assert done == {"applied": [], "pending": [], "fast": False, "graphs": 2}
    _edit(env, "assert ContentType.objects.filter(app_label='noted', model='note').exists()")
    _assert_settled_without_a_graph(env)
