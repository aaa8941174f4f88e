"""The Tantivy index on disk: generations, the single writer, readers, rebuild and swap.

Layout under the index directory (``search.index_dir``, default ``DATA_DIR/search``)::

    CURRENT            the name of the live generation (replaced atomically)
    BUILDING           the generation ``raqib reindex`` is building, while it builds
    write.lock         held (flock) by whoever writes: one writer at a time, all processes
    g-<time>-<rand>/   a Tantivy index (one generation); raqib-schema.json beside its files

Tantivy allows one writer per index; every write here (a worker indexing a transcript,
``index check --fix``, a reindex batch) takes ``write.lock`` first, opens a writer, commits
and closes it, so writers in any number of processes queue instead of failing. A write
commits once: a killed writer leaves the last commit (the database stays the source of
truth; ``raqib index check --fix`` repairs what was lost). While a rebuild runs, each write
goes to the live generation AND the one being built; the rebuild swaps ``CURRENT`` under the
lock after a last consistency pass, so searches never stop and no write is lost across the
swap. Readers (the web, workers, the CLI) never lock: they read ``CURRENT`` and reload the
generation's newest commit before each search.

First use (a new installation, or one moving from the former SQLite FTS5 index): with no
``CURRENT``, the first caller builds the index from the catalog under the lock
(``bootstrap``), so the move to Tantivy needs no step of its own; ``raqib reindex`` does
the same on demand. To change the schema: bump ``SCHEMA_VERSION`` with the fields in
``index.tantivy_backend.build_schema``; a live index of another version counts as none, so
it is built again the same way (or ahead of time with ``raqib reindex``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from index.base import BackendError

log = logging.getLogger("raqib.index.tantivy")

SCHEMA_VERSION = 3  # 2: text fields take space-joined terms (tantivy_backend.ANALYZER)
# 3: corrected and verified text (cterms, vterms)
LOCK_TIMEOUT = 120.0  # seconds a writer waits for the one before it
WRITER_HEAP = 64_000_000  # bytes of indexing buffer per writer (Tantivy's minimum is 15 MB)


# Generations opened in this process, shared by every store of the same directory and
# tokenizers (the web builds a backend, so a store, per search: each opened the index again,
# issue 26). Only the newest generation of a directory is kept, and a few directories.
_Key = tuple[str, str, Any]  # directory, generation, the store's ``prepare``
_SHARED: OrderedDict[_Key, tantivy.Index] = OrderedDict()
_SHARED_GUARD = threading.Lock()
_SHARED_DIRECTORIES = 4


def _opened(key: _Key) -> tantivy.Index | None:
    with _SHARED_GUARD:
        found = _SHARED.get(key)
        if found is not None:
            _SHARED.move_to_end(key)
        return found


def _keep_opened(key: _Key, index: tantivy.Index) -> None:
    with _SHARED_GUARD:
        for older in [k for k in _SHARED if k[0] == key[0]]:
            del _SHARED[older]  # another generation of the same directory
        _SHARED[key] = index
        while len(_SHARED) > _SHARED_DIRECTORIES:
            _SHARED.popitem(last=False)


class TantivyStore:
    """One index directory; ``schema`` builds the Tantivy schema of a new generation."""

    def __init__(self, root: Path, schema: Callable[[], tantivy.Schema],
                 prepare: Callable[[tantivy.Index], None] | None = None) -> None:
        self.root = Path(root)
        self._schema = schema
        self._prepare = prepare  # called on each opened index (registers tokenizers)
        self._open: dict[str, tantivy.Index] = {}
        self._versions: dict[str, bool] = {}
        self._guard = threading.Lock()

    # -- generations --------------------------------------------------------------------------

    def _read_pointer(self, name: str) -> str | None:
        try:
            value = (self.root / name).read_text().strip()
        except FileNotFoundError:
            return None
        return value or None

    def _write_pointer(self, name: str, value: str | None) -> None:
        path = self.root / name
        if value is None:
            path.unlink(missing_ok=True)
            return
        tmp = path.with_name(f".{name}.{os.getpid()}")
        tmp.write_text(value + "\n")
        os.replace(tmp, path)

    def current(self) -> str | None:
        """The live generation's name (None before the first build, and when the live one
        has another schema version: it is built again on first use, as a new one is)."""
        name = self._read_pointer("CURRENT")
        if name is not None and not self._compatible(name):
            return None
        return name

    def _compatible(self, generation: str) -> bool:
        found = self._versions.get(generation)
        if found is None:
            try:
                meta = json.loads((self.root / generation / "raqib-schema.json").read_text())
            except (OSError, ValueError):
                return True  # unreadable: index() says so with its reason
            found = self._versions[generation] = meta.get("version") == SCHEMA_VERSION
            if not found:
                log.warning("the search index %s has schema version %s, this Raqib writes "
                            "%s: building it again from the catalog", generation,
                            meta.get("version"), SCHEMA_VERSION)
        return found

    def building(self) -> str | None:
        return self._read_pointer("BUILDING")

    def new_generation(self) -> str:
        """Create an empty generation directory and its index; return its name."""
        name = f"g-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        path = self.root / name
        path.mkdir(parents=True)
        tantivy.Index(self._schema(), path=str(path), reuse=False)
        (path / "raqib-schema.json").write_text(json.dumps({"version": SCHEMA_VERSION}))
        return name

    def index(self, generation: str) -> tantivy.Index:
        with self._guard:
            key = (str(self.root), generation, self._prepare)
            found = self._open.get(generation) or _opened(key)
            if found is None:
                path = self.root / generation
                try:
                    meta = json.loads((path / "raqib-schema.json").read_text())
                except (OSError, ValueError) as exc:
                    raise BackendError(f"the search index {path} is unreadable ({exc}); run "
                                       "`raqib reindex` to rebuild it from the database") from exc
                if meta.get("version") != SCHEMA_VERSION:
                    raise BackendError(f"the search index {path} has schema version "
                                       f"{meta.get('version')}, this Raqib writes "
                                       f"{SCHEMA_VERSION}: run `raqib reindex`")
                found = tantivy.Index.open(str(path))
                found.config_reader("Manual")
                if self._prepare is not None:
                    self._prepare(found)
                _keep_opened(key, found)
            self._open[generation] = found
            return found

    # -- reading ------------------------------------------------------------------------------

    def searcher(self, bootstrap: Callable[[], None] | None = None) -> tantivy.Searcher:
        """A searcher over the live generation's newest commit (builds the index first if
        there is none yet and ``bootstrap`` is given)."""
        generation = self.current()
        if generation is None:
            if bootstrap is None:
                raise BackendError(f"no search index in {self.root} yet: run `raqib reindex`")
            bootstrap()
            generation = self.current()
            if generation is None:
                raise BackendError(f"the search index in {self.root} was not built")
        index = self.index(generation)
        try:
            index.reload()
        except ValueError:
            # a merge removed files between reading the commit and opening them: retry once
            time.sleep(0.05)
            index.reload()
        return index.searcher()

    # -- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """Hold ``write.lock``: the one writer of every process."""
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        with open(self.root / "write.lock", "a+") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise BackendError(f"the search index writer in {self.root} has been "
                                           f"busy for {timeout:.0f}s (a reindex or a stuck "
                                           "process); try again later") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def apply(self, generations: list[str], change: Callable[[Any], None],
              heap: int = WRITER_HEAP) -> None:
        """Run ``change(writer)`` on each generation and commit it (the caller holds the
        lock)."""
        for generation in dict.fromkeys(generations):
            writer = self.index(generation).writer(heap_size=heap, num_threads=1)
            try:
                change(writer)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
            finally:
                del writer  # releases Tantivy's writer lock on the directory

    def write(self, change: Callable[[Any], None],
              bootstrap: Callable[[], None] | None = None) -> None:
        """One write, on the live generation and on one being built (under the lock)."""
        with self.lock():
            if self.current() is None and bootstrap is not None:
                bootstrap()
            targets = [g for g in (self.current(), self.building()) if g]
            if not targets:
                raise BackendError(f"no search index in {self.root} yet: run `raqib reindex`")
            self.apply(targets, change)

    def swap(self, generation: str) -> None:
        """Make ``generation`` live (the caller holds the lock); drop generations older
        than the one it replaces (a reader may still be finishing on that one)."""
        previous = self.current()
        self._write_pointer("CURRENT", generation)
        self._write_pointer("BUILDING", None)
        keep = {generation, previous}
        for path in self.root.glob("g-*"):
            if path.name not in keep and path.is_dir():
                with self._guard:
                    self._open.pop(path.name, None)
                shutil.rmtree(path, ignore_errors=True)

    def abandon(self, generation: str) -> None:
        """Forget a generation whose build failed (the caller holds the lock)."""
        if self.building() == generation:
            self._write_pointer("BUILDING", None)
        with self._guard:
            self._open.pop(generation, None)
        shutil.rmtree(self.root / generation, ignore_errors=True)

    def start_building(self, generation: str) -> None:
        self._write_pointer("BUILDING", generation)
