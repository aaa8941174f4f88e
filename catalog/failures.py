"""Why a crawl or a pipeline stage failed, as a stable reason code.

The pipeline and the crawler record what went wrong as text (``Broadcast.error``,
``Source.last_error``, ``WatchlistBacklog.error``): the technical detail an operator needs,
in English, as the libraries word it. A reader of the UI needs the reason in the page's
language, so ``reason_code(text)`` derives a stable code from that text (the first rule of
``RULES`` whose pattern matches; ``"other"`` when none does) and the UI shows the code's
sentence (``review_ui.labels``, kind ``failure_reason``) with the raw text beside it, left
to right, as detail. ``reason_codes(text)`` gives the distinct codes of a text that joins
several failures with "; " (a source's page errors). The stored text never changes.

To add a reason: a ``(code, pattern)`` rule below, before any broader rule that would
match the same text, a sentence for the code in ``review_ui/labels.py`` and both catalogs,
and a case in tests/catalog/test_failures.py with the text the producer really writes.
"""

from __future__ import annotations

import re

RULES: list[tuple[str, re.Pattern[str]]] = [(code, re.compile(pattern, re.IGNORECASE)) for
                                             code, pattern in (
    ("disk_full", r"disk full|no space left"),
    ("incomplete_scan", r"scan incomplete"),
    ("deadline", r"deadline of .* reached"),
    ("recorded_not_crawled", r"it is recorded, not crawled"),
    ("recorder_running", r"recorder for this source is already running"),
    ("capture_running", r"another capture of this broadcast is running"),
    ("not_public", r"not a public address|egress"),
    ("robots", r"robots\.txt"),
    ("rate_limited", r"\b429\b|too many requests|retry-after|\b503\b"),
    ("not_found", r"\b(404|410)\b|not found|no such (file|page)"),
    ("forbidden", r"\b(401|403)\b|forbidden|unauthori[sz]ed|sign in to confirm"),
    ("server_error", r"HTTP( error)? 5\d\d|internal server error|bad gateway"),
    ("tls", r"\bssl\b|certificate|\btls\b"),
    ("dns", r"name or service not known|getaddrinfo|nodename nor servname|"
            r"name resolution|\bdns\b"),
    ("timeout", r"timed? ?out|timeout"),
    ("unreachable", r"unreachable|connection (refused|reset|aborted)|failed to establish|"
                    r"connectionerror|network is"),
    ("no_listing", r"no listing page could be fetched|cannot list"),
    ("no_stream", r"found no stream|not HLS|no stream"),
    ("too_large", r"too large|max_filesize"),
    ("too_long", r"too long|max_duration|longer than"),
    ("no_media", r"no media found|produced no file|empty file|no captured media|"
                 r"no video formats|wrote no info\.json"),
    ("several_items", r"lists several videos"),
    ("cookies", r"cookies"),
    ("transcription", r"transcri|whisper|decod|audio|ffmpeg"),
    ("index", r"index|elasticsearch|tantivy"),
    ("crawler_crashed", r"crawler process failed"),
    ("internal", r"internal error"),
)]
OTHER = "other"
CODES = tuple(dict.fromkeys([code for code, _ in RULES] + [OTHER]))


def reason_code(text: str | None) -> str:
    """The reason code of one failure text; "" for no failure, ``OTHER`` when no rule
    matches."""
    text = (text or "").strip()
    if not text:
        return ""
    for code, pattern in RULES:
        if pattern.search(text):
            return code
    return OTHER


def reason_codes(text: str | None) -> list[str]:
    """The distinct reason codes of a text joining failures with "; ", in order."""
    parts = [part for part in (text or "").split("; ") if part.strip()]
    return list(dict.fromkeys(reason_code(part) for part in parts))


__all__ = ["CODES", "OTHER", "RULES", "reason_code", "reason_codes"]
