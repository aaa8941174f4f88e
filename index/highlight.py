"""What a query matched inside a segment: highlights and cross-segment phrase text.

Both backends call these functions, so highlights are identical on SQLite and
Elasticsearch. Offsets come from ``index.arabic.analyze`` tokens of the ORIGINAL text, so a
diacritised or variant spelling is highlighted exactly where it stands; the text is cut into
``Span``s (never marked up by string replacement; the UI escapes each span).

Cross-segment phrases: each segment is also indexed with a "bridge" (its last
``BRIDGE_TOKENS`` words + the next segment's first ``BRIDGE_TOKENS`` words) and the "next
head" (those first words of the next segment alone). A phrase matches a segment through its
bridge when it is in the bridge but not in the next head, i.e. when it crosses the
boundary; the hit is the first segment (the indexing path cuts them in ``index.bridge``).
To let longer phrases cross, raise ``index.bridge.BRIDGE_TOKENS`` and run ``raqib reindex``.
"""

from __future__ import annotations

from index.arabic import Token, analyze
from index.base import Span
from index.bridge import BRIDGE_TOKENS, bridge_strings  # noqa: F401 (re-exported)
from index.query import Fuzzy, Leaf, Phrase, Prefix, Query, Term, fuzzy_matches


def head(text: str, n: int = BRIDGE_TOKENS) -> str:
    """The original text up to the end of its n-th analysed word (all of it if shorter)."""
    tokens = analyze(text)
    return text if len(tokens) <= n else text[:tokens[n - 1].end]


def tail(text: str, n: int = BRIDGE_TOKENS) -> str:
    """The original text from the start of its n-th analysed word from the end."""
    tokens = analyze(text)
    return text if len(tokens) <= n else text[tokens[-n].start:]


def bridge_texts(text: str, next_text: str | None) -> tuple[str, str] | None:
    """(bridge, next_head) for a segment followed by ``next_text``; None for the last one
    or when either side has no searchable word."""
    if not next_text or not analyze(text) or not analyze(next_text):
        return None
    next_head = head(next_text)
    return tail(text) + " " + next_head, next_head


def bridge_terms(tokens: list[Token], positions: int, next_tokens: list[Token],
                 n: int = BRIDGE_TOKENS) -> tuple[list[tuple[int, str]],
                                                  list[tuple[int, str]]] | None:
    """The (position, term) pairs of ``analyze(bridge)`` and ``analyze(next_head)`` for the
    ``bridge_texts`` of a segment, computed from the two segments' own tokens
    (``index.arabic.analysis``: tokens and position count) instead of analysing again.
    None when either side has no searchable word."""
    if not tokens or not next_tokens:
        return None
    tail = tokens[-n:]
    base = tail[0].position
    span = positions - base  # positions the tail takes, trailing stop words included
    nhead = [(t.position, t.text) for t in next_tokens[:n]]
    return [(t.position - base, t.text) for t in tail] + [(p + span, x) for p, x in nhead], nhead


def _phrase_at(by_position: dict[int, Token], start: int, phrase: Phrase) -> list[Token] | None:
    matched = []
    for offset, term in enumerate(phrase.terms):
        token = by_position.get(start + offset)
        if term is None:
            continue  # a stop word's gap
        if token is None or token.text != term:
            return None
        matched.append(token)
    return matched


def _leaf_tokens(tokens: list[Token], by_position: dict[int, Token], leaf: Leaf) -> set[Token]:
    if isinstance(leaf, Term):
        return {t for t in tokens if t.text == leaf.term}
    if isinstance(leaf, Prefix):
        return {t for t in tokens if t.text.startswith(leaf.prefix)}
    if isinstance(leaf, Fuzzy):
        return {t for t in tokens if fuzzy_matches(leaf, t.text)}
    found: set[Token] = set()
    for token in tokens:
        found.update(_phrase_at(by_position, token.position, leaf) or ())
    return found


def matched_ranges(text: str, query: Query, next_head: str | None = None) -> list[tuple[int, int]]:
    """Sorted (start, end) offsets in ``text`` of the words the query's positive parts
    match; phrases may continue into ``next_head`` (only the part in ``text`` counts)."""
    joined = text + (" " + next_head if next_head else "")
    tokens = analyze(joined)
    by_position = {t.position: t for t in tokens}
    hits: set[Token] = set()
    for leaf in query.leaves():
        hits |= _leaf_tokens(tokens, by_position, leaf)
    return sorted((t.start, t.end) for t in hits if t.end <= len(text))


def highlight(text: str, query: Query, next_head: str | None = None) -> list[Span]:
    """``text`` cut into spans, matched words with match=True (adjacent pieces merged)."""
    spans: list[Span] = []
    cursor = 0
    for start, end in matched_ranges(text, query, next_head):
        if start < cursor:
            continue
        if start > cursor:
            spans.append(Span(text[cursor:start]))
        spans.append(Span(text[start:end], True))
        cursor = end
    if cursor < len(text):
        spans.append(Span(text[cursor:]))
    return spans
