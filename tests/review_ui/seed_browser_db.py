"""Seed a fresh Raqib database for the browser test (run in a subprocess whose
RAQIB_DATA_DIR points at a temp dir): one broadcast with its media file already under the
data dir, a transcript with segments, indexed. Two more
broadcasts without media (one from a second outlet) hold five segments that all contain
``CONFESSION_WORD`` (with its diacritics, as captured) so a search for it spans several
pages, two outlets and two months (facets, pagination and highlights in the browser test).
Prints ``{"broadcast_id": N, "extra_ids": [...]}`` as JSON.

Usage: python seed_browser_db.py MEDIA_PATH_RELATIVE_TO_DATA_DIR
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")

CONFESSION_WORD = "اعترافَهُ"  # searched as "اعترافه": the analyzer drops the diacritics
SECOND_OUTLET = "قناة سما"
EXTRA_BROADCASTS = [  # (outlet, source, aired month, segments)
    ("الإخبارية السورية", "ikhbariya", 3, [
        (0.0, 5.0, f"سجّل المذيع {CONFESSION_WORD} الأول في الاستوديو"),
        (5.0, 10.0, f"ثم أعاد {CONFESSION_WORD} أمام الكاميرا"),
        (10.0, 15.0, f"وقرأ {CONFESSION_WORD} من ورقة مكتوبة"),
    ]),
    (SECOND_OUTLET, "sama", 4, [
        (0.0, 6.0, f"بثّت القناة {CONFESSION_WORD} في نشرة المساء"),
        (6.0, 12.0, f"وكرّرت {CONFESSION_WORD} في اليوم التالي"),
    ]),
]


def main(relative: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    import hashlib
    from datetime import UTC, datetime
    from pathlib import Path

    from django.conf import settings
    from ui_helpers import make_broadcast

    from catalog.models import MediaFile

    payload = (Path(settings.DATA_DIR) / relative).read_bytes()
    media = MediaFile.objects.create(sha256=hashlib.sha256(payload).hexdigest(), path=relative,
                                     size=len(payload), mime_type="video/mp4", duration=20.0)
    broadcast = make_broadcast(media=media)
    extra = [make_broadcast(title=f"حلقة {n}", segments=segments, outlet_name=outlet,
                            source_name=source,
                            aired_at=datetime(2024, month, 10, 18, tzinfo=UTC))
             for n, (outlet, source, month, segments) in enumerate(EXTRA_BROADCASTS, 1)]
    from index.registry import get_backend

    backend = get_backend()
    for seeded in [broadcast, *extra]:
        backend.index_transcript(seeded.transcripts.get().pk)
    print(json.dumps({"broadcast_id": broadcast.pk, "extra_ids": [b.pk for b in extra]}))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1])
