"""Re-airing detection end to end on generated media (real ffmpeg and fpcalc): the
confession re-aired on another outlet (cut, quieter, music under, MP3) is linked to its
first airing with both ranges within a second; the outlet's own jingle is not a link;
re-running duplicates nothing; accept/reject need a reviewer and are audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from reair_helpers import add_media

from accounts.roles import set_role
from catalog.models import Broadcast, CustodyEvent, Outlet, Source
from raqib.cli import main
from reairings.models import Fingerprint, Reairing
from tests.cli_persons import as_person

pytestmark = pytest.mark.django_db


def _broadcast(outlet: str, source: str, n: int, day: int) -> Broadcast:
    o, _ = Outlet.objects.get_or_create(name=outlet)
    s, _ = Source.objects.get_or_create(name=source, defaults={"outlet": o, "kind": "site"})
    return Broadcast.objects.create(
        source=s, outlet=o, external_id=f"ep-{n}", url=f"https://example.org/{n}",
        title=f"programme {n}", status=Broadcast.Status.DOWNLOADED,
        aired_at=dt.datetime(2024, 3, day, 20, tzinfo=dt.UTC))


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def world(archive: dict) -> dict:
    a = _broadcast("الإخبارية السورية", "ikhbariya", 1, 1)
    e = _broadcast("الإخبارية السورية", "ikhbariya", 4, 2)
    c = _broadcast("الإخبارية السورية", "ikhbariya", 3, 3)
    b = _broadcast("قناة أخرى", "other", 2, 5)
    for broadcast, key in ((a, "a"), (c, "c"), (e, "e"), (b, "b")):
        add_media(broadcast, archive[key])
    return {"a": a, "b": b, "c": c, "e": e, "truth": archive["truth"]}


def test_reaired_confession_is_linked_at_both_offsets(world: dict, capsys) -> None:
    code, out, err = _run(capsys, "reairings", "find", "--format", "json")
    assert code == 0, err
    assert "reairings find" in err  # a progress line per broadcast
    assert Fingerprint.objects.count() == 4
    code, out, _ = _run(capsys, "reairings", "list", "--broadcast", str(world["b"].pk),
                        "--format", "json")
    links = json.loads(out)
    assert [(x["broadcast_id"], x["other_broadcast_id"]) for x in links] == \
        [(world["b"].pk, world["a"].pk)], links
    link = links[0]
    (b0, b1), (a0, a1) = world["truth"]["b"], world["truth"]["a"]
    for got, want in ((link["start"], b0), (link["end"], b1), (link["other_start"], a0),
                      (link["other_end"], a1)):
        assert abs(got - want) <= 1.0, (link, world["truth"])
    assert 0 < link["score"] <= 1 and link["status"] in ("suggested", "linked")
    # The jingle A, E and C share (same outlet) is recurring audio, learnt by the time C
    # comes (the third broadcast of the source with it): not a re-airing. The sports item
    # E repeats from A is one.
    pairs = {(x.broadcast_id, x.other_id): x for x in Reairing.objects.all()}
    assert set(pairs) == {(world["a"].pk, world["b"].pk), (world["a"].pk, world["e"].pk)}, \
        [(k, v.start, v.end, v.other_start, v.other_end) for k, v in pairs.items()]
    # Seen from A, the same link is oriented the other way.
    _, out, _ = _run(capsys, "reairings", "list", "--broadcast", str(world["a"].pk),
                     "--format", "json")
    assert json.loads(out)[0]["other_broadcast_id"] == world["b"].pk
    # Re-running (fingerprints again) keeps one link.
    assert _run(capsys, "reairings", "find", "--refingerprint")[0] == 0
    assert Reairing.objects.count() == 2


def test_review_needs_a_reviewer_and_is_audited(world: dict, capsys) -> None:
    _run(capsys, "reairings", "find")
    link = Reairing.objects.get(other=world["b"])
    User = get_user_model()
    viewer = User.objects.create_user("viewer1", password="x")
    set_role(viewer, "viewer")
    reviewer = User.objects.create_user("rev1", password="x")
    set_role(reviewer, "reviewer")
    code, _, err = _run(capsys, "reairings", "accept", str(link.pk), *as_person("viewer1"))
    assert code == 1 and "does not allow 'review'" in err  # a viewer's token
    link.refresh_from_db()
    assert link.reviewed_by is None
    code, out, err = _run(capsys, "reairings", "reject", str(link.pk), *as_person("rev1"),
                          "--format", "json")
    assert code == 0, err
    assert json.loads(out)["status"] == "rejected"
    event = CustodyEvent.objects.filter(action="reairing-rejected").get()
    assert event.details["reairing"] == link.pk and event.actor
    # A rejected link stays rejected when matching runs again.
    _run(capsys, "reairings", "find", "--refingerprint")
    link.refresh_from_db()
    assert link.status == "rejected" and Reairing.objects.count() == 2
    code, _, err = _run(capsys, "reairings", "accept", "999999", *as_person("rev1"))
    assert code != 0 and "no re-airing link" in err


def test_find_explains_a_broadcast_without_media(capsys) -> None:
    broadcast = _broadcast("x", "x", 9, 3)
    code, _, err = _run(capsys, "reairings", "find", "--broadcast", str(broadcast.pk))
    assert code != 0 and "no captured media" in err
    code, _, err = _run(capsys, "reairings", "list", "--broadcast", "424242")
    assert code != 0 and "no broadcast" in err
