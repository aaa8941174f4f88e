"""Hot words (issue 27): the persons registry's names and the watchlist words of a source
are offered to the engine (faster-whisper ``hotwords``, openai-whisper ``initial_prompt``),
bounded in length, and recorded in the transcript's parameters; ``transcribe.hotwords =
false`` turns it off. The slow tests run the real Whisper base model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Broadcast, MediaFile, Outlet, Source, Watchlist
from raqib.hotwords import bound, hotwords_for
from review.models import Person

pytestmark = pytest.mark.django_db


def test_bound_keeps_whole_entries_within_both_limits() -> None:
    names = ["أماني بلوز", "أمانى بلوز", "مازن حمادة", "رزان زيتونة", "باسل شحادة"]
    assert bound(names, 200, 50) == "أماني بلوز، مازن حمادة، رزان زيتونة، باسل شحادة"
    assert bound(names, 200, 5) == "أماني بلوز، مازن حمادة"  # 2+2 words; a third: 6
    text = bound(names, 23, 50)
    assert text == "أماني بلوز، مازن حمادة" and len(text) <= 23
    assert bound(["اسم طويل جدا جدا", "قصير"], 10, 50) == "قصير"  # a shorter one still fits
    assert bound([], 200, 50) == ""


def _broadcast(outlet: str = "الإخبارية السورية") -> Broadcast:
    out, _ = Outlet.objects.get_or_create(name=outlet)
    source, _ = Source.objects.get_or_create(name=f"s-{out.pk}", defaults={
        "outlet": out, "kind": "html"})
    return Broadcast.objects.create(source=source, outlet=out, external_id=f"e{out.pk}",
                                    url="https://example.org/e")


def test_registry_names_and_the_sources_watchlist_words(monkeypatch) -> None:
    assert settings.CONFIG.get("transcribe.hotwords") is False  # off unless turned on
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.hotwords", True)
    Person.objects.create(name="أماني بلوز", variants=["اماني بلّوز", "Amani"],
                          latin="Amani Ballour")
    Person.objects.create(name="معتقل سري", restricted=True)
    Person.objects.create(name="مازن حمادة")
    Watchlist.objects.create(name="all", query='"مطار دمشق" OR خاشقجي~ -رياضة مستش*')
    Watchlist.objects.create(name="ikh", query="outlet:\"الإخبارية السورية\" تبرؤ")
    Watchlist.objects.create(name="other", query="outlet:Other كلمة")
    Watchlist.objects.create(name="off", query="متوقفة", active=False)
    ikhbariya = _broadcast()
    text = hotwords_for(ikhbariya, settings.CONFIG)
    # newest person first, Latin names left out, the restricted person never offered;
    # the watchlist words as typed (no ~, no excluded word, no prefix)
    assert text == "مازن حمادة، أماني بلوز، مطار دمشق، خاشقجي، تبرؤ"
    assert "كلمة" in hotwords_for(_broadcast("Other"), settings.CONFIG)
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.hotwords_max_words", 3)
    assert hotwords_for(ikhbariya, settings.CONFIG) == "مازن حمادة، خاشقجي"
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.hotwords", False)
    assert hotwords_for(ikhbariya, settings.CONFIG) == ""


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["faster-whisper", "openai-whisper"])
def test_the_transcript_records_the_hot_words_it_was_given(amani_video: Path, engine_name: str,
                                                           bundled_model: Path,
                                                           monkeypatch) -> None:
    from raqib.stages import StageOptions
    from raqib.transcription import transcribe_broadcast

    if engine_name == "openai-whisper":
        pytest.importorskip("whisper")
    rel = Path("media") / "hotwords.mp4"
    dest = Path(settings.CONFIG.data_dir) / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(amani_video, dest)
    broadcast = _broadcast()
    broadcast.media = MediaFile.objects.create(sha256="c" * 64, path=rel.as_posix(), size=1)
    broadcast.save()
    Person.objects.create(name="أماني بلوز")
    monkeypatch.setitem(settings.CONFIG.values, "transcribe.hotwords", True)
    options = StageOptions(engine=engine_name, model="bundled-base")
    transcript = transcribe_broadcast(broadcast, settings.CONFIG, options)
    key = "hotwords" if engine_name == "faster-whisper" else "initial_prompt"
    assert transcript.params[key] == "أماني بلوز"
    # the words are kept with their probabilities (both engines), which the transcript
    # view and the needs-listening list read (review.listening)
    from review.listening import needs_listening

    segments = list(transcript.segments.order_by("number"))
    assert segments and all(w["word"] and 0.0 <= w["p"] <= 1.0
                            for s in segments for w in s.words)
    [everything] = needs_listening(segments, threshold=1.01)  # every word below: one range
    assert (everything.first_segment, everything.last_segment) == (0, segments[-1].number)
    assert everything.words == sum(len(s.words) for s in segments)
    assert needs_listening(segments, threshold=0.0) == []
    if engine_name == "openai-whisper":
        assert transcript.params["carry_initial_prompt"] is True
    from transcribe.registry import get_engine

    bare = get_engine(settings.CONFIG, engine=engine_name, model="bundled-base")
    assert key not in bare.params("ar")  # no hot words: the option is left out
