"""Helpers for the review UI tests (conftest.py's fixtures use them): users with roles
and a broadcast with real bytes on disk, a transcript
and segments (Arabic text stored exactly as captured)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from catalog.models import Broadcast, MediaFile, Outlet, Segment, Source, Transcript
from review_ui.roles import set_role

PASSWORD = "correct-horse-battery"
SEGMENTS = [
    (0.0, 4.0, "بسم الله الرحمن الرحيم"),
    (4.0, 8.0, "نشرة الأخبار من دمشق"),
    (8.0, 13.5, "أنا أماني وأتبرأ من أخي"),
    (13.5, 20.0, "وهذا ما حدث في النفق"),
]


def make_user(name: str, role: str | None) -> object:
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    if role:
        set_role(user, role)
    return user


def write_media(relative: str, payload: bytes) -> MediaFile:
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return MediaFile.objects.create(sha256=hashlib.sha256(payload).hexdigest(), path=relative,
                                    size=len(payload), mime_type="video/mp4")


def make_broadcast(media: MediaFile | None = None, title: str = "من النفق إلى النور",
                   segments: list[tuple[float, float, str]] = SEGMENTS,
                   outlet_name: str = "الإخبارية السورية", source_name: str = "ikhbariya",
                   **fields: object) -> Broadcast:
    outlet, _ = Outlet.objects.get_or_create(name=outlet_name)
    source, _ = Source.objects.get_or_create(name=source_name, defaults={
        "outlet": outlet, "kind": "html"})
    broadcast = Broadcast.objects.create(
        source=source, outlet=outlet, external_id=f"ep-{Broadcast.objects.count() + 1}",
        url="https://example.org/episode/1", title=title, media=media,
        status=Broadcast.Status.TRANSCRIBED, **fields)
    transcript = Transcript.objects.create(broadcast=broadcast, media=media,
                                           engine="faster-whisper", model_id="base")
    Segment.objects.bulk_create(
        Segment(transcript=transcript, number=i, start=s, end=e, text=t)
        for i, (s, e, t) in enumerate(segments))
    return broadcast
