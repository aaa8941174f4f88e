"""A seeded synthetic Arabic transcript corpus for the search benchmarks.

Segments are 8–20 words drawn from a Zipf-distributed vocabulary (exponent ``ZIPF_S``) built
from real Arabic word forms: common news/confession vocabulary with the article and clitic
prefixes (ال و وال بال كال فال لل ل ب), suffixes (ة ات ون ين ها ه ي هم ان), hamza-seated
alef variants, ى/ي and ة/ه spellings and, on some forms, harakat, so the analyzer
(``index.arabic``) normalises and stems for real. The most frequent ranks are the Arabic
stop words, as in speech. Each broadcast (``SEGMENTS_PER_BROADCAST`` segments) has an
outlet, a language and an air date spread over two years.

Usage: ``for broadcast in generate(100_000, seed=7): ...``. To extend: add words to
``BASE_WORDS`` or affixes to ``PREFIXES``/``SUFFIXES``; keep the seed stable so figures stay
comparable between runs.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

ZIPF_S = 1.07
VOCABULARY_SIZE = 40_000
SEGMENTS_PER_BROADCAST = 40
MIN_WORDS, MAX_WORDS = 8, 20
OUTLETS = ("الإخبارية السورية", "سما", "الفضائية السورية", "المنار", "الميادين", "العالم")
LANGUAGES = (("ar", 0.95), ("en", 0.05))
START = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 730

STOPWORDS = ("من", "في", "على", "إلى", "أن", "عن", "مع", "هذا", "التي", "الذي", "كان", "قد",
             "لا", "ما", "هذه", "بعد", "كل", "أو", "إن", "ثم", "حتى", "لم", "هو", "هي")
BASE_WORDS = (
    "أتبرأ", "ابن", "أخ", "أب", "أم", "عائلة", "اعتراف", "اعترف", "شهادة", "شاهد", "محكمة",
    "قاضي", "سجن", "معتقل", "تحقيق", "محقق", "جريمة", "إرهاب", "إرهابي", "تفجير", "عميل",
    "خائن", "وطن", "دولة", "جيش", "أمن", "مخابرات", "ضابط", "جندي", "حاجز", "مدينة", "قرية",
    "ريف", "دمشق", "حلب", "حمص", "حماة", "درعا", "إدلب", "نفق", "سلاح", "ذخيرة", "تمويل",
    "مال", "دولار", "خارج", "تركيا", "أمريكا", "مؤامرة", "فتنة", "مسلح", "جماعة", "تنظيم",
    "قائد", "أمير", "كتيبة", "عملية", "هجوم", "قصف", "صاروخ", "طريق", "سيارة", "بيت", "منزل",
    "مدرسة", "مستشفى", "طبيب", "مريض", "طفل", "امرأة", "رجل", "شاب", "فتاة", "زوج", "زوجة",
    "خطأ", "ندم", "توبة", "عفو", "رئيس", "قانون", "حق", "عدالة", "حقيقة", "كذب", "إعلام",
    "قناة", "تلفزيون", "برنامج", "حلقة", "لقاء", "حوار", "مذيع", "خبر", "نشرة", "أخبار",
    "يوم", "ليلة", "ساعة", "سنة", "شهر", "أسبوع", "قال", "يقول", "ذهب", "جاء", "رأى", "عرف",
    "طلب", "أعطى", "أخذ", "كتب", "قرأ", "سمع", "تكلم", "تحدث", "أكد", "نفى", "هرب", "عاد",
    "دخل", "خرج", "قتل", "خطف", "سرق", "حمل", "نقل", "استلم", "سلم", "تواصل", "اتصل", "هاتف",
    "رسالة", "شبكة", "إنترنت", "صورة", "فيديو", "تسجيل", "بيان", "مستقبل", "ماضي", "سلام",
    "حرب", "أرض", "شعب", "إنسان", "كرامة", "حرية", "ظلم", "خوف", "أمل", "دين", "مسجد", "كنيسة",
)
PREFIXES = ("ال", "و", "وال", "بال", "كال", "فال", "لل", "ل", "ب", "ف")
SUFFIXES = ("ة", "ات", "ون", "ين", "ها", "ه", "ي", "هم", "ان", "نا")
HARAKAT = ("\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b")
HAMZA_VARIANTS = {"أ": "ا", "إ": "ا", "آ": "ا"}


@dataclass
class BroadcastDoc:
    number: int
    outlet: str
    language: str
    aired_at: datetime
    segments: list[str] = field(default_factory=list)


def _variant(word: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        word = rng.choice(PREFIXES) + word
    if rng.random() < 0.35:
        word = word[:-1] + "ة" if word.endswith("ه") else word + rng.choice(SUFFIXES)
    if rng.random() < 0.2:  # spelling without hamza seats, as many captions have
        word = "".join(HAMZA_VARIANTS.get(ch, ch) for ch in word)
    if word.endswith("ي") and rng.random() < 0.3:
        word = word[:-1] + "ى"
    if rng.random() < 0.15:  # some harakat, as in careful subtitles
        letters = list(word)
        for i in sorted(rng.sample(range(len(letters)), k=min(2, len(letters))), reverse=True):
            letters.insert(i + 1, rng.choice(HARAKAT))
        word = "".join(letters)
    return word


def vocabulary(seed: int = 7, size: int = VOCABULARY_SIZE) -> list[str]:
    """Distinct word forms by frequency rank: stop words first, then base words and their
    variants in a seeded order."""
    rng = random.Random(seed)
    words = list(STOPWORDS)
    seen = set(words)
    bases = list(BASE_WORDS)
    rng.shuffle(bases)
    for base in bases:
        if base not in seen:
            seen.add(base)
            words.append(base)
    attempts = 0
    while len(words) < size and attempts < size * 20:
        attempts += 1
        form = _variant(rng.choice(BASE_WORDS), rng)
        if form not in seen:
            seen.add(form)
            words.append(form)
    return words


def zipf_weights(n: int, s: float = ZIPF_S) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n."""
    return list(itertools.accumulate(1.0 / (rank ** s) for rank in range(1, n + 1)))


def generate(n_segments: int, seed: int = 7,
             per_broadcast: int = SEGMENTS_PER_BROADCAST) -> Iterator[BroadcastDoc]:
    """Broadcasts holding ``n_segments`` segments in all (the last one may be shorter)."""
    rng = random.Random(seed)
    words = vocabulary(seed)
    cumulative = zipf_weights(len(words))
    langs, lang_weights = zip(*LANGUAGES, strict=True)
    made = 0
    number = 0
    while made < n_segments:
        count = min(per_broadcast, n_segments - made)
        doc = BroadcastDoc(number, rng.choice(OUTLETS), rng.choices(langs, lang_weights)[0],
                           START + timedelta(days=rng.randrange(DAYS),
                                             minutes=rng.randrange(24 * 60)))
        lengths = [rng.randint(MIN_WORDS, MAX_WORDS) for _ in range(count)]
        drawn = rng.choices(words, cum_weights=cumulative, k=sum(lengths))
        start = 0
        for length in lengths:
            doc.segments.append(" ".join(drawn[start:start + length]))
            start += length
        made += count
        number += 1
        yield doc
