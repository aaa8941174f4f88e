"""The machine's error rate on verified ranges (issue 27): ``review.asr_quality`` and
``raqib eval-asr --verified``. Verified corrections are reference transcripts; the
transcript a range was corrected on is scored on its machine text, another model's
transcript of the same broadcast on its words inside the range's time; totals are errors
over reference words, by outlet, model and period; ``--compare`` keeps the ranges every
model covers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from catalog.models import Broadcast, Outlet, Segment, Source, Transcript
from raqib.cli import build_parser
from raqib.commands.eval_asr import eval_asr
from review import corrections as cor
from review.asr_quality import evaluate, machine_error_by_outlet, same_ranges, summarise

pytestmark = pytest.mark.django_db


def user(name: str) -> object:
    account = get_user_model().objects.create_user(name, password="x-unused-secret")
    account.groups.add(Group.objects.get_or_create(name="reviewer")[0])
    return account


def _broadcast(outlet: str, day: dt.date, segments: list[str], model: str = "large-v3",
               n: int = 1) -> Broadcast:
    out, _ = Outlet.objects.get_or_create(name=outlet)
    source, _ = Source.objects.get_or_create(name=f"src-{out.pk}", defaults={
        "outlet": out, "kind": "html"})
    item = Broadcast.objects.create(
        source=source, outlet=out, external_id=f"{outlet}-{day}-{n}", url="https://e.org/x",
        aired_at=timezone.make_aware(dt.datetime(day.year, day.month, day.day, 12)))
    transcript = Transcript.objects.create(broadcast=item, engine="faster-whisper",
                                           model_id=model)
    for i, text in enumerate(segments):
        Segment.objects.create(transcript=transcript, number=i, start=i * 10.0,
                               end=i * 10.0 + 9.0, text=text)
    return item


def _verified(item: Broadcast, first: int, last: int, text: str, people: tuple) -> None:
    author, checker = people
    correction = cor.correct(item, first, last, text, by=author)
    cor.verify(correction, by=checker)


@pytest.fixture
def world() -> dict:
    people = (user("rev"), user("rev2"))
    # Ikhbariya, January: 1 wrong word of 4 (بلور for بلوز), unverified ranges ignored
    jan = _broadcast("الإخبارية", dt.date(2026, 1, 10), ["أنا والد أماني", "أماني بلور اليوم",
                                                         "نهاية"])
    _verified(jan, 0, 1, "أنا والد أماني، أماني بلوز اليوم", people)
    cor.correct(jan, 2, 2, "نهاية الحلقة", by=people[0])  # corrected, never verified
    # Ikhbariya, February: 2 errors of 2 words; Sama: perfect (diacritics are not errors)
    feb = _broadcast("الإخبارية", dt.date(2026, 2, 3), ["مازن حماده", "كلام"], n=2)
    _verified(feb, 1, 1, "مطار دمشق", people)
    sama = _broadcast("سما", dt.date(2026, 2, 20), ["رزان زيتونة"])
    _verified(sama, 0, 0, "رَزان زيتونـة", people)
    # a second model of the January broadcast, with word timings: scored on the same range
    other = Transcript.objects.create(broadcast=jan, engine="faster-whisper", model_id="new")
    words = [("أنا", 0.5), ("والد", 1.5), ("أماني", 2.5), ("أماني", 10.5), ("بلوز", 11.5),
             ("اليوم", 12.5), ("نهاية", 20.5)]
    Segment.objects.create(transcript=other, number=0, start=0.0, end=30.0,
                           text=" ".join(w for w, _ in words),
                           words=[{"word": w, "start": t, "end": t + 0.4, "p": 0.9}
                                  for w, t in words])
    return {"jan": jan, "feb": feb, "sama": sama}


def test_verified_ranges_are_the_references(world: dict) -> None:
    rows = evaluate()
    assert [(r.outlet, r.model, r.own, r.score.ref_words, r.score.word_errors) for r in rows] \
        == [("الإخبارية", "large-v3", True, 6, 1), ("الإخبارية", "new", False, 6, 0),
            ("الإخبارية", "large-v3", True, 2, 2), ("سما", "large-v3", True, 2, 0)]
    assert rows[1].hypothesis == "أنا والد أماني أماني بلوز اليوم"  # not نهاية (20.5 s)
    summary = summarise([r for r in rows if r.own])
    assert summary["overall"] == {**summary["overall"], "ranges": 3, "ref_words": 10,
                                  "wer": 0.3}
    by_outlet = {e["outlet"]: e["wer"] for e in summary["by_outlet"]}
    assert by_outlet == {"الإخبارية": 0.375, "سما": 0.0}
    assert [(e["period"], e["wer"]) for e in summary["by_period"]] == [
        ("2026-01", round(1 / 6, 4)), ("2026-02", 0.5)]
    assert [(e["outlet"], e["period"]) for e in summary["by_outlet_period"]] == [
        ("الإخبارية", "2026-01"), ("الإخبارية", "2026-02"), ("سما", "2026-02")]
    weeks = summarise(rows, "week")["by_period"]
    assert [e["period"] for e in weeks] == ["2026-W02", "2026-W06", "2026-W08"]
    assert evaluate(outlet="سما")[0].outlet == "سما"
    assert evaluate(since=dt.date(2026, 2, 1), until=dt.date(2026, 2, 10))[0].score.ref_words \
        == 2
    # two models compared on the ranges both cover: only the January range
    both = same_ranges(evaluate(models=["large-v3", "new"]), ["large-v3", "new"])
    assert {(r.model, r.score.word_errors) for r in both} == {("large-v3", 1), ("new", 0)}
    chart = machine_error_by_outlet()
    assert [(s["outlet"], s["period"], s["wer"]) for s in chart["series"]][0] == (
        "الإخبارية", "2026-01", round(1 / 6, 4))


def run(capsys, *argv: str) -> tuple[int, dict]:  # noqa: ANN001
    args = build_parser().parse_args(["eval-asr", "--verified", *argv, "--format", "json"])
    code = eval_asr(args)
    return code, json.loads(capsys.readouterr().out)


def test_eval_asr_verified_json_and_compare(world: dict, capsys) -> None:  # noqa: ANN001
    code, out = run(capsys)
    assert code == 0 and out["source"] == "verified" and out["period"] == "month"
    assert {e["model"]: e["wer"] for e in out["by_model"]} == {
        "large-v3": 0.3, "new": 0.0}
    assert len(out["ranges"]) == 4 and out["ranges"][0]["reference"].startswith("أنا")
    code, out = run(capsys, "--compare", "large-v3", "--compare", "new", "--by", "week")
    assert code == 0 and out["overall"]["ranges"] == 1 and out["period"] == "week"
    assert {e["model"]: e["wer"] for e in out["by_model"]} == {
        "large-v3": round(1 / 6, 4), "new": 0.0}
    code, out = run(capsys, "--outlet", "لا أحد")
    assert code == 1 and out["overall"] == {} and out["ranges"] == []


def test_eval_asr_verified_table(world: dict, capsys) -> None:  # noqa: ANN001
    args = build_parser().parse_args(["eval-asr", "--verified"])
    assert eval_asr(args) == 0
    text = capsys.readouterr().out
    assert "outlet: سما" in text and "model × period" not in text
    assert "overall: WER" in text and "in 3 verified range(s)" in text


def test_refs_and_verified_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["eval-asr"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["eval-asr", "--verified", "--refs", "x"])
