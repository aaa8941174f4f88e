"""Known persons named on screen: an OCR line holding all the words of a person's name (or
one of its variants or its transliteration), compared Arabic-normalised
(``review.persons.search_words``), is suggested as that person's appearance in the broadcast
at that time (``ScreenName``, status ``suggested``). Re-running replaces the suggestions
not yet decided; a reviewer's decision (``review_name``: accept or reject, audited) stands.
To widen matching (e.g. fuzzy), change ``_contains``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog import audit, fencing
from catalog.models import Transcript
from reairings.models import ScreenName
from review.models import Person
from review.persons import search_words


class ScreenNameError(ValueError):
    """Bad input for an on-screen name decision; the message says what to change."""


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


def review_name(name_id: int, user: Any, decision: str) -> ScreenName:
    """A reviewer accepts (the person appears in the broadcast at that time) or rejects an
    on-screen name suggestion, audited; ``ScreenNameError`` on bad input,
    ``review.incidents.ReviewRuleError`` for a user below reviewer."""
    from review.incidents import require_role

    if decision not in ("accept", "reject"):
        raise ScreenNameError("the decision is 'accept' or 'reject'")
    require_role(user, "reviewer", f"{decision} an on-screen name")
    with transaction.atomic():
        name = ScreenName.objects.select_for_update().select_related("broadcast") \
            .filter(pk=name_id).first()
        if name is None:
            raise ScreenNameError(f"no on-screen name suggestion with id {name_id}")
        before = name.status
        name.status = (ScreenName.Status.ACCEPTED if decision == "accept"
                       else ScreenName.Status.REJECTED)
        name.reviewed_by = user
        name.reviewed_at = timezone.now()
        name.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit.record(f"screen-name-{decision}ed", user, broadcast=name.broadcast, details={
            "screen_name": name.pk, "from": before, "person": name.person_id,
            "start": name.start, "end": name.end, "text": name.text[:200]})
    return name
