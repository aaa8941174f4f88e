"""Seed a fresh Raqib database for the browser test (run in a subprocess whose
RAQIB_DATA_DIR points at a temp dir): one broadcast with its media file already under the
data dir, a transcript with segments, indexed when the search backend exists.
Prints ``{"broadcast_id": N, "indexed": bool}`` as JSON.

Usage: python seed_browser_db.py MEDIA_PATH_RELATIVE_TO_DATA_DIR
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")


def main(relative: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    import hashlib
    from pathlib import Path

    from django.conf import settings
    from ui_helpers import make_broadcast

    from raqib.models import MediaFile

    payload = (Path(settings.DATA_DIR) / relative).read_bytes()
    media = MediaFile.objects.create(sha256=hashlib.sha256(payload).hexdigest(), path=relative,
                                     size=len(payload), mime_type="video/mp4", duration=20.0)
    broadcast = make_broadcast(media=media)
    indexed = False
    try:
        from index.registry import get_backend
    except ImportError:
        pass
    else:
        get_backend().index_transcript(broadcast.transcripts.get().pk)
        indexed = True
    print(json.dumps({"broadcast_id": broadcast.pk, "indexed": indexed}))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1])
