"""Helpers of the re-airing tests (a module name of its own: every test directory has a
``conftest``)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def add_media(broadcast, path: Path) -> None:  # noqa: ANN001 - a catalog Broadcast
    """Copy ``path`` into the data dir and make it ``broadcast``'s captured media."""
    from django.conf import settings

    from catalog.models import MediaFile

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    relative = Path("media") / f"{digest[:16]}{path.suffix}"
    target = settings.CONFIG.data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    media, _ = MediaFile.objects.get_or_create(sha256=digest, defaults={
        "path": str(relative), "size": path.stat().st_size})
    broadcast.media = media
    broadcast.save(update_fields=["media"])
