"""Finding a stretch of one broadcast inside others, at an offset, from fingerprints.

The method (pure functions over numpy arrays; the database side is ``links``):

1. **Candidates from the inverted index**: every item of the new broadcast is looked up by
   its key (``sub_hashes``: 10 stable bits of the item and of the item 4 later) in the
   postings (``lookup``: keys → (key, broadcast, position)); each hit votes for (other
   broadcast, position difference). Only pairs with enough votes are verified, so the work
   grows with the postings of the query's keys, not with the archive. A key posted more
   than ``max_postings`` times says nothing and is skipped.
2. **Recurring audio is ignored**: a key found in ``jingle_broadcasts`` or more broadcasts of
   the query's own source (counting the query) is a jingle or an ident; query stretches
   dense in such keys, up to ``jingle_max_seconds`` long, take no part in matching.
3. **Verification at the offset**: the bit error rate between aligned items, smoothed over
   a second; stretches under ``ber_max`` of at least ``min_seconds`` are matches, scored
   ``1 - 2 * mean bit error`` (1: identical, 0: unrelated audio).

The query is given in a few phases (its audio shifted by a fraction of an item,
``fingerprint.compute``) so a passage placed at any sub-item offset lines up with the
archive's grid; positions of phase ``p`` are shifted back by ``shift`` items.
To tune: the ``Params`` fields (``benchmarks/reairings_eval.py`` measures them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

Posting = tuple[int, int, int]  # key, broadcast id, position
Lookup = Callable[[list[int]], Iterable[Posting]]


@dataclass(frozen=True)
class Params:
    item_seconds: float = 1365 / 11025
    # An item describes the ~2 s of audio after its start; matched stretches come out this
    # much early (measured on generated programmes, benchmarks/reairings_eval.py).
    lag_seconds: float = 0.6
    min_seconds: float = 10.0
    ber_max: float = 0.33
    smooth_items: int = 9  # about 1.1 s
    max_gap_seconds: float = 2.0
    min_votes: int = 4
    max_postings: int = 2000
    jingle_broadcasts: int = 3
    jingle_density: float = 0.2
    jingle_max_seconds: float = 40.0
    max_candidates: int = 40


@dataclass(frozen=True)
class Phase:
    items: np.ndarray  # uint32
    shift: float = 0.0  # this phase's item i starts at (i + shift) items of the query


@dataclass
class Match:
    other_id: int
    start: float
    end: float
    other_start: float
    other_end: float
    score: float


# The 10 bits of a Chromaprint item that change least under re-encoding, volume, a
# sub-item shift and music under the speech (measured on generated speech: 1-9 % of them
# flip where the other bits flip up to 20 %). A key joins them for item i and item i + 4.
STABLE_BITS = (3, 1, 23, 11, 7, 2, 29, 9, 21, 25)
KEY_GAP = 4


def sub_hashes(items: np.ndarray) -> np.ndarray:
    """The 20-bit key of each item position (``len(items) - KEY_GAP`` of them): a
    re-broadcast copy agrees exactly on a fifth to a third of its keys."""
    items = items.astype(np.uint32)
    packed = np.zeros(len(items), dtype=np.int32)
    for k, bit in enumerate(STABLE_BITS):
        packed |= ((items >> bit) & 1).astype(np.int32) << k
    if len(items) <= KEY_GAP:
        return np.zeros(0, dtype=np.int32)
    return (packed[:-KEY_GAP] << len(STABLE_BITS)) | packed[KEY_GAP:]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of ``mask``."""
    if not mask.any():
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    if len(values) < width:
        return np.full(len(values), values.mean() if len(values) else 1.0)
    kernel = np.ones(width) / width
    return np.convolve(values, kernel, mode="same")


def jingle_mask(keys: np.ndarray, recurring: set[int], params: Params) -> np.ndarray:
    """True where the query is inside a stretch of recurring (own-source) audio."""
    if not recurring:
        return np.zeros(len(keys), dtype=bool)
    hit = np.isin(keys, np.fromiter(recurring, dtype=np.int32, count=len(recurring)))
    dense = _smooth(hit.astype(float), max(3, int(round(2.0 / params.item_seconds)))) \
        >= params.jingle_density
    mask = np.zeros(len(keys), dtype=bool)
    longest = params.jingle_max_seconds / params.item_seconds
    pad = int(round(1.0 / params.item_seconds))
    for a, b in _runs(dense):
        if b - a <= longest:
            mask[max(0, a - pad):b + pad] = True
    return mask


def bit_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per item, the share of the 32 bits that differ."""
    return np.bitwise_count(np.bitwise_xor(a, b)).astype(float) / 32.0


def verify(query: np.ndarray, other: np.ndarray, offset: int, mask: np.ndarray,
           params: Params) -> list[tuple[int, int, float]]:
    """Matched stretches of ``query`` against ``other`` with ``other[i + offset]`` aligned
    to ``query[i]``: (query start, query end, score), items."""
    lo = max(0, -offset)
    hi = min(len(query), len(other) - offset)
    if hi - lo < params.min_seconds / params.item_seconds:
        return []
    errors = bit_errors(query[lo:hi], other[lo + offset:hi + offset])
    good = (_smooth(errors, params.smooth_items) <= params.ber_max) & ~mask[lo:hi]
    runs = _runs(good)
    merged: list[list[int]] = []
    gap = params.max_gap_seconds / params.item_seconds
    for a, b in runs:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    found = []
    shortest = params.min_seconds / params.item_seconds
    for a, b in merged:
        if b - a >= shortest:
            score = max(0.0, min(1.0, 1.0 - 2.0 * float(errors[a:b].mean())))
            found.append((a + lo, b + lo, score))
    return found


def _votes(phase_keys: list[np.ndarray], postings: dict[int, list[tuple[int, int]]],
           masks: list[np.ndarray], shifts: list[int]) -> dict[tuple[int, int], int]:
    votes: dict[tuple[int, int], int] = defaultdict(int)
    for keys, mask, shift in zip(phase_keys, masks, shifts, strict=True):
        for i, key in enumerate(keys.tolist()):
            if mask[i]:
                continue
            for other_id, position in postings.get(key, ()):
                votes[(other_id, position - i - shift)] += 1
    return votes


def find_matches(phases: list[Phase], lookup: Lookup, load: Callable[[int], np.ndarray],
                 same_source: Callable[[int], bool], params: Params = Params(),
                 exclude: frozenset[int] = frozenset()) -> list[Match]:
    """Stretches of the query (``phases[0]`` is its stored grid) found in other broadcasts.

    ``lookup`` answers postings for keys, ``load`` gives a broadcast's stored items,
    ``same_source(id)`` says whether a broadcast is from the query's own source; broadcasts
    in ``exclude`` (the query itself) are ignored."""
    phase_keys = [sub_hashes(p.items) for p in phases]
    wanted = sorted(set().union(*(set(k.tolist()) for k in phase_keys)) - {0})
    postings: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for key, other_id, position in lookup(wanted):
        if other_id not in exclude:
            postings[key].append((other_id, position))
    recurring: set[int] = set()
    for key in list(postings):
        entries = postings[key]
        if len(entries) > params.max_postings:
            del postings[key]
            recurring.add(key)
            continue
        own = {b for b, _ in entries if same_source(b)}
        if len(own) + 1 >= params.jingle_broadcasts:
            recurring.add(key)
    masks = [np.concatenate((jingle_mask(k, recurring, params),
                             np.zeros(len(p.items) - len(k), dtype=bool)))
             for k, p in zip(phase_keys, phases, strict=True)]
    # Integer item shifts only steer the votes; verification uses each phase's own items.
    shifts = [int(round(p.shift)) for p in phases]
    votes = _votes(phase_keys, postings, masks, shifts)
    # Neighbouring offsets (a sub-item shift between the copies) pool their votes.
    pooled: dict[tuple[int, int], int] = {
        (b, d): n + votes.get((b, d - 1), 0) + votes.get((b, d + 1), 0)
        for (b, d), n in votes.items()}
    candidates = sorted((n, b, d) for (b, d), n in pooled.items() if n >= params.min_votes)
    candidates.reverse()
    matches: list[Match] = []
    seen: set[tuple[int, int]] = set()
    cache: dict[int, np.ndarray] = {}
    for _, other_id, offset in candidates[:params.max_candidates * 3]:
        if (other_id, offset) in seen or len(seen) >= params.max_candidates:
            continue
        seen.update({(other_id, offset + k) for k in range(-2, 3)})
        other = cache.get(other_id)
        if other is None:
            other = cache[other_id] = load(other_id)
        best: list[tuple[float, float, float, float, float]] = []
        for phase, mask in zip(phases, masks, strict=True):
            base = offset + int(round(phase.shift))
            for d in (base - 1, base, base + 1):
                for a, b, score in verify(phase.items, other, d, mask, params):
                    best.append((score, a + phase.shift, b + phase.shift, a + d, b + d))
        for score, a, b, oa, ob in sorted(best, reverse=True):
            item, lag = params.item_seconds, params.lag_seconds
            match = Match(other_id, round(max(0.0, a * item + lag), 2), round(b * item + lag, 2),
                          round(max(0.0, oa * item + lag), 2), round(ob * item + lag, 2),
                          round(score, 3))
            if not any(m.other_id == other_id and _overlap(m, match) for m in matches):
                matches.append(match)
    return sorted(matches, key=lambda m: (m.start, m.other_id))


def _overlap(a: Match, b: Match) -> bool:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0.5 * min(a.end - a.start, b.end - b.start)
