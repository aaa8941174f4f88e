"""The database server's clock: the one clock every worker machine shares.

Worker machines' clocks drift (a machine minutes off, a VM resumed from a snapshot), so
anything another process compares later — lease expiries, retry back-offs, the next
crawl time, ``updated_at``, a custody event's time (the hash chain refuses one dated more
than five minutes before the last) — is stamped with the catalog database's time: ``now()`` in
Python code, or ``django.db.models.functions.Now()`` inside an UPDATE. On SQLite the
"server" is this process (the embedded deployment is one machine). To use it: call
``now()`` where you would call ``timezone.now()`` for a time another process reads.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections


def epoch(using: str = DEFAULT_DB_ALIAS) -> float:
    """Seconds since the epoch by the database server's clock."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())")
        else:
            cursor.execute("SELECT (julianday('now') - 2440587.5) * 86400.0")
        return float(cursor.fetchone()[0])


def now(using: str = DEFAULT_DB_ALIAS) -> datetime:
    """The database server's current time (aware, UTC)."""
    return datetime.fromtimestamp(epoch(using), UTC)
