"""Template filters of the review UI: bidi-safe text and time codes.

``bidi_safe`` neutralises the Unicode bidi embedding/override/isolate controls
(U+202A–U+202E, U+2066–U+2069) in captured or user text, so a transcript or a name
cannot reorder the text around it (a "Trojan Source"-style spoof); each is shown as
U+FFFD so a reviewer sees that something was there. Output stays autoescaped.
``http_href`` lets only absolute http(s) URLs become a link target (``catalog.urls``):
anything else (``javascript:``, ``data:``) gives "" and the template shows no link.
``in_language`` shows the active language's half of a bilingual model choice label;
``shown`` a stored value's label and ``history_sentence`` a history entry
(``review_ui.labels``).
To add a filter: define it here with ``@register.filter``.
"""

from __future__ import annotations

import html
import math
import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.urls import is_http_url

register = template.Library()


_VALUE_CONTEXT = template.Context(autoescape=True)  # a page's context: autoescape on


def template_value(value: object) -> str:
    """What ``{{ value }}`` writes in a page (localised, then autoescaped): for HTML built
    in Python that must read exactly as the template's (``views.search.hit_rows``,
    ``views.broadcasts.segment_rows``, ``form_renderer``)."""
    if type(value) is str:  # plain text: what localising and escaping give it, directly
        return SafeString(html.escape(value))
    from django.template.base import render_value_in_context

    return render_value_in_context(value, _VALUE_CONTEXT)


@register.filter
def http_href(value: object) -> str:
    """The URL when it is absolute http(s) (the only schemes a link may point at), else ""."""
    return value if isinstance(value, str) and is_http_url(value) else ""

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


@register.filter
def in_language(value: object) -> str:
    """The active language's half of a bilingual model label ("عربي · english", the
    convention of the choices in ``review/models.py``); other text unchanged."""
    from django.utils.translation import get_language

    text = "" if value is None else str(value)
    if " · " not in text:
        return text
    arabic, english = text.split(" · ", 1)
    return arabic if (get_language() or "ar").startswith("ar") else english


@register.filter
def bidi_safe(value: object) -> str:
    """The text with bidi control characters replaced by U+FFFD (still autoescaped)."""
    if value is None:
        return ""
    return BIDI_CONTROLS.sub(REPLACEMENT, str(value))


@register.filter
def refusal(value: object) -> str:
    """A refusal or notice as HTML: a rule error (``review.errors``) or a message built
    from one (``review_ui.views.common.with_reason``) keeps its markup, each value in
    ``<bdi>``, so the sentence reads in the page's language; other text is isolated whole
    (``<bdi>``) as before. Bidi control characters are neutralised either way."""
    inner = value if hasattr(value, "__html__") else getattr(value, "message", value)
    if inner is None:
        return ""
    if hasattr(inner, "__html__"):  # a rule error, or a message built from one
        return mark_safe(BIDI_CONTROLS.sub(REPLACEMENT, str(inner.__html__())))  # noqa: S308
    return format_html("<bdi>{}</bdi>", BIDI_CONTROLS.sub(REPLACEMENT, str(inner)))


def format_timecode(seconds: float | int | None) -> str:
    """``mm:ss`` below an hour, ``h:mm:ss`` from an hour on; seconds are floored."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


@register.filter
def timecode(seconds: float | int | None) -> str:
    return format_timecode(seconds)


@register.filter
def seconds_param(seconds: float | int | None) -> str:
    """A compact seconds value for a URL or data attribute (``12.5``, ``90``)."""
    if seconds is None:
        return "0"
    return f"{max(0.0, float(seconds)):.2f}".rstrip("0").rstrip(".")


@register.simple_tag(takes_context=True)
def current_role(context: template.Context) -> str:
    """The signed-in user's role name, for the page header (display only, not a check)."""
    from accounts.roles import user_role

    request = context.get("request")
    from review_ui.labels import label

    return label("user_role", (user_role(request.user) if request is not None else None) or "")


@register.filter(name="shown_date")
def shown_date_filter(value: object) -> str:
    """A date in the UI's language (``review_ui.l10n``); keep ISO in attributes."""
    from review_ui.l10n import shown_date

    return shown_date(value)


@register.filter(name="air_date")
def air_date_filter(value: object) -> object:
    """The ``catalog.aired.AirDate`` of a broadcast or a hit (for ``_aired.html``)."""
    from catalog.aired import AirDate

    return value if isinstance(value, AirDate) else AirDate.of(value)


@register.filter(name="shown_aired")
def shown_aired_filter(value: object) -> str:
    """An air date as the outlet printed it, in the UI's language (``l10n.shown_aired``)."""
    from review_ui.l10n import shown_aired

    return shown_aired(value)


@register.filter(name="shown_datetime")
def shown_datetime_filter(value: object, arg: str = "") -> str:
    """A datetime in the UI's language; ``|shown_datetime:"s"`` adds the seconds."""
    from review_ui.l10n import shown_datetime

    return shown_datetime(value, seconds=arg == "s")


@register.filter(name="shown")
def shown_filter(value: object, kind: str) -> str:
    """A stored value's label in the UI's language: ``{{ i.status|shown:"incident_status" }}``
    (``review_ui.labels``)."""
    from review_ui.labels import label

    return label(kind, value)


@register.filter(name="local_label")
def local_label_filter(item: object) -> str:
    """The active language's label of a vocabulary entry (``label_ar``/``label_en``: a
    sign of coercion, a tag), the other one when it is empty."""
    from review_ui.labels import vocabulary_label

    return vocabulary_label(getattr(item, "label_ar", ""), getattr(item, "label_en", ""))


@register.filter(name="get_item")
def get_item(mapping: object, key: object) -> object:
    """``mapping[key]``, or None (a dict from the view, looked up by a loop variable)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter(name="history_sentence")
def history_sentence_filter(entry: dict) -> str:
    """An incident history entry as a sentence, the actor isolated (``review_ui.labels``)."""
    from review_ui.labels import history_sentence

    return history_sentence(entry)


@register.filter(name="shown_month")
def shown_month_filter(value: object) -> str:
    """A "YYYY-MM" month in the UI's language (``review_ui.l10n``)."""
    from review_ui.l10n import shown_month

    return shown_month(value)


@register.filter(name="shown_number")
def shown_number_filter(value: object) -> str:
    """A count in the UI's language (grouping; Arabic-Indic digits when configured)."""
    from review_ui.l10n import shown_number

    return shown_number(value)


@register.filter(name="failure")
def failure_filter(text: object) -> str:
    """A recorded failure (``Broadcast.error``, ``Source.last_error``) for a reader: the
    sentence of each reason code (``catalog.failures``) in the page's language, and the
    raw text, left to right, under "Technical detail"; "" when there is none."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    from catalog.failures import reason_codes
    from review_ui.labels import label
    from review_ui.middleware import BIDI_CONTROLS, BIDI_REPLACEMENT

    raw = str(text or "")
    codes = reason_codes(raw)
    if not codes:
        return ""
    sentences = " ".join(label("failure_reason", code) for code in codes)
    return format_html(
        '<span class="failure-reason" data-reasons="{}">{}</span> '
        '<details class="failure-detail"><summary>{}</summary><code dir="ltr">{}</code>'
        "</details>", " ".join(codes), sentences, gettext("Technical detail"),
        BIDI_CONTROLS.sub(BIDI_REPLACEMENT, raw))


@register.filter(name="marked_text")
def marked_text_filter(segment: object, threshold: object = None) -> str:
    """A segment's text as HTML with each word the machine was unsure of (probability
    below ``threshold``, ``review.listening``) in ``<span class="low-confidence">`` with a
    title in the page's language; every word escaped and bidi-neutralised."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    from review.listening import DEFAULT_THRESHOLD, segment_words
    from review_ui.l10n import shown_number

    limit = DEFAULT_THRESHOLD if threshold in (None, "") else float(threshold)  # type: ignore[arg-type]
    words = segment_words(getattr(segment, "words", None), getattr(segment, "text", ""),
                          limit)
    pieces = []
    for word in words:
        text = escape(bidi_safe(word.text))
        if word.unsure and word.p is not None:
            title = gettext("The machine was unsure of this word (%(percent)s%% sure)") % {
                "percent": shown_number(round(word.p * 100))}
            pieces.append(f'<span class="low-confidence" title="{escape(title)}" '
                          f'data-p="{word.p:.2f}">{text}</span>')
        else:
            pieces.append(text)
    return mark_safe(" ".join(pieces))  # noqa: S308  (every word is escaped above)
