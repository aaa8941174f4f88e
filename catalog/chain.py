"""The hash chain of the audit log: every ``CustodyEvent`` carries the SHA-256 of its own
content and of the row before it, so altering, deleting, reordering or inserting any row
breaks the chain from that row on.

* ``event_hash(fields, prev_hash)`` is the one definition of a row's hash: SHA-256 over a
  canonical JSON object (sorted keys, UTF-8, no spaces) of the chained fields
  (``CHAINED_FIELDS``) plus ``prev_hash`` and the format version ``v``. The bundled
  ``verify`` script of an evidence bag repeats it, so **never change it**; a new field
  needs a new ``v`` and both definitions kept.
* ``append_lock(connection)`` serialises writers before the head is read: a PostgreSQL
  transaction-level advisory lock, on SQLite a write statement that takes the database's
  write lock (Raqib opens SQLite transactions ``BEGIN IMMEDIATE`` anyway). ``seq`` and
  ``prev_hash`` are unique besides, so the database itself refuses a fork.
* ``trigger_sql(vendor)`` / ``drop_trigger_sql(vendor)``: the triggers that make the
  database refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the append-only tables
  (``APPEND_ONLY_TABLES``); ``missing_triggers`` says which are gone.
* ``anchor_statement(seq, hash)``: the bytes an audit anchor's timestamp is over.
* ``verify_rows(rows)`` walks (seq, hash, prev_hash, fields...) rows in ``seq`` order and
  returns the first problem.

This module is pure catalog layer (Django's connection only). To chain another table:
give it ``seq``/``prev_hash``/``hash`` and a ``save`` that calls ``append_lock`` and
``event_hash``, and add it to ``APPEND_ONLY_TABLES``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FORMAT_VERSION = 1
GENESIS = "0" * 64
# The fields of a custody event that its hash covers, in the order of the database columns.
CHAINED_FIELDS = ("seq", "at", "action", "actor", "broadcast_id", "media_id", "sha256",
                  "source_url", "final_url", "http_status", "host", "tool_versions", "details")
# Append-only tables: the database refuses UPDATE and DELETE on them.
APPEND_ONLY_TABLES = ("raqib_custodyevent", "raqib_alertreview", "review_incidentevent",
                      "raqib_auditanchor")
ADVISORY_KEY = 7_231_964_105  # pg_advisory_xact_lock key of the audit chain
# A new event dated this much before the head is refused as back-dated.
BACKDATE_TOLERANCE = dt.timedelta(minutes=5)


def utc_text(value: dt.datetime | str) -> str:
    """An instant as the chain writes it: UTC, microseconds, ``+00:00``."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(data: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, UTF-8)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The SHA-256 (hex) of one custody event's chained fields and its predecessor."""
    body = {name: fields.get(name) for name in CHAINED_FIELDS}
    body["at"] = utc_text(body["at"])
    body["prev_hash"] = prev_hash
    body["v"] = FORMAT_VERSION
    return hashlib.sha256(canonical(body)).hexdigest()


def anchor_statement(seq: int, head_hash: str) -> bytes:
    """The bytes an audit anchor's RFC 3161 token is over: the head as canonical JSON,
    ``{"hash":"<hex>","seq":<n>,"type":"raqib-audit-head"}`` (anyone can rebuild it from a
    published head and check the token with ``openssl ts -verify -data``)."""
    return canonical({"hash": head_hash, "seq": int(seq), "type": "raqib-audit-head"})


def json_roundtrip(value: Any) -> Any:
    """``value`` as the database will give it back (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value, allow_nan=False))


def append_lock(connection: Any) -> None:
    """Serialise chain writers until the current transaction ends (call inside one)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_KEY])
        else:  # SQLite: a write statement takes the write lock (matches no row)
            cursor.execute("UPDATE raqib_custodyevent SET seq = seq WHERE 0")


def _sqlite_triggers(table: str) -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")]


def trigger_sql(vendor: str, tables: Iterable[str] = APPEND_ONLY_TABLES) -> list[str]:
    """Statements creating the triggers that refuse UPDATE/DELETE on ``tables``."""
    statements: list[str] = []
    if vendor == "postgresql":
        statements.append(
            "CREATE OR REPLACE FUNCTION raqib_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END; $$ LANGUAGE plpgsql")
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION raqib_append_only()",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION raqib_append_only()"]
    elif vendor == "sqlite":
        for table in tables:
            statements += _sqlite_triggers(table)
    return statements


def drop_trigger_sql(vendor: str, tables: Iterable[str] = APPEND_ONLY_TABLES) -> list[str]:
    """Statements dropping those triggers (a migration's reverse; test-database flushes)."""
    if vendor == "postgresql":
        return [stmt for table in tables for stmt in (
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for table in tables
                for op in ("update", "delete")]
    return []


def missing_triggers(connection: Any) -> list[str]:
    """The append-only triggers that should exist and do not (empty: all in place)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            present = {row[0] for row in cursor.fetchall()}
            wanted = [f"{t}_{kind}" for t in APPEND_ONLY_TABLES
                      for kind in ("append_only", "no_truncate")]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            wanted = [f"{t}_no_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")]
        else:
            return []
    return [name for name in wanted if name not in present]


@dataclass
class ChainProblem:
    """The first row where the chain breaks, and why."""

    seq: int | None
    id: int | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.id, "reason": self.reason}


@dataclass
class ChainResult:
    """What walking the chain found: the head, how many rows, the first problem if any."""

    count: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None


def verify_rows(rows: Iterable[Mapping[str, Any]], *, start_seq: int = 1,
                start_prev: str = GENESIS) -> ChainResult:
    """Walk rows (dicts with ``id``, ``hash``, ``prev_hash`` and ``CHAINED_FIELDS``) in
    ``seq`` order from ``start_seq``/``start_prev``; stop at the first broken row."""
    expected_seq, prev, count, last_at = start_seq, start_prev, 0, None
    for row in rows:
        seq, row_id = row["seq"], row.get("id")
        if seq != expected_seq:
            what = "missing" if seq is not None and seq > expected_seq else "out of order"
            return ChainResult(count, expected_seq - 1, prev, ChainProblem(
                seq, row_id, f"sequence {what}: expected seq {expected_seq}, found {seq}"
                + (" (rows deleted?)" if what == "missing" else "")))
        if row["prev_hash"] != prev:
            return ChainResult(count, seq - 1, prev, ChainProblem(
                seq, row_id, "prev_hash does not match the previous row's hash "
                "(row inserted, removed or reordered)"))
        actual = event_hash(row, prev)
        if actual != row["hash"]:
            return ChainResult(count, seq - 1, prev, ChainProblem(
                seq, row_id, "content does not match its hash (row altered or forged)"))
        at = dt.datetime.fromisoformat(utc_text(row["at"]))
        if last_at is not None and at < last_at - BACKDATE_TOLERANCE:
            return ChainResult(count, seq - 1, prev, ChainProblem(
                seq, row_id, f"dated {at.isoformat()}, before the row before it "
                f"({last_at.isoformat()}): back-dated"))
        last_at = max(at, last_at) if last_at else at
        prev, expected_seq, count = row["hash"], seq + 1, count + 1
    return ChainResult(count, expected_seq - 1, prev, None)
