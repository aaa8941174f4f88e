"""Outages of the queue (Redis) and the catalog database: one warning when one starts,
one when it ends, per process, however many threads notice it and however often.

A worker polls the queue several times a second and every thread (huey's workers and
its schedule reader, the scheduler, each claim's heartbeat) notices an outage on its
own; logging each failed poll with its traceback buried a 60-second Redis restart under
thousands of lines. Instead each place that can meet an outage calls
``QUEUE.down(exc)``/``DATABASE.down(exc)`` when a call fails with a connection error
(``is_queue_outage``/``is_database_outage``) and ``.up()`` when a call succeeds: the
first ``down`` logs ``queue unreachable`` (WARNING, with the error and without a
traceback), the first ``up`` after it logs ``queue reachable again`` with how long it
lasted, and everything between is counted, not logged.

To watch another dependency: make an ``Outage("name")`` and call it the same way.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("raqib.outages")


class Outage:
    """The up/down state of one dependency in this process (thread-safe)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._since: float | None = None  # monotonic time the outage was first seen
        self._failures = 0
        self._first_error = ""

    @property
    def is_down(self) -> bool:
        return self._since is not None

    def down(self, exc: BaseException | str) -> bool:
        """Record a failed call; True when this call is the one that noticed the outage
        (and logged it)."""
        with self._lock:
            self._failures += 1
            if self._since is not None:
                return False
            self._since = time.monotonic()
            self._first_error = _describe(exc)
        log.warning(f"{self.name} unreachable; waiting for it to come back",
                    extra={"dependency": self.name, "error": self._first_error})
        return True

    def up(self) -> bool:
        """Record a successful call; True when it ended an outage (and logged so)."""
        if self._since is None:  # the common case: no lock taken
            return False
        with self._lock:
            if self._since is None:
                return False
            lasted = time.monotonic() - self._since
            failures, self._since, self._failures = self._failures, None, 0
        log.warning(f"{self.name} reachable again", extra={
            "dependency": self.name, "outage_s": round(lasted, 1),
            "failed_calls": failures, "error": self._first_error})
        return True


def _describe(exc: BaseException | str) -> str:
    if isinstance(exc, str):
        return exc
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


QUEUE = Outage("queue")
DATABASE = Outage("database")


def is_queue_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the queue's server cannot be reached (not a bad request)."""
    import redis

    return isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)


def is_busy(exc: BaseException) -> bool:
    """SQLite's ``database is locked``: another writer, not an outage."""
    return "database is locked" in str(exc)


def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the catalog database cannot be reached or went away."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError) and not is_busy(exc)


def report(exc: BaseException) -> bool:
    """Report ``exc`` as a queue or database outage (logged once per outage); False when it
    is neither, for the caller to handle as any other error."""
    if is_queue_outage(exc):
        QUEUE.down(exc)
        return True
    if is_database_outage(exc):
        DATABASE.down(exc)
        return True
    return False
