"""Corrections and their verification (``review.corrections``): the attacker's cases
first (a corrector verifying their own correction, a viewer correcting, hostile text),
then versions, the machine's text kept, verified ranges, translations, the audit entries,
search over corrected and verified text (Tantivy, the default backend) and watchlists.

Real SQLite and a real Tantivy index (each test its own, ``tests/conftest.py``)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import (
    Alert,
    Broadcast,
    Correction,
    CustodyEvent,
    MediaFile,
    Outlet,
    Segment,
    Source,
    Transcript,
    Watchlist,
)
from index.base import SearchRequest
from index.registry import get_backend
from review import corrections as cor

pytestmark = pytest.mark.django_db

MACHINE = ["أنا والد أماني", "وأتبرأ من ابنتي", "أماني بلور", "نهاية الحلقة"]


def user(name: str, role: str | None) -> object:
    account = get_user_model().objects.create_user(name, password="x-unused-secret")
    if role:
        account.groups.add(Group.objects.get_or_create(name=role)[0])
    return account


@pytest.fixture
def people() -> dict[str, object]:
    return {"rev": user("rev", "reviewer"), "rev2": user("rev2", "reviewer"),
            "lead": user("lead", "lead"), "viewer": user("viewer", "viewer"),
            "none": user("nobody", None)}


@pytest.fixture
def broadcast() -> Broadcast:
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="html")
    media = MediaFile.objects.create(sha256="b" * 64, path="m.mp4", size=1, duration=60.0)
    item = Broadcast.objects.create(source=source, outlet=outlet, external_id="ep1",
                                    url="https://example.org/ep1", title="حلقة", media=media)
    transcript = Transcript.objects.create(broadcast=item, media=media, engine="x",
                                           model_id="m")
    for i, text in enumerate(MACHINE):
        Segment.objects.create(transcript=transcript, number=i, start=i * 10.0,
                               end=i * 10.0 + 9.5, text=text)
    get_backend().index_transcript(transcript.pk)
    return item


def test_a_corrector_may_not_verify_their_own_correction(people, broadcast) -> None:
    c = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي أماني بلور", by=people["rev"])
    with pytest.raises(cor.CorrectionRuleError, match="two-person rule"):
        cor.verify(c, by=people["rev"])
    c.refresh_from_db()
    assert c.verified_at is None and c.verified_by is None


def test_viewers_and_accounts_without_a_role_may_not_correct_or_verify(people,
                                                                       broadcast) -> None:
    for who in ("viewer", "none"):
        with pytest.raises(cor.CorrectionRuleError, match="reviewer role"):
            cor.correct(broadcast, 0, 0, "نص", by=people[who])
    assert not Correction.objects.exists()
    c = cor.correct(broadcast, 0, 0, "أنا والد أماني بلور", by=people["rev"])
    for who in ("viewer", "none"):
        with pytest.raises(cor.CorrectionRuleError):
            cor.verify(c, by=people[who])
    with pytest.raises(cor.CorrectionRuleError):
        cor.correct(broadcast, 0, 0, "x", by=None)


def test_hostile_text_is_refused_or_kept_verbatim(people, broadcast) -> None:
    with pytest.raises(cor.CorrectionError, match="control characters"):
        cor.correct(broadcast, 0, 0, "نص\x00مخفي", by=people["rev"])
    with pytest.raises(cor.CorrectionError, match="required"):
        cor.correct(broadcast, 0, 0, "   ", by=people["rev"])
    with pytest.raises(cor.CorrectionError, match="too long"):
        cor.correct(broadcast, 0, 0, "ا" * (cor.MAX_TEXT + 1), by=people["rev"])
    hostile = "\u202eأماني<script>alert(1)</script>"
    c = cor.correct(broadcast, 0, 0, hostile, by=people["rev"])
    assert Correction.objects.get(pk=c.pk).text == hostile  # kept; escaped where shown


def test_bad_ranges_are_refused(people, broadcast) -> None:
    for first, last, message in ((2, 1, "before"), (0, 9, "no segment 9"),
                                 ("x", 1, "not a number"), (-1, 0, "no segment")):
        with pytest.raises(cor.CorrectionError, match=message):
            cor.correct(broadcast, first, last, "نص", by=people["rev"])
    cor.correct(broadcast, 1, 2, "نص مصحح", by=people["rev"])
    with pytest.raises(cor.CorrectionError, match="overlap the corrected range 1-2"):
        cor.correct(broadcast, 2, 3, "نص آخر", by=people["rev"])


def test_versions_keep_the_machine_text_and_the_history(people, broadcast) -> None:
    first = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي أماني بلور", by=people["rev"])
    assert first.machine_text == "وأتبرأ من ابنتي أماني بلور"
    second = cor.correct(broadcast, 1, 2, "لا أتبرأ من ابنتي أماني بلور", by=people["rev2"],
                         replaces=first)
    assert second.supersedes_id == first.pk
    with pytest.raises(cor.CorrectionRuleError, match="corrected again meanwhile"):
        cor.correct(broadcast, 1, 2, "نص ثالث", by=people["rev"], replaces=first)
    assert [c.pk for c in cor.history(second)] == [first.pk, second.pk]
    assert list(Segment.objects.order_by("number").values_list("text", flat=True)) == MACHINE
    assert cor.current_text(broadcast) == ("أنا والد أماني لا أتبرأ من ابنتي أماني بلور "
                                           "نهاية الحلقة")
    assert ("-", "وأتبرأ") in cor.word_diff(first.machine_text, second.text)
    assert ("+", "لا أتبرأ") in cor.word_diff(first.machine_text, second.text)
    assert "-وأتبرأ\n" in cor.unified_diff(first.machine_text, second.text)
    with pytest.raises(PermissionError):
        first.delete()


def test_verification_by_a_second_person_and_the_verified_ranges(people, broadcast) -> None:
    c = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي أماني بلور", by=people["rev"])
    assert not cor.verified_ranges(broadcast).exists()
    cor.verify(c, by=people["rev2"])
    with pytest.raises(cor.CorrectionError, match="already verified"):
        cor.verify(c, by=people["lead"])
    assert [v.pk for v in cor.verified_ranges(broadcast)] == [c.pk]
    # a later, unverified version does not hide the verified one; the old one cannot be
    # verified again and the newer must be verified by someone other than its author
    newer = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي د. أماني بلور", by=people["rev2"])
    assert [v.pk for v in cor.verified_ranges(broadcast)] == [c.pk]
    with pytest.raises(cor.CorrectionRuleError, match="two-person"):
        cor.verify(newer, by=people["rev2"])
    cor.verify(newer, by=people["rev"])
    assert [v.pk for v in cor.verified_ranges()] == [newer.pk]
    actions = list(CustodyEvent.objects.filter(action__startswith="correction-")
                   .order_by("id").values_list("action", "actor"))
    assert actions == [("correction-made", "rev"), ("correction-verified", "rev2"),
                       ("correction-made", "rev2"), ("correction-verified", "rev")]


def test_translations_are_verified_by_a_second_person(people, broadcast) -> None:
    c = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي أماني بلور", by=people["rev"])
    t = cor.translate(c, "and I disown my daughter Amani Ballour", by=people["rev"])
    with pytest.raises(cor.CorrectionRuleError, match="two-person"):
        cor.verify_translation(t, by=people["rev"])
    with pytest.raises(cor.CorrectionRuleError):
        cor.translate(c, "x", by=people["viewer"])
    with pytest.raises(cor.CorrectionError, match="language"):
        cor.translate(c, "x", by=people["rev"], language="<b>")
    cor.verify_translation(t, by=people["lead"])
    assert cor.current_translation(c).verified_by == people["lead"]


def _search(query: str) -> list:
    return get_backend().search_page(SearchRequest(query, facets=False)).hits


def test_search_finds_corrected_and_verified_text_and_says_which(people, broadcast) -> None:
    assert _search("بلور")[0].matched == "machine"
    assert _search("الطبيبة") == []
    c = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي الطبيبة أماني بلور", by=people["rev"])
    hits = _search("الطبيبة")
    assert [(h.segment_id, h.matched) for h in hits] == [
        (Segment.objects.get(number=1).pk, "corrected")]
    assert hits[0].start == c.start and hits[0].end == c.end
    assert _search("الطبيبة verified:yes") == []
    cor.verify(c, by=people["rev2"])
    hits = _search("الطبيبة verified:yes")
    assert [h.matched for h in hits] == ["verified"]
    # the machine's words still match the machine's segments, never as verified text
    assert [h.matched for h in _search("نهاية")] == ["machine"]
    assert _search("نهاية verified:yes") == []


def test_watchlists_run_on_corrections(people, broadcast) -> None:
    Watchlist.objects.create(name="الطبيبة", query="الطبيبة")
    cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي الطبيبة أماني بلور", by=people["rev"])
    alert = Alert.objects.get()
    assert (alert.track, alert.segment_number) == ("correction", 1)
    assert "الطبيبة" in alert.text
    cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي الطبيبة د. أماني بلور", by=people["rev2"])
    assert Alert.objects.count() == 1  # once per range, whatever the versions


def test_a_verified_only_watchlist_alerts_once_the_correction_is_verified(people,
                                                                         broadcast) -> None:
    Watchlist.objects.create(name="موثق", query="الطبيبة verified:yes")
    Watchlist.objects.create(name="آلي", query="نهاية verified:yes")
    from review.watchlists import run_watchlists

    assert run_watchlists(broadcast).matches == 0  # never the machine's text
    c = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي الطبيبة أماني بلور", by=people["rev"])
    assert not Alert.objects.exists()
    cor.verify(c, by=people["rev2"])
    assert list(Alert.objects.values_list("watchlist__name", flat=True)) == ["موثق"]


def test_verified_filter_values_are_checked() -> None:
    from index.base import QueryError
    from index.query import parse

    assert parse("كلمة verified:yes").verified and not parse("كلمة").verified
    with pytest.raises(QueryError, match="verified: takes yes"):
        parse("كلمة verified:no")


def test_elasticsearch_bodies_search_the_three_texts_or_the_verified_one() -> None:
    # The contract suite runs the same cases on a live Elasticsearch when ELASTICSEARCH_URL
    # is set; here, the translation itself and the mapping it needs.
    import json

    from index.elasticsearch_backend import index_definition
    from index.es_percolator import percolator_definition
    from index.es_query import query_dsl
    from index.query import parse

    verified = json.dumps(query_dsl(parse("الطبيبة verified:yes")), ensure_ascii=False)
    assert "text_verified" in verified and "text_corrected" not in verified
    assert '"text"' not in verified
    anywhere = query_dsl(parse("الطبيبة -نهاية"))["bool"]
    assert anywhere["minimum_should_match"] == 1 and len(anywhere["should"]) == 3
    fields = [json.dumps(s, ensure_ascii=False) for s in anywhere["should"]]
    assert "text_corrected" in fields[1] and "نهاية" in fields[1]  # exclusions per text
    for definition in (index_definition(), percolator_definition()):
        properties = definition["mappings"]["properties"]
        assert properties["text_corrected"]["analyzer"] == "arabic"
        assert properties["text_verified"]["analyzer"] == "arabic"


def test_a_clip_keeps_its_verified_text_after_a_retranscription(people, broadcast) -> None:
    c = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي الطبيبة أماني بلور", by=people["rev"])
    cor.verify(c, by=people["rev2"])
    newer = Transcript.objects.create(broadcast=broadcast, engine="x", model_id="large")
    Segment.objects.create(transcript=newer, number=0, start=10.0, end=29.5,
                           text="وأتبرأ من ابنتي أماني بلور")
    said = cor.clip_text(broadcast, 10.0, 29.5)
    assert said.machine == "وأتبرأ من ابنتي أماني بلور"  # the newest machine text
    assert [x.pk for x in said.corrections] == [c.pk] and said.verified


def test_the_plain_reads_of_current_ranges_are_the_orms(people, broadcast) -> None:
    """Issue 26: ``catalog.corrections.range_texts`` and ``has_current`` read the current
    versions with a plain statement; with no range, one range, a range with a later
    (unverified, then verified) version and ranges on two transcripts, they answer what
    the ORM queries did."""
    from catalog import corrections as versions

    def by_the_orm(ids: list[int]) -> dict[int, dict[int, versions.RangeText]]:
        current = list(versions.latest().filter(transcript_id__in=ids))
        verified = {(c.transcript_id, c.first_number, c.last_number): c.text
                    for c in versions.latest_verified().filter(transcript_id__in=ids)}
        out: dict[int, dict[int, versions.RangeText]] = {}
        for c in current:
            out.setdefault(c.transcript_id, {})[c.first_number] = versions.RangeText(
                c.first_number, c.last_number, c.start, c.end, c.text,
                verified.get((c.transcript_id, c.first_number, c.last_number), ""))
        return out

    transcript = broadcast.transcripts.get()
    other = Transcript.objects.create(broadcast=broadcast, media=broadcast.media,
                                      engine="y", model_id="m2")
    Segment.objects.create(transcript=other, number=0, start=0.0, end=9.5, text="نص آخر")
    ids = [transcript.pk, other.pk]

    def check() -> None:
        assert versions.range_texts(ids) == by_the_orm(ids)
        for t in (transcript, other):
            assert versions.has_current(transcript_id=t.pk) == versions.latest().filter(
                transcript=t).exists()
        assert versions.has_current(broadcast_id=broadcast.pk) == versions.latest().filter(
            broadcast=broadcast).exists()

    check()
    assert versions.range_texts(ids) == {} and not versions.has_current(broadcast_id=0)
    first = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي", by=people["rev"],
                        transcript=transcript)
    check()
    cor.verify(first, by=people["rev2"])
    later = cor.correct(broadcast, 1, 2, "وأتبرأ من ابنتي أماني", by=people["rev"],
                        replaces=first, transcript=transcript)
    check()
    assert versions.range_texts(ids)[transcript.pk][1].verified == "وأتبرأ من ابنتي"
    cor.verify(later, by=people["rev2"])
    cor.correct(broadcast, 0, 0, "نص <مصحح>", by=people["rev"], transcript=other)
    check()
    assert set(versions.range_texts(ids)) == {transcript.pk, other.pk}
