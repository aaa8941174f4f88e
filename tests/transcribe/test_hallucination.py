"""The hallucination filter: table-driven cases (credits in several spellings, generic
phrases only over doubtful audio, loops, silence, back-to-back repeats), a list of real
Arabic sentences that must never be dropped, and real Whisper output on Arabic speech."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcribe.base import SegmentResult, TranscriptionResult
from transcribe.hallucination import apply_filter, classify, filter_segments, normalize

SPEECH = {"avg_logprob": -0.3, "no_speech_prob": 0.05}  # a confident decoder
DOUBT = {"avg_logprob": -0.9, "no_speech_prob": 0.55}  # a doubtful one
SILENT = {"avg_logprob": -1.3, "no_speech_prob": 0.8}


def seg(text: str, **kw: float) -> SegmentResult:
    return SegmentResult(0.0, 2.0, text, **{**SPEECH, **kw})


DROP_CASES = [
    ("ترجمة نانسي قنقر", SPEECH, "subtitle credit"),
    ("ترجمةُ نانسي قنقر.", SPEECH, "subtitle credit"),  # with a damma and a full stop
    ("ترجمه نانسى قنقر", SPEECH, "subtitle credit"),  # teh marbuta / alef maksura variants
    ("اشتركوا في القناة", SPEECH, "subtitle credit"),
    ("اشتركوا في القناه!", SPEECH, "subtitle credit"),
    ("لا تنسوا الاشتراك في القناة", SPEECH, "subtitle credit"),
    ("Subtitles by the Amara.org community", SPEECH, "subtitle credit"),
    ("شكراً للمشاهدة", DOUBT, "generic phrase over silence"),
    ("سبحان الله", DOUBT, "generic phrase over silence"),
    ("موسيقى", SILENT, "generic phrase over silence"),
    ("لا لا لا لا لا لا لا لا", SPEECH, "repetition"),
    ("أنا أنا أنا أنا أنا أنا أنا", SPEECH, "repetition"),
    ("في البيت في البيت في البيت في البيت في البيت", SPEECH, "repetition"),
    ("وقال الرئيس وقال الرئيس وقال الرئيس وقال الرئيس", SPEECH, "repetition"),
    ("اعترف المتهم بما نسب إليه", SILENT, "text over silence"),
    ("", SPEECH, "empty"),
    ("  ...  ", SPEECH, "empty"),
]


@pytest.mark.parametrize(("text", "scores", "reason"), DROP_CASES)
def test_hallucinations_are_dropped_with_a_reason(text: str, scores: dict, reason: str) -> None:
    assert classify(seg(text, **scores)) == reason


REAL_SPEECH = [
    "ابنتي الدكتورة أماني",
    "أنا اسمي محمد من مواليد حمص عام ألف وتسعمئة وثمانين",
    "اعترف بأنني شاركت في تهريب السلاح عبر الحدود",
    "قال الرئيس إن الحكومة السورية مستمرة في مكافحة الإرهاب",
    "شكرا للمشاهدة",  # a real outro, said clearly: kept unless the audio is doubtful
    "سبحان الله",
    "بسم الله الرحمن الرحيم",
    "لا لا لا",  # a real, short denial
    "نعم نعم",
    "ترجمة الأخبار إلى اللغة الإنجليزية تتم في القسم الآخر من المبنى",
    "طلبت منهم أن يشتركوا في القناة الرسمية لمتابعة البيانات يوميا",
    "والحمد لله رب العالمين",
]


@pytest.mark.parametrize("text", REAL_SPEECH)
def test_real_arabic_sentences_are_kept(text: str) -> None:
    assert classify(seg(text)) is None


def test_credit_inside_a_longer_sentence_is_kept() -> None:
    text = "قالت المذيعة إن ترجمة نانسي قنقر للكتاب صدرت العام الماضي في بيروت"
    assert classify(seg(text)) is None


def test_back_to_back_repeats_drop_the_copy_but_short_answers_stay() -> None:
    segments = [seg("أنا من سكان مدينة حمص"), seg("أنا من سكان مدينة حمص."),
                seg("نعم"), seg("نعم"), seg("ثم اعتقلوني في الصباح")]
    kept, dropped = filter_segments(segments)
    assert [s.text for s in kept] == ["أنا من سكان مدينة حمص", "نعم", "نعم",
                                      "ثم اعتقلوني في الصباح"]
    assert [(s.text, why) for s, why in dropped] == [("أنا من سكان مدينة حمص.",
                                                      "repeated segment")]


def test_compression_ratio_flags_a_long_loop() -> None:
    loop = "هذا هو الموضوع الذي نتحدث عنه اليوم " * 6
    assert classify(seg(loop)) == "repetition"
    assert classify(seg("نص عادي", compression_ratio=3.0)) is None  # too short to judge
    assert classify(seg(loop[:80], compression_ratio=2.5)) == "repetition"


def test_normalize_folds_arabic_variants_only_for_comparison() -> None:
    assert normalize("إِنَّ  الحكومةَ، ـــ أمام") == "ان الحكومه امام"
    original = "ترجمةُ نانسي قنقر"
    result = TranscriptionResult("ar", 1.0, 4.0, [seg(original), seg("أنا بخير")],
                                 "faster-whisper", "m")
    filtered = apply_filter(result)
    assert [s.text for s in filtered.segments] == ["أنا بخير"]
    assert filtered.dropped[0][0].text == original  # stored exactly as transcribed
    assert filtered.params["hallucination_filter"] == "1"
    assert len(result.segments) == 2  # the input is not modified


@pytest.mark.slow
def test_real_whisper_output_on_arabic_speech_is_kept(engine, detect_speech: Path) -> None:
    result = engine.transcribe(detect_speech, language="ar")
    assert result.segments
    filtered = apply_filter(result)
    assert filtered.dropped == []
    assert [s.text for s in filtered.segments] == [s.text for s in result.segments]
