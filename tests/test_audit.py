"""Every review action lands in the append-only audit log with who and when (DESIGN.md:
"Record who/what/when for every capture and every review action (UTC)")."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Alert, Broadcast, CustodyEvent, Outlet, Segment, Source, Transcript
from review.alerts import review_alert
from review.tagging import add_tag, remove_tag
from review.watchlists import create_watchlist, delete_watchlist, set_active

pytestmark = pytest.mark.django_db


@pytest.fixture
def broadcast() -> Broadcast:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site")
    b = Broadcast.objects.create(source=source, outlet=outlet, external_id="ep-1",
                                 url="https://example.org/ep/1", title="حلقة",
                                 status=Broadcast.Status.INDEXED)
    t = Transcript.objects.create(broadcast=b, engine="faster-whisper", model_id="base")
    Segment.objects.create(transcript=t, number=0, start=1.0, end=4.0, text="أنا أتبرأ من ابني")
    return b


def test_review_actions_are_audited_with_their_actor(broadcast: Broadcast) -> None:
    reviewer = get_user_model().objects.create_user("rima", password="pw-123456789")
    add_tag(broadcast.pk, "forced-confession", segment_number=0, user=reviewer)
    remove_tag(broadcast.pk, "forced-confession", segment_number=0, user=reviewer)
    watchlist = create_watchlist("disowning", "أتبرأ", owner=reviewer)
    segment = Segment.objects.get()
    alert = Alert.objects.create(watchlist=watchlist, broadcast=broadcast, segment=segment,
                                 track="asr", model_id="base", segment_number=0, start=1.0,
                                 end=4.0, text=segment.text)
    review_alert(alert, "confirmed", user=reviewer, note="الأب على الهواء")
    set_active(watchlist, False, user=reviewer)
    delete_watchlist(watchlist)  # from the command line: no signed-in user

    events = list(CustodyEvent.objects.order_by("id").values_list("action", "actor"))
    assert [a for a, _ in events] == ["user-created", "tag-added", "tag-removed",
                                      "watchlist-created", "alert-confirmed",
                                      "watchlist-deactivated",
                                      "watchlist-deleted"]
    assert {actor for _, actor in events[1:-1]} == {"rima"}
    assert events[-1][1].endswith("(command line)")
    confirmed = CustodyEvent.objects.get(action="alert-confirmed")
    assert confirmed.broadcast_id == broadcast.pk
    assert confirmed.details["note"] == "الأب على الهواء"
    assert CustodyEvent.objects.get(action="tag-added").details["tag"] == "forced-confession"
    with pytest.raises(PermissionError):  # append-only
        confirmed.delete()
