"""Re-post every stored fingerprint under the 27-bit keys (bits 21,23,20,7,11,1,22,13,19 of
items i, i+3 and i+6; held sounds not posted) that replaced the 20-bit keys of 0001: the
stored items are unchanged, only ``FingerprintPosting`` is rebuilt. The key function is
copied here so that this migration keeps meaning what it meant when written."""

from __future__ import annotations

import numpy as np
from django.db import migrations

BITS = (21, 23, 20, 7, 11, 1, 22, 13, 19)
GAPS = (0, 3, 6)


def _keys(items: np.ndarray) -> list[tuple[int, int]]:
    if len(items) <= GAPS[-1]:
        return []
    packed = np.zeros(len(items), dtype=np.int32)
    for k, bit in enumerate(BITS):
        packed |= ((items >> bit) & 1).astype(np.int32) << k
    n = len(items) - GAPS[-1]
    keys = np.zeros(n, dtype=np.int32)
    for j, gap in enumerate(GAPS):
        keys |= packed[gap:gap + n] << (len(BITS) * j)
    held = np.zeros(n, dtype=bool)
    for lag in range(1, min(8, n) + 1):
        same = keys[lag:] == keys[:-lag]
        held[lag:] |= same
        held[:-lag] |= same
    return [(int(k), i) for i, k in enumerate(keys.tolist()) if k != 0 and not held[i]]


def repost(apps, schema_editor) -> None:  # noqa: ANN001
    Fingerprint = apps.get_model("reairings", "Fingerprint")
    Posting = apps.get_model("reairings", "FingerprintPosting")
    Posting.objects.all().delete()
    for fp in Fingerprint.objects.all().iterator(chunk_size=50):
        items = np.frombuffer(bytes(fp.data), dtype="<u4").astype(np.uint32)
        Posting.objects.bulk_create(
            [Posting(key=k, broadcast_id=fp.broadcast_id, position=p) for k, p in _keys(items)],
            batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("reairings", "0002_screen_name_review")]
    operations = [migrations.RunPython(repost, migrations.RunPython.noop)]
