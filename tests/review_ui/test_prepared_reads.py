"""Issue 26: the incident page's and the broadcast viewer's reads compiled once
(``catalog.prepared``) run the ORM's own statement and give the ORM's objects.

Each read is compared with the queryset it replaced, on incidents seeded through the real
rules (a restricted one, assigned and not, assessments, history, persons with a targeted
person, several clips, re-airing links of every status): the same SQL text sent to the
database, the same rows in the same order, every field of the objects and of their
selected related objects equal, and those related objects there without another query.
Who sees which incident is checked for every role, assigned and not.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from incident_seed import seed
from ui_helpers import make_broadcast

from catalog.models import Broadcast, Tag, Tagging, Transcript
from catalog.prepared import Prepared
from reairings import links as links_module
from reairings.links import SHOWN, airings_of, links_of
from reairings.models import Reairing, ScreenName
from review import incident_json as ij
from review import incidents as inc
from review import workflow
from review.models import CoercionSign, Incident
from review_ui.templatetags import reairings_ui
from review_ui.views import broadcasts
from review_ui.views import incidents as views


def _fields(obj: Model | None, related: tuple[str, ...] = ()) -> Any:
    if obj is None:
        return None
    own = [getattr(obj, f.attname) for f in obj._meta.concrete_fields]
    return [type(obj).__name__, own,
            *(_fields(_follow(obj, path)) for path in related)]


def _follow(obj: Any, path: str) -> Any:
    for name in path.split("__"):
        obj = getattr(obj, name) if obj is not None else None
    return obj


def _same(prepared: Any, orm: Any, related: tuple[str, ...] = ()) -> list[Any]:
    """Run both; assert the same statements and the same objects; return the prepared's."""
    with CaptureQueriesContext(connection) as by_orm:
        expected = list(orm())
    with CaptureQueriesContext(connection) as by_prepared:
        got = list(prepared())
    assert [q["sql"] for q in by_prepared.captured_queries] == [
        q["sql"] for q in by_orm.captured_queries]
    if got and isinstance(got[0], Model):
        with CaptureQueriesContext(connection) as followed:
            assert [_fields(o, related) for o in got] == [_fields(o, related) for o in expected]
        assert not followed.captured_queries  # selected with it, as by the ORM
    else:
        assert got == expected
    return got


@pytest.fixture
def seeded(db) -> dict[str, Any]:
    data = seed()
    users, (b1, b2) = data["users"], data["broadcasts"]
    inc.add_clip(data["disown"].pk, users["rev"], broadcast_id=b2.pk, start=1, end=3)
    inc.add_clip(data["disown"].pk, users["rev"], broadcast_id=make_broadcast().pk, start=0,
                 end=2)
    inc.edit(data["denial"].pk, users["rev"], title="<b>edited</b> \u202e")
    workflow.assess(data["disown"].pk, users["lead2"], confidence="medium",
                    signs=["visible-injuries", "reads-script"], note="a lead's note")
    inc.assign(data["hidden"].pk, users["lead"], users["rev2"])
    for status, other in zip(("linked", "suggested", "accepted", "rejected"),
                             (b2, make_broadcast(), make_broadcast(), b2), strict=True):
        Reairing.objects.create(broadcast=b1, start=0, end=10, other=other, other_start=2,
                                other_end=12, score=0.8, status=status,
                                reviewed_by=users["lead"] if status == "accepted" else None)
    return data


def test_get_incident_shows_each_user_what_the_orm_showed(seeded) -> None:
    incidents = list(Incident.objects.order_by("pk"))
    users = [*seeded["users"].values(), None]
    seen = {}
    for user in users:
        for incident in [*incidents, Incident(pk=10**6)]:
            def orm(pk: int = incident.pk, user: Any = user) -> list[Incident]:
                found = inc.visible_incidents(user).select_related(*inc.SHOWN_WITH).filter(
                    pk=pk).first()
                return [found] if found else []

            def prepared(pk: int = incident.pk, user: Any = user) -> list[Incident]:
                try:
                    return [inc.get_incident(pk, user)]
                except inc.IncidentError:
                    return []

            got = _same(prepared, orm, inc.SHOWN_WITH) if user is None or user.username != \
                "viewer" else prepared()
            seen[(user.username if user else None, incident.pk)] = bool(got)
    hidden, rev, rev2 = seeded["hidden"].pk, "rev", "rev2"
    assert seen[(rev2, hidden)] and not seen[(rev, hidden)]  # assigned, not assigned
    assert seen[("lead2", hidden)] and seen[(None, hidden)]
    assert not any(seen[("viewer", i.pk)] for i in incidents)
    assert seen[(rev, seeded["disown"].pk)]
    assert not any(v for (u, pk), v in seen.items() if pk == 10**6)


def test_out_of_range_and_odd_values_are_answered_as_the_orm_answers(seeded) -> None:
    lead = seeded["users"]["lead"]
    for pk in (2**31, -(2**31) - 1, 2**63, 10**30):
        with pytest.raises(inc.IncidentError):
            inc.get_incident(pk, lead)
    assert inc.get_incident(str(seeded["disown"].pk), lead).pk == seeded["disown"].pk
    with pytest.raises(ValueError, match="not a parameter"):
        Prepared(lambda pk: Incident.objects.filter(pk=1), "int")(5)
    with pytest.raises(ValueError, match="prefetch"):
        Prepared(lambda pk: Incident.objects.filter(pk=pk).prefetch_related("signs"), "int")(5)


def test_the_incident_pages_reads_are_the_orms(seeded) -> None:
    clip_related = ("broadcast", "broadcast__outlet", "broadcast__source", "broadcast__media",
                    "added_by")
    for name in ("disown", "denial", "hidden"):
        incident = Incident.objects.get(pk=seeded[name].pk)
        clips = _same(lambda i=incident: ij.read_clips(i), lambda i=incident: i.clips.
                      select_related("broadcast__outlet", "broadcast__source",
                                     "broadcast__media", "added_by")
                      .order_by("broadcast__aired_at", "id"), clip_related)
        assert len(clips) == (3 if name == "disown" else 1)
        assert all(c.incident is incident for c in clips)
        assessments = _same(lambda i=incident: ij.read_assessments(i),
                            lambda i=incident: i.assessments.select_related("by")
                            .prefetch_related("signs").order_by("at", "id"), ("by",))
        assert [sorted(s.code for s in a.signs.all()) for a in assessments] == [
            sorted(s.code for s in a.signs.all())
            for a in incident.assessments.order_by("at", "id")]
        assert _same(lambda i=incident: ij.sign_codes(i),
                     lambda i=incident: i.signs.values_list("code", flat=True))
        _same(lambda i=incident: ij._ASSIGNED(i.pk), lambda i=incident: i.assigned.all())
        people = _same(lambda i=incident: ij._PEOPLE(i.pk),
                       lambda i=incident: i.people.select_related("person", "targeted"),
                       ("person", "targeted"))
        assert people and all(p.targeted is not None for p in people)
        events = _same(lambda i=incident: ij._EVENTS(i.pk),
                       lambda i=incident: i.events.select_related("by").order_by("at", "id"),
                       ("by",))
        assert len(events) >= 1
        assert ij.incident_json(incident, seeded["users"]["lead"])["persons"]
        for clip in clips:
            _same(lambda c=clip: [t for t in [views._latest_transcript(c.broadcast)] if t],
                  lambda c=clip: [t for t in [c.broadcast.transcripts.order_by(
                      "-created_at", "-id").first()] if t])
    assert Transcript.objects.exists()
    assert len(_same(views._EVERY_SIGN, lambda: CoercionSign.objects.order_by("code"))) >= 5


def test_the_re_airing_links_are_the_orms(seeded) -> None:
    b1, b2 = seeded["broadcasts"]
    related = ("broadcast__outlet", "other__outlet")
    for broadcast in (b1, b2):
        for statuses in (SHOWN, ("linked", "accepted", "suggested"), ("rejected",)):
            rows = airings_of(broadcast.pk, 0, 100, statuses)
            links = _same(lambda b=broadcast, s=statuses: links_module._LINKS_OF[tuple(s)](b.pk),
                          lambda b=broadcast, s=statuses: links_of(b.pk).filter(
                              status__in=list(s)), related)
            assert [r["link"].pk for r in rows] == [link.pk for link in links]
    assert len(airings_of(b1.pk, 0, 100, SHOWN)) == 2  # linked and accepted
    assert len(airings_of(b2.pk, 0, 100, ("rejected",))) == 1


def test_the_broadcast_viewers_reads_are_the_orms(seeded) -> None:
    b1, b2 = seeded["broadcasts"]
    lead = seeded["users"]["lead"]
    segment = b1.transcripts.get().segments.order_by("number").first()
    tags = [Tag.objects.create(name=name, vocabulary=vocabulary, label_en=f"<b>{name}</b>")
            for name, vocabulary in (("z-tag", True), ("a-tag", False), ("م-tag", True))]
    Tagging.objects.create(tag=tags[0], broadcast=b1, segment=segment, note="<i>n</i>")
    Tagging.objects.create(tag=tags[1], broadcast=b1, start=1.5, end=2.5, created_by=lead)
    Tagging.objects.create(tag=tags[2], broadcast=b2)
    Transcript.objects.create(broadcast=b1, engine="captions", track="captions",
                              model_id="captions-ar")
    person = seeded["amani"]
    ScreenName.objects.create(broadcast=b1, person=person, start=4, end=6, text="أماني")
    ScreenName.objects.create(broadcast=b1, person=seeded["father"], start=1, end=2,
                              text="<b>x</b>", status="accepted", reviewed_by=lead)
    for broadcast in (b1, b2, Broadcast(pk=10**6)):
        _same(lambda b=broadcast: broadcasts._BROADCAST(b.pk),
              lambda b=broadcast: [x for x in [Broadcast.objects.select_related(
                  "outlet", "source", "media").filter(pk=b.pk).first()] if x],
              ("outlet", "source", "media"))
        if broadcast.pk == 10**6:
            continue
        transcripts = _same(lambda b=broadcast: broadcasts._TRANSCRIPTS(b.pk),
                            lambda b=broadcast: b.transcripts.order_by("-created_at", "-id"))
        assert len(transcripts) == (2 if broadcast == b1 else 1)
        taggings = _same(lambda b=broadcast: broadcasts._TAGGINGS(b.pk),
                         lambda b=broadcast: b.taggings.select_related("tag", "segment")
                         .order_by("tag__name"), ("tag", "segment"))
        assert len(taggings) == (2 if broadcast == b1 else 1)
        names = _same(lambda b=broadcast: reairings_ui.screen_names(b),
                      lambda b=broadcast: ScreenName.objects.filter(broadcast=b)
                      .select_related("person", "reviewed_by").order_by("start", "person_id"),
                      ("person", "reviewed_by"))
        assert len(names) == (2 if broadcast == b1 else 0)
    assert len(_same(broadcasts._VOCABULARY, lambda: Tag.objects.filter(vocabulary=True)
                     .order_by("name"))) >= 2
