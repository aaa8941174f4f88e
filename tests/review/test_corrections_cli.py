"""``raqib corrections``: the command line applies the same rules as the broadcast page
(the author may not verify, a viewer may not correct: exit 1; bad input: exit 2), with
stable JSON. Runs the real CLI entry point in-process on SQLite and Tantivy."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import (
    Broadcast,
    Correction,
    MediaFile,
    Outlet,
    Segment,
    Source,
    Transcript,
)
from raqib.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def broadcast() -> Broadcast:
    for name, role in (("rev", "reviewer"), ("rev2", "reviewer"), ("viewer", "viewer")):
        user = get_user_model().objects.create_user(name, password="x-unused-secret")
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    outlet = Outlet.objects.create(name="سما")
    source = Source.objects.create(name="sama", outlet=outlet, kind="html")
    media = MediaFile.objects.create(sha256="c" * 64, path="m.mp4", size=1, duration=30.0)
    item = Broadcast.objects.create(source=source, outlet=outlet, external_id="e",
                                    url="https://example.org/e", media=media)
    transcript = Transcript.objects.create(broadcast=item, media=media, engine="x",
                                           model_id="m")
    for i, text in enumerate(["أنا والد أماني", "وأتبرأ منها"]):
        Segment.objects.create(transcript=transcript, number=i, start=i * 5.0,
                               end=i * 5.0 + 5, text=text)
    return item


def _run(capsys, *argv: str) -> tuple[int, object]:
    code = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_the_command_line_keeps_the_two_person_rule(broadcast, capsys) -> None:
    code, _ = _run(capsys, "corrections", "add", str(broadcast.pk), "--first", "0",
                   "--text", "نص", "--by", "viewer")
    assert code == 1 and not Correction.objects.exists()
    code, added = _run(capsys, "corrections", "add", str(broadcast.pk), "--first", "0",
                       "--last", "1", "--text", "أنا والد أماني بلور وأتبرأ منها",
                       "--by", "rev")
    assert code == 0 and added["segments"] == [0, 1] and added["author"] == "rev"
    assert added["machine_text"] == "أنا والد أماني وأتبرأ منها"
    code, _ = _run(capsys, "corrections", "verify", str(added["id"]), "--by", "rev")
    assert code == 1 and Correction.objects.get().verified_at is None
    code, verified = _run(capsys, "corrections", "verify", str(added["id"]), "--by", "rev2")
    assert code == 0 and verified["verified_by"] == "rev2"
    code, listed = _run(capsys, "corrections", "list", "--verified")
    assert code == 0 and [c["id"] for c in listed] == [added["id"]]
    code, translated = _run(capsys, "corrections", "translate", str(added["id"]), "--text",
                            "I am Amani Ballour's father and I disown her", "--by", "rev2")
    assert code == 0 and translated["language"] == "en"
    assert _run(capsys, "corrections", "add", str(broadcast.pk), "--first", "5", "--text",
                "x", "--by", "rev")[0] == 2
    assert _run(capsys, "corrections", "verify", "999", "--by", "rev")[0] == 2
