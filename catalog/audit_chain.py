"""Reading the audit chain back: walk and check it (``verify_chain``), its head
(``chain_head``) and the slice an evidence bag carries (``chain_slice``).

``raqib audit verify|head`` and ``raqib evidence`` are built on these (``check_expected``:
the published heads ``--expect`` names); the hash itself is
defined once in ``catalog.chain``. To check something more about the log: add it to
``verify_chain`` and to its result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection

from catalog import chain
from catalog.models import CustodyEvent

ROW_FIELDS = ("id", "hash", "prev_hash", *chain.CHAINED_FIELDS)


def chained_rows(start_seq: int = 1, *, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """Every event from ``start_seq`` on, in ``seq`` order, as dicts (keyset pages)."""
    seq = start_seq - 1
    while True:
        page = list(CustodyEvent.objects.filter(seq__gt=seq).order_by("seq")
                    .values(*ROW_FIELDS)[:chunk])
        if not page:
            return
        yield from page
        seq = page[-1]["seq"]


def event_json(row: dict[str, Any]) -> dict[str, Any]:
    """One chained row as stable JSON (what an evidence bag carries)."""
    out = {name: row[name] for name in ROW_FIELDS}
    out["at"] = chain.utc_text(row["at"])
    return out


def verify_chain(progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Walk the whole chain; the result names the first bad row (``problem``) if any, and
    the append-only triggers missing from the database."""
    def rows() -> Iterator[dict[str, Any]]:
        for n, row in enumerate(chained_rows(), 1):
            if progress and n % 100_000 == 0:
                progress(n)
            yield row

    result = chain.verify_rows(rows())
    missing = chain.missing_triggers(connection)
    return {"ok": result.problem is None and not missing, "events": result.count,
            "head_seq": result.head_seq, "head_hash": result.head_hash,
            "problem": result.problem.as_dict() if result.problem else None,
            "missing_triggers": missing}


def chain_head() -> dict[str, Any]:
    """The last event's seq, hash and time (the genesis hash for an empty log)."""
    head = CustodyEvent.objects.order_by("-seq").values("seq", "hash", "at").first()
    if head is None:
        return {"seq": 0, "hash": chain.GENESIS, "at": None}
    return {"seq": head["seq"], "hash": head["hash"], "at": chain.utc_text(head["at"])}


def chain_slice(first_seq: int, last_seq: int) -> list[dict[str, Any]]:
    """Events ``first_seq``..``last_seq`` inclusive, in order, as stable JSON."""
    rows = (CustodyEvent.objects.filter(seq__gte=first_seq, seq__lte=last_seq)
            .order_by("seq").values(*ROW_FIELDS))
    return [event_json(r) for r in rows]


TAIL_SHOWN = 20  # rows after an expected head listed by name


def check_expected(expected: list[tuple[int, str]]) -> dict[str, Any]:
    """Compare published heads (seq, hash) with the chain. Each must be held at its seq
    (the whole chain up to it is then unchanged, as every hash covers the one before). The
    rows after the highest expected seq are *not covered* by the expectation: counted and
    the first ``TAIL_SHOWN`` listed, so a row appended behind the publisher's back is shown,
    never silently accepted."""
    held = dict(CustodyEvent.objects.filter(seq__in=[seq for seq, _ in expected])
                .values_list("seq", "hash"))
    checks = [{"seq": seq, "hash": digest, "found": held.get(seq),
               "ok": held.get(seq) == digest} for seq, digest in expected]
    covered = max(seq for seq, _ in expected)
    after = CustodyEvent.objects.filter(seq__gt=covered).order_by("seq")
    count = after.count()
    uncovered = None
    if count:
        rows = after.values("seq", "id", "action", "actor", "at")[:TAIL_SHOWN]
        uncovered = {"from_seq": covered + 1, "count": count,
                     "rows": [{**r, "at": chain.utc_text(r["at"])} for r in rows]}
    return {"expected": checks, "uncovered": uncovered}
