"""Fixtures of the re-airing tests: a tiny generated archive (once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import media_gen as g  # noqa: E402

CONFESSION = ("اعترف أنا المدعو أحمد بأنني قمت بالتواصل مع جهات خارجية وتلقيت أموالا من أجل "
              "نشر الفوضى في البلاد وأنا نادم على ما فعلت وأطلب العفو من الشعب والحكومة. لقد "
              "تم تجنيدي عبر الإنترنت وكنت أرسل الصور والمعلومات إلى أشخاص لا أعرفهم")
NEWS = ("نشرة الأخبار الرئيسية من دمشق حيث ارتفعت درجات الحرارة اليوم وأعلنت وزارة الزراعة "
        "عن موسم جيد للقمح في المحافظات الشمالية والشرقية")
SPORT = ("وفي الرياضة فاز المنتخب الوطني على نظيره بهدفين مقابل هدف واحد في مباراة ودية "
         "أقيمت على ملعب العباسيين بحضور جماهيري كبير")


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """First airing A (outlet 1: intro noise, jingle, news, confession, jingle, sport), a
    re-airing B on another outlet (new intro, the confession cut to 15 s from its 3rd
    second, 6 dB quieter, music under at -10 dB, MP3 48k), and C and E from A's outlet (the
    same jingle around unrelated audio; E also repeats A's sports item, a real re-airing).
    ``truth``: where the confession is in A and B."""
    d = tmp_path_factory.mktemp("reair-media")
    confession = g.speech(d / "confession.wav", CONFESSION)
    news = g.speech(d / "news.wav", NEWS, pitch=40)
    sport = g.speech(d / "sport.wav", SPORT, speed=140)
    jingle = g.jingle(d / "jingle.wav", 1)
    music = g.tone(d / "music.wav", 30)
    intro = g.noise(d / "intro.wav", 5.3)
    a = g.concat(d / "a.wav", [intro, jingle, news, confession, jingle, sport])
    cut = g.transform(d / "cut.wav", confession, gain_db=-6, music=music, start=3, duration=15)
    b = g.concat(d / "b.mp3", [g.tone(d / "b-intro.wav", 7.37, (300, 400)), cut,
                               g.noise(d / "b-outro.wav", 6, seed=9)],
                 codec=["-c:a", "libmp3lame", "-b:a", "48k"])
    c = g.concat(d / "c.wav", [jingle, g.noise(d / "c-mid.wav", 12.1, seed=3), jingle,
                               g.tone(d / "c-end.wav", 8, (200, 250))])
    e = g.concat(d / "e.wav", [g.tone(d / "e-start.wav", 4, (180, 240)), jingle, sport])
    a_start = 5.3 + 6 + g.duration(news) + 3
    return {"a": a, "b": b, "c": c, "e": e,
            "truth": {"a": (a_start, a_start + 15), "b": (7.37, 22.37)}}
