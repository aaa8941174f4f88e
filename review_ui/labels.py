"""What a reader sees for a stored value: enumerations and history entries in the page's
language.

The database keeps its values (``under_review``, ``disowns``, ``feed``...); a page shows
``label(kind, value)`` (template: ``{{ value|shown:"incident_status" }}``), the label of
``LABELS[kind]`` in the active language, or the value unchanged when it has none (a value
added to a model before its label: still readable, and tests/review_ui/test_shown_labels.py
fails). ``history_sentence`` turns one incident history entry (``review.incident_json``)
into a sentence with the actor's name isolated (``<bdi>``). No rule lives here: only what a
value is called. To add a kind or a value: an entry below with ``pgettext_lazy`` (the
context is the kind, so "confirmed" may read differently for an incident and an alert),
and its Arabic in ``locale/ar`` (and ``locale/en``).
"""

from __future__ import annotations

from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext_lazy as p

from review_ui.middleware import BIDI_CONTROLS, BIDI_REPLACEMENT

LABELS: dict[str, dict[str, Any]] = {
    "incident_status": {
        "suspected": p("incident status", "suspected"),
        "under_review": p("incident status", "under review"),
        "confirmed": p("incident status", "confirmed"),
        "dismissed": p("incident status", "dismissed"),
    },
    "confidence": {
        "low": p("confidence", "low"),
        "medium": p("confidence", "medium"),
        "high": p("confidence", "high"),
    },
    "person_kind": {
        "detainee": p("person kind", "detainee"),
        "relative": p("person kind", "relative"),
        "witness": p("person kind", "witness"),
        "official": p("person kind", "official"),
        "presenter": p("person kind", "presenter"),
        "activist": p("person kind", "activist"),
        "other": p("person kind", "other"),
    },
    "role": {
        "confesses": p("role on air", "confesses"),
        "disowns": p("role on air", "disowns a relative"),
        "denies": p("role on air", "denies documented crimes"),
        "testifies": p("role on air", "testifies against someone"),
        "other": p("role on air", "other"),
    },
    "assessment": {
        "proposer": p("assessment kind", "the proposer's"),
        "second": p("assessment kind", "second, blind"),
    },
    "alert_status": {
        "new": p("alert status", "new"),
        "confirmed": p("alert status", "confirmed"),
        "dismissed": p("alert status", "dismissed"),
    },
    "source_kind": {
        "site": p("source kind", "web site"),
        "live": p("source kind", "live stream"),
        "feed": p("source kind", "feed (RSS/Atom)"),
        "sitemap": p("source kind", "sitemap"),
        "ytdlp": p("source kind", "video platform (yt-dlp)"),
        "html": p("source kind", "web site"),
        "import": p("source kind", "imported transcripts"),
    },
    "broadcast_status": {
        "discovered": p("broadcast status", "discovered"),
        "downloaded": p("broadcast status", "downloaded"),
        "transcribed": p("broadcast status", "transcribed"),
        "indexed": p("broadcast status", "indexed"),
        "failed": p("broadcast status", "failed"),
    },
    "stage": {
        "download": p("pipeline stage", "download"),
        "transcribe": p("pipeline stage", "transcription"),
        "index": p("pipeline stage", "indexing"),
        "unknown": p("pipeline stage", "unknown stage"),
    },
    "reairing_status": {
        "suggested": p("re-airing status", "suggested"),
        "linked": p("re-airing status", "linked"),
        "accepted": p("re-airing status", "accepted"),
        "rejected": p("re-airing status", "rejected"),
    },
    "history_action": {
        "proposed": p("history action", "proposal"),
        "edited": p("history action", "edit"),
        "clip-added": p("history action", "clip added"),
        "person-added": p("history action", "person added"),
        "assessed": p("history action", "assessment"),
        "assigned": p("history action", "assignment"),
        "status-changed": p("history action", "status change"),
    },
    "language_flag": {
        "audio-text-disagree": p("language flag", "audio and text disagree"),
        "non-arabic": p("language flag", "not Arabic"),
    },
    "failure_reason": {  # catalog.failures codes: why a crawl or a stage failed
        "disk_full": p("failure reason",
            "The disk is full."),
        "incomplete_scan": p("failure reason",
            "The last scan was cut short; the next crawl reads every listing page again."),
        "deadline": p("failure reason",
            "The time allowed for this source ran out."),
        "recorded_not_crawled": p("failure reason",
            "A live source is recorded continuously, not crawled."),
        "recorder_running": p("failure reason",
            "A recorder for this source is already running."),
        "capture_running": p("failure reason",
            "Another capture of this broadcast is running."),
        "not_public": p("failure reason",
            "The address is not a public one; the egress guard refused it."),
        "robots": p("failure reason",
            "The outlet's robots.txt forbids this page."),
        "rate_limited": p("failure reason",
            "The outlet asked us to slow down (too many requests); we will try later."),
        "not_found": p("failure reason",
            "The page or file is no longer at the outlet."),
        "forbidden": p("failure reason",
            "The outlet refused access."),
        "server_error": p("failure reason",
            "The outlet's server answered with an error."),
        "tls": p("failure reason",
            "The secure connection failed (certificate or TLS)."),
        "dns": p("failure reason",
            "The outlet's address could not be found (DNS)."),
        "timeout": p("failure reason",
            "The outlet took too long to answer."),
        "unreachable": p("failure reason",
            "The outlet could not be reached."),
        "no_listing": p("failure reason",
            "No listing page could be read."),
        "no_stream": p("failure reason",
            "No live stream was found at the address."),
        "too_large": p("failure reason",
            "The file is larger than the limit."),
        "too_long": p("failure reason",
            "The recording is longer than the limit."),
        "no_media": p("failure reason",
            "No media was found to capture."),
        "several_items": p("failure reason",
            "The address lists several videos; give one item's page."),
        "cookies": p("failure reason",
            "The cookies file is missing or unusable."),
        "transcription": p("failure reason",
            "The transcription failed."),
        "index": p("failure reason",
            "The search index could not be updated."),
        "crawler_crashed": p("failure reason",
            "The crawler stopped with an error."),
        "internal": p("failure reason",
            "An internal error occurred; it has been logged."),
        "other": p("failure reason",
            "The failure has no known reason; see the detail."),
    },
    "dropped_reason": {  # transcribe.hallucination: why a segment was set aside
        "subtitle credit": p("dropped segment", "subtitle credit"),
        "generic phrase over silence": p("dropped segment", "generic phrase over silence"),
        "repetition": p("dropped segment", "repetition"),
        "text over silence": p("dropped segment", "text over silence"),
        "empty": p("dropped segment", "empty"),
        "repeated segment": p("dropped segment", "repeated segment"),
    },
    "user_role": {
        "viewer": p("user role", "viewer"),
        "reviewer": p("user role", "reviewer"),
        "lead": p("user role", "lead"),
        "admin": p("user role", "admin"),
    },
    "language": {
        "ar": p("language", "Arabic"),
        "en": p("language", "English"),
        "fr": p("language", "French"),
        "tr": p("language", "Turkish"),
        "fa": p("language", "Persian"),
        "ku": p("language", "Kurdish"),
    },
}

_STATUS_SENTENCES = {
    "suspected": p("history", "%(actor)s returned the incident to suspected"),
    "under_review": p("history", "%(actor)s sent the incident for review"),
    "confirmed": p("history", "%(actor)s confirmed the incident"),
    "dismissed": p("history", "%(actor)s dismissed the incident"),
}
_ACTION_SENTENCES = {
    "proposed": p("history", "%(actor)s proposed the incident"),
    "edited": p("history", "%(actor)s edited the incident"),
    "clip-added": p("history", "%(actor)s added a clip"),
    "person-added": p("history", "%(actor)s added a person on air"),
    "assessed": p("history", "%(actor)s recorded a blind assessment"),
    "assigned": p("history", "%(actor)s assigned a reviewer"),
}
_OTHER_ACTION = p("history", "%(actor)s changed the incident")


def label(kind: str, value: Any) -> str:
    """The shown label of ``value`` of ``kind`` in the active language; the value itself
    when it has none ("" for None)."""
    if value is None:
        return ""
    shown = LABELS.get(kind, {}).get(str(value))
    return str(shown) if shown is not None else str(value)


def history_sentence(entry: dict[str, Any]) -> SafeString:
    """One history entry (``action``, ``by``, ``to``) as an escaped sentence, the actor's
    name in ``<bdi>`` with bidi controls replaced."""
    action = entry.get("action") or ""
    if action == "status-changed" and entry.get("to") in _STATUS_SENTENCES:
        template = _STATUS_SENTENCES[entry["to"]]
    else:
        template = _ACTION_SENTENCES.get(action, _OTHER_ACTION)
    actor = format_html("<bdi>{}</bdi>", BIDI_CONTROLS.sub(BIDI_REPLACEMENT,
                                                            str(entry.get("by") or "—")))
    return mark_safe(escape(str(template)).replace("%(actor)s", actor))


def choices(kind: str, values: Any) -> list[tuple[str, Any]]:
    """Form choices for ``values`` of ``kind``, each labelled in the language active when
    the form is rendered (one language, never "ar · en")."""
    return [(str(value), LABELS.get(kind, {}).get(str(value), str(value)))
            for value in values]


def vocabulary_label(label_ar: Any, label_en: Any) -> str:
    """The active language's label of a vocabulary entry (a sign of coercion, a tag), the
    other one when it is empty."""
    from django.utils.translation import get_language

    arabic, english = str(label_ar or ""), str(label_en or "")
    if (get_language() or "ar").startswith("ar"):
        return arabic or english
    return english or arabic


def known_values(kind: str) -> set[str]:
    """The values of ``kind`` that have a label (for tests)."""
    return set(LABELS.get(kind, {}))


__all__ = ["LABELS", "choices", "history_sentence", "known_values", "label",
           "vocabulary_label"]
