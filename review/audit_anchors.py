"""Anchored audit heads: RFC 3161 timestamps over the head of the audit chain, and the
check that the chain still matches every one of them.

``anchor_head(tsa_urls)`` asks each time-stamp authority (``review.evidence.tsa``, the
same ``openssl ts`` client the evidence bags use) for a token over the current head
(``catalog.chain.anchor_statement(seq, hash)``), then stores it as an ``AuditAnchor`` and
appends an ``audit-anchored`` event to the chain, in one transaction: a run killed while
the TSA answers writes nothing. A head already anchored (nothing but anchor records since)
is not anchored again, nor a chain that no longer holds its last anchored hash
(``ChainMismatch``: a fresh token over a rewritten head would look like a good one).
The caller serialises runs (``raqib.anchoring.anchor_audit_head`` holds a lease); two
runs racing anyway meet the ``(seq, tsa)`` unique key and the loser writes nothing.

``check_anchors(tsa_ca)`` verifies every anchor's token (``openssl ts -verify``, against
``tsa_ca`` or else the certificates kept with the anchor), compares the chain's hash at the
anchored seq with the anchored hash (a rewrite, insertion or removal at or below it no
longer matches; a truncation below it leaves no row there), cross-checks the anchor table
with the ``audit-anchored`` events, and reports the tail no anchor covers.
``anchors_json()`` is the export an operator publishes. To check one more thing about an
anchor: add it to ``_anchor_problems``.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from catalog import audit, chain
from catalog.audit_chain import chain_head
from catalog.models import AuditAnchor, CustodyEvent
from review.evidence import tsa

ANCHORED = "audit-anchored"  # the chain's record of an anchor
FIELDS = ("id", "seq", "head_hash", "tsa", "token", "certificates", "gen_time", "created_at")


class ChainMismatch(Exception):
    """The chain no longer holds the hash of its last anchor: it is not anchored again
    (a fresh token over a rewritten head would look like a good one); ``raqib audit
    verify`` names the rows."""


def _up_to_date(url: str) -> int | None:
    """The seq last anchored at ``url`` when nothing but anchor records came after it;
    ``ChainMismatch`` when the chain no longer holds that anchor's hash."""
    last = (AuditAnchor.objects.filter(tsa=url).order_by("-seq")
            .values("id", "seq", "head_hash").first())
    if last is None:
        return None
    held = CustodyEvent.objects.filter(seq=last["seq"]).values_list("hash", flat=True).first()
    if held != last["head_hash"]:
        raise ChainMismatch(f"the chain no longer holds the hash of anchor {last['id']} at "
                            f"seq {last['seq']} (rewritten or truncated); not anchoring it "
                            "again: raqib audit verify names the rows")
    newer = CustodyEvent.objects.filter(seq__gt=last["seq"]).exclude(action=ANCHORED)
    return None if newer.exists() else last["seq"]


def _timestamp(seq: int, head_hash: str, url: str) -> tsa.Timestamp:
    with tempfile.TemporaryDirectory(prefix="raqib-anchor-") as tmp:
        statement = Path(tmp) / "head.json"
        statement.write_bytes(chain.anchor_statement(seq, head_hash))
        return tsa.request_timestamp(statement, url)


def anchor_head(tsa_urls: Iterable[str]) -> list[dict[str, Any]]:
    """Anchor the current head at each TSA; one result per TSA (``status``: anchored,
    up-to-date, raced or empty). Raises ``tsa.TimestampError`` for a TSA that fails and
    ``ChainMismatch`` when the chain no longer matches the TSA's last anchor (anchors
    already taken at the TSAs before it are kept)."""
    head = chain_head()
    results: list[dict[str, Any]] = []
    for url in tsa_urls:
        if head["seq"] == 0:
            results.append({"tsa": url, "status": "empty", "seq": 0})
            continue
        done = _up_to_date(url)
        if done is not None:
            results.append({"tsa": url, "status": "up-to-date", "seq": done})
            continue
        stamp = _timestamp(head["seq"], head["hash"], url)
        try:
            with transaction.atomic():
                anchor = AuditAnchor.objects.create(
                    seq=head["seq"], head_hash=head["hash"], tsa=url, token=stamp.reply,
                    certificates=stamp.certificates, gen_time=stamp.gen_time)
                audit.record(ANCHORED, details=_event_details(anchor))
        except IntegrityError:  # another run anchored this head at this TSA meanwhile
            results.append({"tsa": url, "status": "raced", "seq": head["seq"]})
            continue
        results.append({"tsa": url, "status": "anchored", "id": anchor.pk,
                        "seq": anchor.seq, "hash": anchor.head_hash,
                        "gen_time": anchor.gen_time})
    return results


def _event_details(anchor: AuditAnchor) -> dict[str, Any]:
    return {"anchor": anchor.pk, "seq": anchor.seq, "hash": anchor.head_hash,
            "tsa": anchor.tsa, "token_sha256": hashlib.sha256(bytes(anchor.token)).hexdigest(),
            "gen_time": anchor.gen_time}


def anchor_json(row: dict[str, Any]) -> dict[str, Any]:
    """One anchor as stable JSON: what an operator publishes and an outsider checks."""
    token = bytes(row["token"])
    return {"id": row["id"], "seq": row["seq"], "hash": row["head_hash"], "tsa": row["tsa"],
            "gen_time": row["gen_time"], "created_at": chain.utc_text(row["created_at"]),
            "statement": chain.anchor_statement(row["seq"], row["head_hash"]).decode(),
            "token_sha256": hashlib.sha256(token).hexdigest(),
            "token_base64": base64.b64encode(token).decode("ascii"),
            "certificates": row["certificates"]}


def anchors_json() -> list[dict[str, Any]]:
    """Every anchor, oldest first."""
    return [anchor_json(r) for r in AuditAnchor.objects.order_by("seq", "id").values(*FIELDS)]


def token_problem(row: dict[str, Any], tsa_ca: Path | None) -> str | None:
    """None when the anchor's token is a valid timestamp of its statement, signed by a
    certificate in ``tsa_ca`` (or, without one, in the certificates kept with it)."""
    with tempfile.TemporaryDirectory(prefix="raqib-anchor-") as tmp:
        data, reply = Path(tmp) / "head.json", Path(tmp) / "token.tsr"
        data.write_bytes(chain.anchor_statement(row["seq"], row["head_hash"]))
        reply.write_bytes(bytes(row["token"]))
        ca = tsa_ca
        if ca is None:
            if not row["certificates"].strip():
                return "no TSA certificate kept with the anchor (set audit.tsa_ca)"
            ca = Path(tmp) / "certs.pem"
            ca.write_text(row["certificates"], encoding="utf-8")
        return tsa.check_reply(data, reply, ca)


def _chain_hashes(seqs: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    ordered = sorted(seqs)
    for i in range(0, len(ordered), 500):
        found.update(CustodyEvent.objects.filter(seq__in=ordered[i:i + 500])
                     .values_list("seq", "hash"))
    return found


def _recorded() -> dict[int, dict[str, Any]]:
    """The anchors the chain recorded (``audit-anchored`` events): anchor id -> details."""
    rows = CustodyEvent.objects.filter(action=ANCHORED).values_list("seq", "details")
    return {d.get("anchor"): {**d, "event_seq": seq} for seq, d in rows
            if isinstance(d, dict)}


def _anchor_problems(row: dict[str, Any], held: str | None, head_seq: int, good_below: int,
                     recorded: dict[str, Any] | None, tsa_ca: Path | None) -> list[str]:
    name = f"anchor {row['id']} (seq {row['seq']}, {row['gen_time'] or 'no time'})"
    problems = []
    bad_token = token_problem(row, tsa_ca)
    if bad_token:
        problems.append(f"{name}: its timestamp token does not verify: {bad_token}")
    if row["seq"] > head_seq:
        problems.append(f"TRUNCATED: {name} covers seq {row['seq']} but the chain ends at "
                        f"seq {head_seq}: rows {head_seq + 1}..{row['seq']} were removed")
    elif held != row["head_hash"]:
        problems.append(f"REWRITTEN: {name} anchored hash {row['head_hash']}, the chain now "
                        f"holds {held or 'no row'} at seq {row['seq']}: rows "
                        f"{good_below + 1}..{row['seq']} were inserted, removed or changed "
                        "behind this anchored head")
    if recorded is None:
        problems.append(f"{name} is in the anchor table but not recorded on the chain "
                        "(added behind the chain's back)")
    elif (recorded.get("seq"), recorded.get("hash"), recorded.get("token_sha256")) != (
            row["seq"], row["head_hash"], hashlib.sha256(bytes(row["token"])).hexdigest()):
        problems.append(f"{name} differs from its record on the chain (seq "
                        f"{recorded['event_seq']}): the anchor row was changed")
    return problems


def check_anchors(tsa_ca: Path | None = None) -> dict[str, Any]:
    """Check every anchor against the chain and its TSA (see the module docstring)."""
    anchors = AuditAnchor.objects.order_by("seq", "id")
    head = chain_head()
    held = _chain_hashes(set(anchors.values_list("seq", flat=True)))
    recorded = _recorded()
    problems: list[str] = []
    good_below = 0  # the highest seq up to which every anchor so far matched
    count, last = 0, None
    for row in anchors.values(*FIELDS).iterator(chunk_size=200):  # tokens: a few KB each
        found = _anchor_problems(row, held.get(row["seq"]), head["seq"], good_below,
                                 recorded.pop(row["id"], None), tsa_ca)
        problems += found
        if not found:
            good_below = max(good_below, row["seq"])
        count, last = count + 1, row
    for anchor_id, details in sorted(recorded.items(), key=lambda kv: kv[1]["event_seq"]):
        problems.append(f"anchor {anchor_id} (seq {details.get('seq')}), recorded on the chain "
                        f"at seq {details['event_seq']}, is missing from the anchor table "
                        "(deleted)")
    return {"ok": not problems, "count": count, "problems": problems,
            "trust": "audit.tsa_ca" if tsa_ca else "kept with each anchor (set audit.tsa_ca)",
            "last_anchored_seq": good_below if count else None,
            "last_anchor_time": last["gen_time"] if last else None,
            "unanchored_tail": head["seq"] - good_below}
