"""Test-wide set-up: an isolated data dir and an empty configuration, set before Django
loads its settings, so no test touches ``./data`` or a developer's ``raqib.toml``.

The shared fixture ``static_server`` (a loopback HTTP server over a directory) lives here;
each stage's own fixtures live in its directory's conftest.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="raqib-tests-"))
(_SESSION_DIR / "raqib.toml").write_text("")
os.environ["RAQIB_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ["RAQIB_CONFIG"] = str(_SESSION_DIR / "raqib.toml")
os.environ.setdefault("RAQIB_TRANSCRIBE_MODEL", "bundled-base")
# Idle OpenMP threads (CTranslate2's Whisper, in this process and every subprocess) sleep
# instead of spinning first (issue 26): two test processes share two cores, so a spinning
# thread only takes CPU from the other; about 8 % of Whisper's CPU, the same transcripts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Django settings are named here, not in pyproject.toml, so pytest-django loads them only
# after the variables above are set (it reads an ini-named module before any conftest).
os.environ["DJANGO_SETTINGS_MODULE"] = "raqib.settings"
# Every evidence package is signed: the session's organisation key (a real Ed25519 key).
from review.evidence.signing import generate_key  # noqa: E402 - no Django needed

generate_key(_SESSION_DIR / "evidence-signing-key.pem")
os.environ["RAQIB_EVIDENCE_SIGNING_KEY"] = str(_SESSION_DIR / "evidence-signing-key.pem")
for _var in ("DATABASE_URL", "REDIS_URL", "RAQIB_SEARCH_BACKEND", "RAQIB_STATIC_ROOT"):
    os.environ.pop(_var, None)
# A test that runs a suite on a throw-away PostgreSQL names it here (tests/services.py).
if os.environ.get("RAQIB_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["RAQIB_TEST_DATABASE_URL"]

import django  # noqa: E402 - must follow the environment above

# Set up now so sub-directory conftests may import models at module level.
django.setup()


def _fast_password_hashes_in_this_process() -> None:
    """Passwords hashed in the test process use MD5 (issue 26): the production hasher,
    PBKDF2 at a million rounds, costs about 0.3 s of CPU per hash, and a user created and
    signed in costs two; that was most of the CPU of the review UI's and the rules'
    tests. No test here checks the hash's strength; what they check (the right password
    lets in, a wrong one does not, lockout, second factor) is the same with any hasher.
    Django's defaults stay behind MD5, so a hash that a ``raqib`` subprocess (real
    settings, PBKDF2) wrote still verifies here; subprocesses keep the production hasher
    (tests/test_test_isolation.py checks production still hashes with PBKDF2)."""
    from django.conf import global_settings, settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 *global_settings.PASSWORD_HASHERS]


_fast_password_hashes_in_this_process()

REPO_ROOT = Path(__file__).resolve().parent.parent


def _flush_past_append_only_triggers() -> None:
    """Transactional tests empty the test database with ``flush``; the audit log's
    triggers (catalog.chain) refuse that, so a test flush drops and re-creates them."""
    from django.core.management.commands import flush

    from catalog import chain

    original = flush.sql_flush

    def sql_flush(style, connection, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        vendor = connection.vendor
        return [*chain.drop_trigger_sql(vendor), *original(style, connection, *args, **kwargs),
                *chain.trigger_sql(vendor)]

    flush.sql_flush = sql_flush


_flush_past_append_only_triggers()


def _reseed_after_flush() -> None:
    """A transactional test ends by flushing every table, the starting rows the data
    migrations wrote included (role groups, signs of coercion, the tag vocabulary). Serially
    the next test file happened not to need them; under pytest-xdist another file runs next
    on that worker and does. So every flush writes them again, with the migrations' own
    functions (idempotent: get_or_create)."""
    import importlib

    from django.apps import apps
    from django.core.management.commands import flush
    seeds = [(importlib.import_module(module), name) for module, name in (
        ("review_ui.migrations.0001_roles", "create_roles"),
        ("review.migrations.0002_starting_signs", "add_signs"),
        ("catalog.migrations.0007_tag_vocabulary", "add_vocabulary"),
    )]
    original = flush.Command.handle

    def handle(self, **options):  # noqa: ANN001, ANN003, ANN202
        result = original(self, **options)
        if options.get("database", "default") == "default":
            for module, name in seeds:
                getattr(module, name)(apps, None)  # they use no schema editor
        return result

    flush.Command.handle = handle


_reseed_after_flush()


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (``-n N``) the controller starts its workers with its own
    environment. Were DJANGO_SETTINGS_MODULE in it, pytest-django would load the settings
    in each worker before this file runs there, on the controller's data dir and key:
    every worker would share them. Without it, each worker's settings load after its own
    session dir is named above (tests/test_test_isolation.py)."""
    if getattr(config.option, "numprocesses", None) and "PYTEST_XDIST_WORKER" not in os.environ:
        os.environ.pop("DJANGO_SETTINGS_MODULE", None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the files holding ``slow`` tests (Whisper, browsers, the demo,
    the drills: the longest files) go to the front of the queue, each file's own tests in
    the order they had (issue 26). ``--dist loadfile`` hands out whole files in collection
    order, and pytest-django puts tests without a database last, so the longest files came
    last and one process ran them alone while the other sat idle; now the short files fill
    in at the end. Files never depended on their order: the two processes already take them
    in an order that changes from run to run. A serial run keeps pytest-django's order."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: order kept within


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _search_index_per_test(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Each test gets its own Tantivy index directory: the index lives beside the database,
    not in it, so it does not roll back with a test's transaction."""
    from django.conf import settings

    path = tmp_path_factory.mktemp("search-index")
    monkeypatch.setitem(settings.CONFIG.values, "search.index_dir", str(path))


@pytest.fixture
def static_server(tmp_path: Path):
    """A loopback HTTP server over ``tmp_path / "www"``; yields the StaticServer."""
    from raqib.demo.server import StaticServer

    root = tmp_path / "www"
    root.mkdir()
    with StaticServer(root) as server:
        yield server
