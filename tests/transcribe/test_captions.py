"""The captions track: WebVTT/SubRip parsing (timings, multi-line cues, markup stripped,
Arabic untouched), import as a ``captions`` transcript from EvidenceFile rows (idempotent,
only the broadcast's language, a bad file skipped), searchable at once through the
download stage's hook, with .vtt/.srt written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Broadcast, EvidenceFile, Outlet, Source, Transcript
from transcribe.captions import CaptionsError, file_language, parse_captions, parse_cues

VTT = """\ufeffWEBVTT
Kind: captions
Language: ar

NOTE made by hand for the test

STYLE
::cue { color: yellow }

intro
00:00:01.000 --> 00:00:03.500 align:start position:0%
<c.colorE5E5E5>أنا اسمي</c> <00:00:02.100><c>سامر</c>

00:03.500 --> 00:06.000
<v المتهم>اعترفتُ بكل شيء
&lt;تحت الضغط&gt;</v>

00:00:06.000 --> 00:00:07.000
اعترفتُ بكل شيء
&lt;تحت الضغط&gt;
"""

SRT = """1
00:00:00,500 --> 00:00:02,000
{\\an8}<i>ابنتي الدكتورة أماني</i>

2
00:00:02,000 --> 00:00:04,250
أتبرأ منها
أمام الله
"""


def test_vtt_cues_keep_arabic_and_drop_markup() -> None:
    cues = parse_cues(VTT)
    assert [(c.start, c.end) for c in cues] == [(1.0, 3.5), (3.5, 7.0)]  # the repeat merged
    assert cues[0].text == "أنا اسمي سامر"
    assert cues[1].text == "اعترفتُ بكل شيء\n<تحت الضغط>"  # damma kept, entities decoded


def test_srt_cues() -> None:
    cues = parse_cues(SRT)
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.5, 2.0, "ابنتي الدكتورة أماني"), (2.0, 4.25, "أتبرأ منها\nأمام الله")]


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "a.ar.vtt").write_text("not captions at all", encoding="utf-8")
    with pytest.raises(CaptionsError, match="not WebVTT"):
        parse_captions(tmp_path / "a.ar.vtt")
    (tmp_path / "b.ar.srt").write_text("1\n00:00:01,000 --> soon\nنص\n", encoding="utf-8")
    with pytest.raises(CaptionsError, match="bad cue timestamp"):
        parse_captions(tmp_path / "b.ar.srt")
    (tmp_path / "c.ar.srt").write_bytes("نص".encode("cp1256"))
    with pytest.raises(CaptionsError, match="not UTF-8"):
        parse_captions(tmp_path / "c.ar.srt")
    (tmp_path / "d.ar.vtt").write_text("WEBVTT\n\n", encoding="utf-8")
    with pytest.raises(CaptionsError, match="no cues"):
        parse_captions(tmp_path / "d.ar.vtt")


def test_file_language() -> None:
    assert file_language("20250101T000000Z.ar.vtt") == "ar"
    assert file_language("x.ar-SY.srt") == "ar-SY"
    assert file_language("x.und.vtt") == "" and file_language("x.vtt") == ""


def _evidence(broadcast: Broadcast, name: str, text: str) -> EvidenceFile:
    rel = Path("captures") / str(broadcast.id) / name
    path = Path(settings.CONFIG.data_dir) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    data = path.read_bytes()
    return EvidenceFile.objects.create(broadcast=broadcast, kind=EvidenceFile.KIND_CAPTIONS,
                                       path=rel.as_posix(), sha256=hashlib.sha256(data)
                                       .hexdigest(), size=len(data))


@pytest.fixture
def broadcast(db) -> Broadcast:  # noqa: ANN001
    outlet = Outlet.objects.create(name="قناة الاختبار")
    source = Source.objects.create(name="captions-test", outlet=outlet, kind="site")
    return Broadcast.objects.create(source=source, outlet=outlet, external_id="cap-1",
                                    url="https://example.org/cap-1", title="اعتراف",
                                    language="ar")


def test_import_is_searchable_idempotent_and_language_aware(broadcast: Broadcast) -> None:
    from index.registry import get_backend
    from raqib.transcription import import_captions

    _evidence(broadcast, "s.ar.vtt", VTT)
    _evidence(broadcast, "s.ar.srt", SRT)
    _evidence(broadcast, "s.en.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nI confess\n")
    _evidence(broadcast, "s.ar-SY.vtt", "garbage")  # logged and skipped, the rest imported

    changed = import_captions(broadcast, settings.CONFIG)
    assert sorted(t.model_id for t in changed) == ["s.ar.srt", "s.ar.vtt"]
    vtt = Transcript.objects.get(broadcast=broadcast, model_id="s.ar.vtt")
    assert (vtt.track, vtt.engine, vtt.language, vtt.text_language) == (
        "captions", "captions", "ar", "ar")
    assert [s.text for s in vtt.segments.order_by("number")] == [
        "أنا اسمي سامر", "اعترفتُ بكل شيء\n<تحت الضغط>"]
    assert vtt.model_sha256 == EvidenceFile.objects.get(path__endswith="s.ar.vtt").sha256
    out = Path(settings.CONFIG.data_dir) / "transcripts" / str(broadcast.id)
    assert (out / f"{vtt.id}-captions.vtt").read_text(encoding="utf-8").startswith("WEBVTT")
    assert (out / f"{vtt.id}-captions.srt").exists()

    hits = get_backend(settings.CONFIG).search("أماني")
    assert [h.transcript_id for h in hits] == [
        Transcript.objects.get(broadcast=broadcast, model_id="s.ar.srt").id]
    assert broadcast.status == Broadcast.Status.DISCOVERED  # searchable before any ASR

    ids = sorted(Transcript.objects.values_list("id", flat=True))
    assert import_captions(broadcast, settings.CONFIG) == []  # same files: nothing to do
    assert sorted(Transcript.objects.values_list("id", flat=True)) == ids
    assert Transcript.objects.filter(broadcast=broadcast).count() == 2


def test_import_can_be_switched_off(broadcast: Broadcast, monkeypatch) -> None:  # noqa: ANN001
    from raqib.transcription import import_captions

    _evidence(broadcast, "off.ar.vtt", VTT)
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.captions", False)
    assert import_captions(broadcast, settings.CONFIG) == []
    assert not Transcript.objects.filter(broadcast=broadcast).exists()


def test_review_page_shows_captions_track_flags_and_dropped(broadcast: Broadcast,
                                                            client) -> None:  # noqa: ANN001
    from django.contrib.auth import get_user_model

    from accounts.roles import set_role
    from catalog.models import DroppedSegment
    from raqib.transcription import import_captions

    _evidence(broadcast, "page.ar.srt", SRT)
    captions = import_captions(broadcast, settings.CONFIG)[0]
    asr = Transcript.objects.create(broadcast=broadcast, engine="faster-whisper", model_id="b",
                                    language="en", detected_language="en", text_language="en",
                                    language_flags=["non-arabic", "hint-overridden"])
    asr.segments.create(number=0, start=0, end=2, text="I was arrested")
    DroppedSegment.objects.create(transcript=asr, start=2, end=4, text="اشتركوا في القناة",
                                  reason="subtitle credit")
    from tests.review_ui.ui_helpers import PASSWORD, login_client

    user = get_user_model().objects.create_user("reviewer", password=PASSWORD)
    set_role(user, "viewer")
    login_client(client, user)
    page = client.get(f"/broadcasts/{broadcast.id}/?transcript={asr.id}").content.decode()
    assert "non-arabic" in page and "hint-overridden" in page
    assert "اشتركوا في القناة" in page and "(شارة ترجمة)" in page  # the reason, in Arabic
    assert "ترجمة القناة" in page  # the captions track in the switcher (Arabic UI)
    page = client.get(f"/broadcasts/{broadcast.id}/?transcript={captions.id}").content.decode()
    assert "ترجمة نشرتها القناة" in page and "أتبرأ منها" in page  # "Outlet captions"
    assert "مقاطع حذفها مرشّح الهلوسة" not in page  # "Segments dropped by the ... filter"
