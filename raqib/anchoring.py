"""Anchoring the audit chain's head (``review.audit_anchors``) once at a time: the
scheduler's hourly ``audit-anchor`` job and ``raqib audit anchor`` both call
``anchor_audit_head``, which holds the ``audit-anchor`` lease while it asks the TSAs.

A second run while one holds the lease returns ``busy`` and writes nothing; a run killed
mid-anchor (while the TSA answers) wrote nothing, and its lease is taken over at once by
the next run on the same machine (``leases.Claim(reclaim_dead=True)``) or after
``queue.lease_seconds`` elsewhere. To anchor somewhere else too: add it to
``review.audit_anchors.anchor_head``.
"""

from __future__ import annotations

from typing import Any

from raqib import leases
from review.audit_anchors import anchor_head

LEASE = "audit-anchor"


def interval_seconds(config: Any) -> float | None:
    """``audit.anchor_interval`` in seconds, None when it is ``off``."""
    from crawler.schema import parse_interval

    text = str(config.get("audit.anchor_interval")).strip().lower()
    return None if text == "off" else float(parse_interval(text))


def anchor_audit_head(config: Any) -> dict[str, Any]:
    """Anchor the head at every ``evidence.tsa_urls`` TSA under the lease. ``status``:
    ``done`` (``anchors`` says what each TSA did), ``busy`` or ``no-tsa``. A TSA that fails
    raises ``review.evidence.tsa.TimestampError``, a chain that no longer matches its last
    anchor ``review.audit_anchors.ChainMismatch``."""
    urls = list(config.get("evidence.tsa_urls"))
    if not urls:
        return {"status": "no-tsa", "anchors": []}
    ttl = float(config.get("queue.lease_seconds"))
    with leases.Claim(LEASE, ttl, reclaim_dead=True) as held:
        if not held:
            return {"status": "busy", "anchors": []}
        return {"status": "done", "anchors": anchor_head(urls)}
