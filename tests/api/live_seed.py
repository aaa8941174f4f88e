"""Seed a ``raqib serve`` data dir for the live API tests and print tokens as JSON.

Run in the server's environment (``RAQIB_DATA_DIR``, ``RAQIB_CONFIG``):
``python tests/api/live_seed.py`` migrates the database, then creates, through the real
rules modules: users ``viewer``, ``reviewer``, ``reviewer2``, ``lead``, ``lead2`` and
``admin`` (each with a real personal access token holding every scope its role allows);
a broadcast with media on disk (a tone made by ffmpeg) and an Arabic transcript, indexed
for search; the evidence signing key when none is configured; a person; a watchlist with
an alert; an incident proposed by ``reviewer``; a webhook delivery with
one attempt; and a token of a ``spare`` reviewer, the one ``DELETE tokens/{id}/`` is tried
on (no run revokes the token it runs with). It prints ``{"tokens": {user: token},
"broadcast": id, "incident": id, "token": id, ...}``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEGMENTS = [(0.0, 4.0, "بسم الله الرحمن الرحيم"), (4.0, 8.0, "نشرة الأخبار من دمشق"),
            (8.0, 13.5, "أنا أماني وأتبرأ من أخي"), (13.5, 20.0, "وهذا ما حدث في النفق")]
USERS = (("viewer", "viewer"), ("reviewer", "reviewer"), ("reviewer2", "reviewer"),
         ("lead", "lead"), ("lead2", "lead"), ("admin", "admin"))


def main() -> int:
    from raqib.commands.runtime import prepare_django

    if prepare_django(migrate=True):
        return 2
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from accounts.roles import set_role
    from accounts.tokens import allowed_scopes, issue
    from catalog.models import (
        Alert,
        Broadcast,
        MediaFile,
        Outlet,
        Segment,
        Source,
        Transcript,
        Watchlist,
    )
    from index.registry import get_backend
    from review import incidents as inc
    from review.evidence import signing
    from review.models import WebhookAttempt, WebhookDelivery
    from review.persons import add_person

    tokens = {}
    for name, role in USERS:
        user = get_user_model().objects.create_user(name, password="live-api-passphrase")
        set_role(user, role)
        scopes = sorted(allowed_scopes(user))
        tokens[name] = issue(user, name="live test", scopes=scopes, by=user)[1]
    path = Path(settings.DATA_DIR) / "media" / "ab" / "live.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    # real media (a 20 s tone), so the evidence package's clip is cut and the export made
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=duration=20", "-c:a", "aac", "-b:a", "16k", str(path)],
                   check=True, timeout=120)
    payload = path.read_bytes()
    key = signing.key_path(settings.CONFIG.get("evidence.signing_key"), settings.DATA_DIR)
    if not key.exists():  # the test session's key when it is set, else one made here
        signing.generate_key(key)
    media = MediaFile.objects.create(sha256=hashlib.sha256(payload).hexdigest(),
                                     path="media/ab/live.mp4", size=len(payload),
                                     mime_type="video/mp4", duration=20.0)
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="html")
    broadcast = Broadcast.objects.create(source=source, outlet=outlet, external_id="ep-1",
                                         url="https://example.org/episode/1",
                                         title="من النفق إلى النور", media=media,
                                         status=Broadcast.Status.TRANSCRIBED)
    transcript = Transcript.objects.create(broadcast=broadcast, media=media,
                                           engine="faster-whisper", model_id="base")
    Segment.objects.bulk_create(Segment(transcript=transcript, number=i, start=s, end=e,
                                        text=t) for i, (s, e, t) in enumerate(SEGMENTS))
    get_backend().index_transcript(transcript.pk)
    users = {u.username: u for u in get_user_model().objects.all()}
    person = add_person("د. أماني بلور", variants=["اماني بلور"], kind="activist",
                        user=users["reviewer"])
    watchlist = Watchlist.objects.create(name="دمشق", query="دمشق", owner=users["reviewer"])
    segment = transcript.segments.get(number=1)
    alert = Alert.objects.create(watchlist=watchlist, broadcast=broadcast, segment=segment,
                                 track="asr", model_id="base", segment_number=1,
                                 start=segment.start, end=segment.end, text=segment.text)
    incident = inc.propose(users["reviewer"], broadcast_id=broadcast.pk, start=8, end=13.5,
                           title="اعتراف", people=[inc.OnAir(f"#{person.pk}", "confesses")])
    spare = get_user_model().objects.create_user("spare", password="live-api-passphrase")
    set_role(spare, "reviewer")
    spare_token = issue(spare, name="spare", scopes=["read"], by=spare)[0]
    delivery = WebhookDelivery.objects.create(
        delivery_id=uuid.uuid4(), event_id=uuid.uuid4(), event="incident.confirmed",
        webhook="partner", body="{}", status=WebhookDelivery.Status.DELIVERED)
    WebhookAttempt.objects.create(delivery=delivery, number=1, status_code=200, ok=True,
                                  duration_ms=3.5)
    print(json.dumps({"tokens": tokens, "broadcast": broadcast.pk, "incident": incident.pk,
                      "person": person.pk, "alert": alert.pk, "watchlist": watchlist.pk,
                      "token": spare_token.pk}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
