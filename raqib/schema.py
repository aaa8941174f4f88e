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

The fast path (issue 26). Almost every start finds nothing to do, yet Django's way of
finding that out imports every migration module to build the migration graph and then
renders the models' state for ``post_migrate``: about a quarter of a second of CPU per
command. So ``migrate()`` first asks ``settled()``, which reads three small tables and
lists the migrations packages' files without importing them; only when it answers yes
does it skip the lock and ``call_command("migrate")``. It answers yes only when:

1. every migration file on disk (each installed app's migrations package, found as
   Django's loader finds it, ``MIGRATION_MODULES`` included; names starting ``_`` or
   ``~`` skipped) is recorded in ``django_migrations``. Django plans only graph nodes,
   and every node is such a file (a squashed migration and the ones it replaces are all
   files; Django records both once the squash is complete), so its plan would be empty.
   A recorded migration that is not on disk (a newer release's, or a removed one) is
   ignored, as Django ignores it.
2. the only ``post_migrate`` receivers are Django's own ``create_contenttypes`` and
   ``create_permissions``, and each would add nothing: every installed model (of an app
   with models, migrated or not, proxies included) has its content type row, and each
   has its default and ``Meta.permissions`` rows. An app added without migrations is
   caught here (its models have no content type yet), as is a process that died between
   recording its last migration and finishing ``post_migrate``. (Django runs them over
   the models as the migrations describe them, the check over the models in the code;
   where the two differ, a model changed without its migration, the check finds a row
   missing and every start takes the locked path: slower, never wrong.) Another receiver (a new
   app that connects one) switches the fast path off until this module learns to tell
   that it would do nothing.

The check takes no lock: the rows it reads are committed ones, and Django records a
migration only once it is applied (in the transaction that applies it, or just after it
commits when it has deferred SQL; on PostgreSQL and on SQLite alike), so a process that
finds them all present sees finished migrations; one that finds anything
missing, also because another process is half-way, takes the locked path unchanged and
waits there. ``migrate(check_only=True)`` (``raqib migrate --check``) answers "nothing
pending" from rule 1 alone and builds the graph only when a file is not recorded. What
the fast path does not repeat is Django's check of the code's own graph (conflicting
leaf migrations, a dependency on a missing migration): such a tree fails at the first
start with a pending migration, on a fresh database and in the test suite.

To support another database: give ``_locked`` a branch for its vendor (``settled`` uses
only the ORM). When an app connects another ``post_migrate`` receiver: add a check to
``_post_migrate_would_add`` that tells, without writing, that it would do nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import pkgutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger("raqib.schema")

# The advisory lock's key: any fixed 64-bit number unlikely to clash with another
# application's advisory locks on a shared server ("raqib:migrate" as ASCII).
ADVISORY_KEY = 0x72617169623A6D67

# The post_migrate receivers whose work ``_post_migrate_would_add`` can foresee.
KNOWN_RECEIVERS = frozenset(
    {
        "django.contrib.contenttypes.management.create_contenttypes",
        "django.contrib.auth.management.create_permissions",
    }
)


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)  # "app.migration" applied by this call
    pending: list[str] = field(default_factory=list)  # left to apply (``--check`` only)
    waited: bool = False  # another process held the lock when this one asked
    fast: bool = False  # answered by ``settled()``: no graph, no lock, no ``migrate``


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations not yet applied to ``database``, in the order they would run."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[database])
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(targets)]


def migration_files() -> set[tuple[str, str]]:
    """``(app_label, name)`` of every migration module on disk, found as Django's
    ``MigrationLoader.load_disk`` finds them but without importing a migration."""
    from django.apps import apps
    from django.db.migrations.loader import MIGRATIONS_MODULE_NAME, MigrationLoader

    found: set[tuple[str, str]] = set()
    for app_config in apps.get_app_configs():
        module_name, explicit = MigrationLoader.migrations_module(app_config.label)
        if module_name is None:
            continue
        try:
            package = importlib.import_module(module_name)  # its __init__ only
        except ModuleNotFoundError as exc:
            # As the migrate command's loader (ignore_no_migrations=False): an app with no
            # migrations package is unmigrated; a MIGRATION_MODULES entry that names a
            # missing module is an error.
            if not explicit and MIGRATIONS_MODULE_NAME in (exc.name or "").split("."):
                continue
            raise
        path = getattr(package, "__path__", None)
        if path is None or (
            getattr(package, "__file__", None) is None and not isinstance(path, list)
        ):
            continue  # a module, or an empty namespace directory: unmigrated
        found |= {
            (app_config.label, name)
            for _, name, is_pkg in pkgutil.iter_modules(path)
            if not is_pkg and name[0] not in "_~"
        }
    return found


def _unrecorded(database: str) -> set[tuple[str, str]]:
    from django.db.migrations.recorder import MigrationRecorder

    recorded = MigrationRecorder(connections[database]).applied_migrations()
    return migration_files() - set(recorded)


def _post_migrate_would_add(database: str) -> bool:
    """Whether ``post_migrate`` would write anything (True when it cannot tell)."""
    import weakref

    from django.apps import apps
    from django.db import router
    from django.db.models.signals import post_migrate

    names = set()
    for entry in post_migrate.receivers:
        receiver = entry[1]
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        if receiver is not None:
            names.add(f"{receiver.__module__}.{receiver.__qualname__}")
    if not names <= KNOWN_RECEIVERS:
        return True
    from django.contrib.auth import get_permission_codename
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    models = [
        model
        for config in apps.get_app_configs()
        if config.models_module
        for model in config.get_models()
    ]
    if router.allow_migrate_model(database, ContentType):
        types = {
            (label, name): pk
            for pk, label, name in ContentType.objects.using(database).values_list(
                "pk", "app_label", "model"
            )
        }
        if any((m._meta.app_label, m._meta.model_name) not in types for m in models):
            return True
        if router.allow_migrate_model(database, Permission):
            have = set(
                Permission.objects.using(database).values_list("content_type_id", "codename")
            )
            for model in models:
                opts = model._meta
                pk = types[(opts.app_label, opts.model_name)]
                wanted = {
                    get_permission_codename(action, opts) for action in opts.default_permissions
                }
                wanted |= {codename for codename, _ in opts.permissions}
                if any((pk, codename) not in have for codename in wanted):
                    return True
    return False


def settled(database: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``migrate`` would change nothing in ``database``: every migration on disk
    recorded and nothing for ``post_migrate`` to add (see the module docstring)."""
    return not _unrecorded(database) and not _post_migrate_would_add(database)


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
    print(
        "raqib: another process is migrating the database; waiting for it to finish",
        file=sys.stderr,
        flush=True,
    )


def migrate(
    database: str = DEFAULT_DB_ALIAS, *, check_only: bool = False, verbosity: int = 0
) -> MigrationReport:
    """Apply every pending migration under the migration lock (see the module docstring)
    and return what was applied; ``check_only`` applies nothing and lists what is
    pending. When ``settled()`` finds nothing to do, return at once (``report.fast``).
    Raises Django's errors when a migration fails (nothing is half-applied on
    PostgreSQL: each migration is a transaction)."""
    from django.core.management import call_command

    report = MigrationReport()
    if check_only:
        report.fast = not _unrecorded(database)
        report.pending = [] if report.fast else pending_migrations(database)
        return report
    if settled(database):
        report.fast = True
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
