"""Hot words: the names and words a broadcast's transcription is told to expect.

Whisper mishears names, and a name misheard is a name search does not find. Before a
broadcast is transcribed (``raqib.transcription.transcribe_broadcast``), ``hotwords_for``
builds a short text from

1. the persons registry (``review.models.Person``): each person's name and its Arabic-script
   variants, newest person first (the Latin transliteration is left out: the speech is in
   the source's language). Restricted persons are left out: the text is recorded in the
   transcript's parameters, which exports and the broadcast's JSON carry;
2. the words of the active watchlists that apply to the source (a watchlist whose query has
   ``outlet:`` only for that outlet): its words, phrases and fuzzy words as typed (without
   ``~``), never its excluded words or prefixes (``word*`` is not a word);

de-duplicated on the Arabic-normalised form, joined with "، " and cut, at whole entries, to
``transcribe.hotwords_max_words`` words and ``transcribe.hotwords_max_chars`` characters
(Whisper's prompt holds at most 223 tokens; longer hot words crowd out what was said).
The engine gets it as faster-whisper ``hotwords`` / openai-whisper ``initial_prompt``
(``transcribe.base.Engine.hotwords``) and the transcript's parameters record it, so every
transcript says what it was told to expect. Off unless ``transcribe.hotwords = true``: with
the base model the engine also wrote offered names that were not said
(``benchmarks/names_recall.py``, docs/benchmarks.md).
To add a kind of hot word: collect it in ``candidates`` in the order it should win.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from catalog.models import Broadcast, Watchlist
from index.arabic import normalize_prefix, tokenize
from index.base import QueryError
from index.query import AnyOf, Fuzzy, Phrase, Term, parse
from review.models import Person

SEPARATOR = "، "


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in text)


def person_names(language: str = "ar") -> Iterator[str]:
    """Visible-to-all persons' names and variants, newest person first (Arabic-script names
    only when ``language`` is Arabic)."""
    people = Person.objects.filter(restricted=False).order_by("-created_at", "-id")
    for person in people.only("name", "variants"):
        for name in (person.name, *person.variants):
            if name and (language != "ar" or _has_arabic(name)):
                yield name


def _outlet_matches(query_outlet: str | None, outlet: str) -> bool:
    return query_outlet is None or query_outlet.strip().casefold() == outlet.strip().casefold()


def watchlist_words(outlet: str = "") -> Iterator[str]:
    """The words and phrases of the active watchlists that apply to ``outlet``."""
    for watchlist in Watchlist.objects.filter(active=True).order_by("id"):
        try:
            query = parse(watchlist.query)
        except QueryError:
            continue  # an invalid stored query is reported where watchlists run
        if not _outlet_matches(query.outlet, outlet):
            continue
        for clause in query.must:
            for leaf in clause.options if isinstance(clause, AnyOf) else (clause,):
                if isinstance(leaf, Term | Phrase | Fuzzy):
                    yield leaf.raw


def candidates(broadcast: Broadcast | None = None, language: str = "ar") -> Iterator[str]:
    """Every hot word in the order it wins a place: persons, then watchlist words."""
    yield from person_names(language)
    yield from watchlist_words(broadcast.outlet.name if broadcast is not None else "")


def bound(entries: Iterable[str], max_chars: int, max_words: int) -> str:
    """``entries`` de-duplicated (Arabic-normalised), joined with ``SEPARATOR`` and cut at
    whole entries to at most ``max_chars`` characters and ``max_words`` words."""
    kept: list[str] = []
    seen: set[tuple[str, ...]] = set()
    chars = words = 0
    for entry in entries:
        text = " ".join(entry.split()).strip(" ،,")
        key = tuple(normalize_prefix(text[s:e]) for s, e in tokenize(text))
        if not key or key in seen:
            continue
        count = len(text.split())
        extra = len(text) + (len(SEPARATOR) if kept else 0)
        if words + count > max_words or chars + extra > max_chars:
            continue  # a shorter entry further on may still fit
        seen.add(key)
        kept.append(text)
        chars, words = chars + extra, words + count
    return SEPARATOR.join(kept)


def hotwords_for(broadcast: Broadcast | None, settings: object) -> str:
    """The hot-word text for ``broadcast`` under the ``transcribe.hotwords*`` settings
    ("" when turned off or when there is nothing to offer)."""
    get = settings.get  # type: ignore[attr-defined]
    if not get("transcribe.hotwords"):
        return ""
    language = (getattr(broadcast, "language", "") or get("transcribe.language") or "ar")
    return bound(candidates(broadcast, language[:2]), get("transcribe.hotwords_max_chars"),
                 get("transcribe.hotwords_max_words"))
