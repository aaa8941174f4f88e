"""Leases in the catalog database: one scheduler however many workers, and claimed work.

A lease is a row (``catalog.models.Lease``) naming its holder and when it expires. Every
comparison and expiry time is computed by the database server (``Now()``), never by the
worker, so a worker whose clock is off by minutes can neither take a live lease nor keep
an expired one; PostgreSQL serialises the conditional ``UPDATE`` so two processes never
both win. Three uses:

- ``acquire(SCHEDULER, holder, ttl)``: the scheduler's leadership (``raqib.scheduler``),
  renewed each poll; when its holder dies another process takes it over after ``ttl``.
- ``claim_period(job, seconds, holder)``: a periodic job runs once per period number
  (database time // seconds) even when two processes briefly both think they lead.
- ``StageClaim``/``Claim``: a worker claims ``broadcast:<id>`` before running a stage
  (``source:<id>`` before a crawl) and a heartbeat thread renews it while the work runs
  (a long transcription keeps it alive); a SIGKILLed worker's claim lapses and the
  scheduler queues the work again. A claim whose holder is provably dead (a process of
  this machine whose pid is gone or reused: holder ids carry host, pid and the process's
  start time) is taken over at once (``acquire_or_reclaim``, ``reclaim_dead``) instead
  of after it lapses; a holder on another machine is waited out. While the block runs
  the claim is the fence of its writes (``catalog.fencing``): a worker whose claim
  lapsed and was taken over can no longer commit a stage's result (its transaction
  raises ``ClaimLost``).

To add a use: pick a key prefix and call ``acquire``/``renew``/``release``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from types import TracebackType

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Now

from catalog import dbclock, fencing
from catalog.models import Lease
from raqib import outages

log = logging.getLogger("raqib.leases")

SCHEDULER = "scheduler"
STAGE_PREFIX = "broadcast:"
SOURCE_PREFIX = "source:"


def _process_identity(pid: int) -> str | None:
    """``<start time>-<pid namespace>`` of process ``pid`` on Linux (``/proc``): the start
    time (clock ticks since boot) tells a reused pid from the process that held it, the
    pid namespace a process in another container sharing the host name. None where
    ``/proc`` cannot say (not Linux, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        namespace = os.readlink(f"/proc/{pid}/ns/pid")
    except (OSError, IndexError):
        return None
    inode = "".join(ch for ch in namespace if ch.isdigit())
    return f"{fields[19]}-{inode}" if len(fields) > 19 else None


def holder_id() -> str:
    """A name unique to this process: ``host:pid:suffix:identity``, the random suffix
    because pids are reused, the identity (``_process_identity``) so that another process
    of this machine can prove this one dead (``_dead_here``)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:6]}:{_process_identity(pid) or ''}"


def _until(ttl: float):  # noqa: ANN202 - a database expression
    return Now() + timedelta(seconds=ttl)


def acquire(key: str, holder: str, ttl: float) -> bool:
    """Take the lease if it is free, expired or already ours (then it is renewed)."""
    taken = (Lease.objects.filter(key=key)
             .filter(Q(holder=holder) | Q(expires_at__lt=Now()))
             .update(holder=holder, expires_at=_until(ttl)))
    if taken:
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(key=key, holder=holder, expires_at=_until(ttl))
    except IntegrityError:  # someone else holds it (or took it a moment ago)
        return False
    return True


def _dead_here(holder: str) -> bool:
    """Whether ``holder`` (``holder_id()``) names a process of this machine that is
    provably gone: its pid no longer exists, or now belongs to a process that started
    later (a reused pid). A process elsewhere, in another pid namespace, or alive, is not
    known dead: a claim it holds is only taken when it expires."""
    parts = holder.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid, recorded = int(parts[1]), (parts[3] if len(parts) > 3 else "")
    mine = _process_identity(os.getpid())
    if recorded and mine and recorded.split("-")[-1] != mine.split("-")[-1]:
        return False  # another pid namespace (a container): its pids are not ours to check
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        pass
    now = _process_identity(pid)
    return bool(recorded and now and now != recorded)  # the pid was reused since


def lease_left(key: str) -> float | None:
    """Seconds until ``key``'s lease expires, by the database's clock (None: no lease)."""
    expires = Lease.objects.filter(key=key).values_list("expires_at", flat=True).first()
    return None if expires is None else round(
        (expires - dbclock.now()).total_seconds(), 1)


def acquire_or_reclaim(key: str, holder: str, ttl: float) -> bool:
    """``acquire``, and failing that take the lease over from a holder that was a process
    on this machine and is gone (a killed ``raqib process``: its rerun need not wait for
    the claim to lapse). The takeover is conditional on that holder, so it is safe
    against another process reclaiming at the same moment."""
    if acquire(key, holder, ttl):
        return True
    current = Lease.objects.filter(key=key).values_list("holder", flat=True).first()
    if current and _dead_here(current):
        left = lease_left(key)
        if Lease.objects.filter(key=key, holder=current).update(
                holder=holder, expires_at=_until(ttl)):
            log.info("claim of a dead process taken over", extra={
                "lease": key, "dead_holder": current, "by": holder, "lease_left_s": left})
            return True
    return False


def reclaim_dead(prefixes: tuple[str, ...] = (STAGE_PREFIX, SOURCE_PREFIX)) -> list[str]:
    """Free the live claims (keys under ``prefixes``) whose holders are provably dead
    processes of this machine (``_dead_here``), each with a conditional delete on that
    holder, and log each takeover (``claim of a dead process taken over``, with the
    lease time it had left). Return the keys freed: their work can be queued again now
    instead of after the lease expires."""
    freed = []
    for prefix in prefixes:
        for key, holder in live_holders(prefix).items():
            if not _dead_here(holder):
                continue
            left = lease_left(key)
            if Lease.objects.filter(key=key, holder=holder).delete()[0]:
                log.info("claim of a dead process taken over", extra={
                    "lease": key, "dead_holder": holder, "by": holder_id(),
                    "lease_left_s": left})
                freed.append(key)
    return freed


def renew(key: str, holder: str, ttl: float) -> bool:
    """Extend our lease; False when it is no longer ours (expired and taken over)."""
    return bool(Lease.objects.filter(key=key, holder=holder)
                .update(expires_at=_until(ttl)))


def release(key: str, holder: str) -> None:
    """Give the lease up (only if it is still ours)."""
    Lease.objects.filter(key=key, holder=holder).delete()


def live_holders(prefix: str) -> dict[str, str]:
    """Unexpired leases whose key starts with ``prefix``: key -> holder."""
    return dict(Lease.objects.filter(key__startswith=prefix, expires_at__gte=Now())
                .values_list("key", "holder"))


def database_epoch() -> float:
    """Seconds since the epoch by the database server's clock (``catalog.dbclock``)."""
    return dbclock.epoch()


def claim_period(job: str, seconds: float, holder: str) -> int | None:
    """The current period number of ``job`` if this call is the first to claim it (run
    the job now), None when it already ran in this period."""
    period = int(database_epoch() // seconds)
    key = f"tick:{job}"
    if Lease.objects.filter(key=key, period__lt=period).update(
            period=period, holder=holder, expires_at=Now()):
        return period
    try:
        with transaction.atomic():
            Lease.objects.create(key=key, holder=holder, expires_at=Now(), period=period)
    except IntegrityError:
        return None  # the row exists with this period already
    return period


class Claim:
    """``with Claim(key, ttl) as held:`` — ``held`` is False when another live worker
    holds ``key``; while held, a heartbeat thread renews the claim every ``ttl / 3``
    seconds (on its own database connection) until the block exits. Inside the block the
    claim fences this thread's stage writes (``catalog.fencing.check``)."""

    def __init__(self, key: str, ttl: float, holder: str | None = None,
                 reclaim_dead: bool = True) -> None:
        self.key = key
        self.ttl = ttl
        self.holder = holder or holder_id()
        self.reclaim_dead = reclaim_dead  # also take it from a dead process of this machine
        self.held = False
        self.lost = False  # a renewal found the claim taken over (a stall longer than ttl)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fence: contextlib.ExitStack | None = None

    def __enter__(self) -> bool:
        take = acquire_or_reclaim if self.reclaim_dead else acquire
        self.held = take(self.key, self.holder, self.ttl)
        if self.held:
            self._fence = contextlib.ExitStack()
            self._fence.enter_context(fencing.holding(self.key, self.holder, self.ttl))
            self._thread = threading.Thread(target=self._beat, daemon=True,
                                            name=f"lease-{self.key}")
            self._thread.start()
        return self.held

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.ttl / 3):
                try:
                    if not renew(self.key, self.holder, self.ttl):
                        self.lost = True
                        log.warning("stage claim lost", extra={"lease": self.key})
                        return
                except DatabaseError as exc:  # database restarting: try again next beat
                    if outages.is_database_outage(exc):
                        outages.DATABASE.down(exc)  # logged once per outage, not per beat
                    else:
                        log.warning("stage claim not renewed", extra={"lease": self.key,
                                                                      "error": str(exc)})
                    connection.close()
                else:
                    outages.DATABASE.up()
        finally:
            connection.close()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._fence is not None:
            self._fence.close()
            self._fence = None
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.held:
            try:
                release(self.key, self.holder)
            except DatabaseError as exc:  # it expires on its own
                if outages.is_database_outage(exc):
                    outages.DATABASE.down(exc)
                else:
                    log.warning("stage claim not released", extra={"lease": self.key})


class StageClaim(Claim):
    """The claim on one broadcast's stage (``broadcast:<id>``)."""

    def __init__(self, broadcast_id: int, ttl: float, holder: str | None = None,
                 reclaim_dead: bool = True) -> None:
        super().__init__(f"{STAGE_PREFIX}{broadcast_id}", ttl, holder, reclaim_dead)
