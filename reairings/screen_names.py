"""Known persons named on screen: an OCR line holding all the words of a person's name (or
one of its variants or its transliteration), compared Arabic-normalised
(``review.persons.search_words``), is suggested as that person's appearance in the broadcast
at that time (``ScreenName``, status ``suggested``). Re-running replaces the suggestions
not yet decided. To widen matching (e.g. fuzzy), change ``_contains``.
"""

from __future__ import annotations

from django.db import transaction

from catalog import fencing
from catalog.models import Transcript
from reairings.models import ScreenName
from review.models import Person
from review.persons import search_words


def _contains(words: list[str], name: list[str]) -> bool:
    n = len(name)
    return n > 0 and any(words[i:i + n] == name for i in range(len(words) - n + 1))


def suggest_persons(transcript: Transcript) -> list[ScreenName]:
    """Suggest the persons named in ``transcript``'s (an OCR track) lines."""
    names = [(person, search_words(name)) for person in Person.objects.all()
             for name in person.all_names() if name]
    names = [(p, w) for p, w in names if w and sum(len(x) for x in w) >= 4]
    found: dict[tuple[int, float], ScreenName] = {}
    for segment in transcript.segments.order_by("number"):
        words = search_words(segment.text)
        for person, name in names:
            if _contains(words, name) and (person.pk, segment.start) not in found:
                found[(person.pk, segment.start)] = ScreenName(
                    broadcast=transcript.broadcast, person=person, start=segment.start,
                    end=segment.end, text=segment.text)
    with transaction.atomic():
        fencing.check()  # a worker whose claim was taken over writes nothing
        ScreenName.objects.filter(broadcast=transcript.broadcast,
                                  status=ScreenName.Status.SUGGESTED).delete()
        decided = set(ScreenName.objects.filter(broadcast=transcript.broadcast)
                      .values_list("person_id", "start"))
        fresh = [s for key, s in found.items() if key not in decided]
        ScreenName.objects.bulk_create(fresh)
    return fresh
