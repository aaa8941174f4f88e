"""Bringing the catalog's schema up to date once, however many processes start together.

Every command that needs the database migrates it at start (``raqib.commands.runtime``),
and ``raqib migrate`` does only that (the first unit the scaled deployment starts,
docs/operations.md). Django's ``migrate`` is not safe to run twice at the same moment:
two processes on an empty PostgreSQL database both create the same tables and one fails
(``duplicate key value violates unique constraint "pg_type_typname_nsp_index"``,
``relation ... already exists``). So ``migrate()`` runs it under a lock that every
process takes first: on PostgreSQL a session-level advisory lock (``pg_advisory_lock``,
released at the end or when the session dies with its process), on SQLite an exclusive
``flock`` on a file beside the database file (released when the process exits). The
second process waits, then finds nothing left to apply.

To support another database: give ``_locked`` a branch for its vendor.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger("raqib.schema")

# The advisory lock's key: any fixed 64-bit number unlikely to clash with another
# application's advisory locks on a shared server ("raqib:migrate" as ASCII).
ADVISORY_KEY = 0x72617169623A6D67


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)  # "app.migration" applied by this call
    pending: list[str] = field(default_factory=list)  # left to apply (``--check`` only)
    waited: bool = False  # another process held the lock when this one asked


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations not yet applied to ``database``, in the order they would run."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[database])
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(targets)]


@contextlib.contextmanager
def _locked(database: str, on_wait: object = None) -> Iterator[bool]:
    """Hold the migration lock of ``database``; yield whether we had to wait for it."""
    connection = connections[database]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            waited = not cursor.fetchone()[0]
            if waited:
                if callable(on_wait):
                    on_wait()
                cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
        try:
            yield waited
        finally:
            # A dead session has released it already.
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
        return
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            yield False  # private to this process: nothing to race with
            return
        import fcntl

        lock_path = Path(f"{name}.migrate-lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                waited = False
            except BlockingIOError:
                waited = True
                if callable(on_wait):
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield waited
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    yield False  # another vendor: no lock known; migrate as Django does


def _say_waiting() -> None:
    print("raqib: another process is migrating the database; waiting for it to finish",
          file=sys.stderr, flush=True)


def migrate(database: str = DEFAULT_DB_ALIAS, *, check_only: bool = False,
            verbosity: int = 0) -> MigrationReport:
    """Apply every pending migration under the migration lock (see the module docstring)
    and return what was applied; ``check_only`` applies nothing and lists what is
    pending. Raises Django's errors when a migration fails (nothing is half-applied on
    PostgreSQL: each migration is a transaction)."""
    from django.core.management import call_command

    report = MigrationReport()
    if check_only:
        report.pending = pending_migrations(database)
        return report
    with _locked(database, on_wait=_say_waiting) as waited:
        report.waited = waited
        plan = pending_migrations(database)
        # Always run it (also with an empty plan): its post_migrate step creates the
        # content types and permissions of apps added without a migration of their own.
        call_command("migrate", database=database, verbosity=verbosity, interactive=False)
        report.applied = plan
    if report.applied:
        log.info("database migrated", extra={"applied": len(report.applied)})
    return report
