"""A broadcast's fingerprint in the catalog: computed (``chromaprint``), stored with its
time base, and posted to the inverted index (``FingerprintPosting``).

``store_fingerprint`` replaces a broadcast's fingerprint and its postings in one
transaction, so a re-run never duplicates. To keep more per fingerprint: a field on
``reairings.models.Fingerprint``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.db import transaction

from catalog import fencing
from catalog.models import Broadcast
from reairings.chromaprint import (
    ITEM_SECONDS,
    FingerprintError,
    compute,
    fpcalc_version,
    posting_keys,
    to_bytes,
)
from reairings.models import Fingerprint, FingerprintPosting


def store_fingerprint(broadcast: Broadcast, items: np.ndarray, duration: float,
                      tool: str) -> Fingerprint:
    """Replace ``broadcast``'s fingerprint and postings (one transaction)."""
    with transaction.atomic():
        fencing.check()  # a worker whose claim was taken over writes nothing
        Fingerprint.objects.filter(broadcast=broadcast).delete()
        FingerprintPosting.objects.filter(broadcast=broadcast).delete()
        fingerprint = Fingerprint.objects.create(
            broadcast=broadcast, media=broadcast.media, item_seconds=ITEM_SECONDS,
            duration=duration, count=len(items), data=to_bytes(items), tool=tool)
        FingerprintPosting.objects.bulk_create(
            [FingerprintPosting(key=k, broadcast=broadcast, position=p)
             for k, p in posting_keys(items)], batch_size=5000)
    return fingerprint


def fingerprint_broadcast(broadcast: Broadcast, data_dir: Path) -> Fingerprint:
    """Compute and store the fingerprint of ``broadcast``'s captured media."""
    if broadcast.media is None:
        raise FingerprintError(f"broadcast {broadcast.pk} has no captured media")
    items, duration = compute(data_dir / broadcast.media.path)
    return store_fingerprint(broadcast, items, duration, fpcalc_version())
