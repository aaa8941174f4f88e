"""The cross-boundary bridge of the indexing path, from analysed terms joined by spaces.

A segment is indexed with a "bridge" (its last ``BRIDGE_TOKENS`` words followed by the next
segment's first ``BRIDGE_TOKENS``) and the "next head" (those first words alone), so that a
phrase spoken across the boundary is found (``index.highlight`` explains the rule and holds
the reference, ``bridge_terms``). Here the same strings are cut out of the two segments'
``index_terms`` joined by spaces, as the search index receives them (``GAP`` at a stop
word's empty position), by one regular expression each (the n-th word from the start of
the next segment, and from the end of this one, read backwards) instead of a Python loop
over the terms.

This module imports no Django (the analysis workers of ``index.analysis_pool`` import it).
To let longer phrases cross, raise ``BRIDGE_TOKENS`` and run ``raqib reindex``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.arabic import GAP

BRIDGE_TOKENS = 8


@lru_cache(maxsize=8)
def _first_words(n: int) -> re.Pattern[str]:
    """From the start of a joined string: any empty positions, then up to ``n`` words (a
    word: a term other than ``GAP``; terms hold neither spaces nor ``GAP``), with the empty
    positions between them; it ends at the end of the last of those words."""
    gaps = f"(?:{re.escape(GAP)} )*"
    word = f"[^{re.escape(GAP)} ][^ ]*"
    # possessive: what the repetition took is never given back (nothing after it to fit)
    return re.compile(f"{gaps}{word}(?: {gaps}{word}){{0,{n - 1}}}+")


def bridge_joined(
    terms: str,
    next_terms: str,
    n: int = BRIDGE_TOKENS,
) -> tuple[str, str] | None:
    """(bridge, next head) of a segment whose ``index_terms`` joined by spaces are
    ``terms``, followed by a segment whose joined terms are ``next_terms``: this one's
    terms from its n-th word from the end (the empty positions after it kept), a space,
    and the next one's terms up to its n-th word (the empty positions before it kept).
    None when either side has no word."""
    match = _first_words(n).match
    found = match(next_terms)
    if found is None:
        return None
    back = match(terms[::-1])  # the terms read backwards: the last words first
    if back is None:
        return None
    head = next_terms[: found.end()]
    return terms[len(terms) - back.end() :] + " " + head, head


def bridge_strings(
    terms: list[str],
    next_terms: list[str],
    n: int = BRIDGE_TOKENS,
) -> tuple[str, str] | None:
    """``bridge_joined`` of two segments' ``index_terms`` lists (a term or ``GAP`` at each
    position): the bridge and the next head as the search index receives them."""
    return bridge_joined(" ".join(terms), " ".join(next_terms), n)
