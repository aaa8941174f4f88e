"""Fencing: work done under a claim commits only while the claim is still its worker's.

A worker claims a broadcast (or a source) with a lease row (``catalog.models.Lease``,
taken by ``raqib.leases.Claim``). A claim can lapse while its worker still runs: a
database outage stops the heartbeat, a paused process wakes up, and by then another
worker has taken the claim and is doing the same stage. The first worker must then not
write its result: two workers each replacing the other's transcript, two custody events
for one capture, a stale status written over a newer one.

So every write that records a stage's outcome runs inside a transaction that first calls
``check()``: one ``UPDATE`` of the claim's lease row, matching only while the row still
names this worker (a compare-and-set on the holder), which also extends the lease. The
row stays locked until the transaction ends, so a takeover (which must update that same
row) waits for the commit and then finds the lease renewed, or takes it and the stale
worker's transaction, finding no row of its own, raises ``ClaimLost`` and rolls back.
Either the write and the claim commit together, or neither does.

The claim in force is a context variable set by ``holding()`` (``raqib.leases.Claim``
sets it), so the stages need no claim argument: code run without a claim (tests, a
command that takes none) is not fenced. To fence a new write: call ``check()`` first
thing inside its ``transaction.atomic()`` block, or use ``atomic()`` here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models.functions import Now

from catalog.models import Lease


class ClaimLost(Exception):
    """The claim this work runs under is no longer this worker's: its write is refused
    (the transaction rolls back); the worker that holds it now finishes the work."""


@dataclass(frozen=True)
class Fence:
    key: str
    holder: str
    ttl: float


_current: ContextVar[Fence | None] = ContextVar("raqib_fence", default=None)


@contextlib.contextmanager
def holding(key: str, holder: str, ttl: float) -> Iterator[Fence]:
    """Fence the writes made in this context (this thread) by the claim ``key``."""
    fence = Fence(key, holder, ttl)
    token = _current.set(fence)
    try:
        yield fence
    finally:
        _current.reset(token)


def current() -> Fence | None:
    """The claim in force here, if any."""
    return _current.get()


def check() -> None:
    """Inside a transaction: confirm the claim in force is still ours, extend it and lock
    its row until the transaction ends; raise ClaimLost if it was taken over (or given
    up). Without a claim in force, nothing to check."""
    fence = _current.get()
    if fence is None:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("fencing.check() must run inside the transaction it fences")
    renewed = (Lease.objects.filter(key=fence.key, holder=fence.holder)
               .update(expires_at=Now() + timedelta(seconds=fence.ttl)))
    if not renewed:
        raise ClaimLost(f"{fence.key} is no longer held by {fence.holder}: another worker "
                        "took it over; this worker's result is not written")


@contextlib.contextmanager
def atomic() -> Iterator[None]:
    """``transaction.atomic()`` that commits only under the claim in force (``check``)."""
    with transaction.atomic():
        check()
        yield
