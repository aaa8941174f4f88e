"""Finding a stretch of one broadcast inside others, at an offset, from fingerprints.

The method (pure functions over numpy arrays; the database side is ``links``):

1. **Candidates from the inverted index**: every item of the new broadcast is looked up by
   its key (``sub_hashes``: 9 stable bits of the item and of the items 3 and 6 later) in the
   postings (``lookup``: keys → (key, broadcast, position)); each hit votes for (other
   broadcast, position difference). Only pairs with enough votes are verified, so the work
   grows with the postings of the query's keys, not with the archive. A key posted more
   than ``max_postings`` times says nothing and is skipped.
2. **Recurring audio is ignored**: a key found in ``jingle_broadcasts`` or more broadcasts of
   the query's own source (counting the query) is a jingle or an ident; query stretches
   dense in such keys, up to ``jingle_max_seconds`` long, take no part in matching.
3. **Verification at the offset**: the bit error rate between aligned items, smoothed over
   a second; stretches under ``ber_max`` of at least ``min_seconds`` (and varied enough:
   ``min_distinct``, not a held tone) are matches, scored by the share of their items
   within ``frame_ber`` bit errors (1: every item agrees; coverage-aware: a copy cut to
   half its length is scored over the stretch it shares, not the whole programme).

The query is given in a few phases (its audio shifted by a fraction of an item,
``fingerprint.compute``) so a passage placed at any sub-item offset lines up with the
archive's grid; positions of phase ``p`` are shifted back by ``shift`` items.
To tune: the ``Params`` fields (``benchmarks/reairings_eval.py`` measures them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

Posting = tuple[int, int, int]  # key, broadcast id, position
Lookup = Callable[[list[int]], Iterable[Posting]]


@dataclass(frozen=True)
class Params:
    item_seconds: float = 1365 / 11025
    # An item describes the ~2 s of audio after its start; matched stretches (after the
    # edge trim) start this much early and end end_lag_seconds early (signed bias measured
    # on the seed-16 archive of benchmarks/reairings_eval.py: -0.25 s and -0.7 s with 0.6).
    lag_seconds: float = 0.85
    end_lag_seconds: float = 1.3
    min_seconds: float = 10.0
    ber_max: float = 0.33
    # The score: the share of the matched stretch's items within this bit error rate (a
    # re-airing under music keeps 60-80 % of its items within it, unrelated speech that
    # passed the smoothed ``ber_max`` at most 40 %; benchmarks/reairings_eval.py).
    frame_ber: float = 0.2
    # Edges: a stretch starts and ends where the next half second agrees within edge_ber.
    edge_ber: float = 0.25
    edge_items: int = 4
    smooth_items: int = 9  # about 1.1 s
    max_gap_seconds: float = 2.0
    min_votes: int = 4
    max_postings: int = 2000
    jingle_broadcasts: int = 3
    jingle_density: float = 0.2
    jingle_max_seconds: float = 40.0
    max_candidates: int = 40
    # Share of distinct items a matched stretch must have: a held tone or a hum gives the
    # same item again and again, and two different tones can look alike.
    min_distinct: float = 0.5


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


# The 9 bits of a Chromaprint item that change least under re-encoding, volume, a
# sub-item shift and music under the speech, among the bits set in 30-70 % of items (bits
# 26, 27 and 31 flip rarely because they are rarely set): measured over every transform of
# benchmarks/reairings_eval.py's seed-16 archive, 3-9 % of them flip where others flip up to
# 15 %. A key joins them for items i, i + 3 and i + 6: 27 bits, so postings per key stay
# few as the archive grows (2^27 keys), and a re-aired copy still agrees on 10-40 % of them.
STABLE_BITS = (21, 23, 20, 7, 11, 1, 22, 13, 19)
KEY_GAPS = (0, 3, 6)
KEY_GAP = KEY_GAPS[-1]  # the keys of n items: n - KEY_GAP of them
KEY_SCHEME = "27-bit: bits 21,23,20,7,11,1,22,13,19 of items i, i+3, i+6"


def sub_hashes(items: np.ndarray) -> np.ndarray:
    """The 27-bit key of each item position (``len(items) - KEY_GAP`` of them)."""
    items = items.astype(np.uint32)
    if len(items) <= KEY_GAP:
        return np.zeros(0, dtype=np.int32)
    packed = np.zeros(len(items), dtype=np.int32)
    for k, bit in enumerate(STABLE_BITS):
        packed |= ((items >> bit) & 1).astype(np.int32) << k
    n = len(items) - KEY_GAP
    keys = np.zeros(n, dtype=np.int32)
    for j, gap in enumerate(KEY_GAPS):
        keys |= packed[gap:gap + n] << (len(STABLE_BITS) * j)
    return keys


def stationary(keys: np.ndarray, window: int = 8) -> np.ndarray:
    """True where a key recurs within ``window`` positions: held tones, hum and silence
    give the same key again and again, and such keys vote for every nearby offset of any
    other held sound; they are neither posted nor looked up."""
    mask = np.zeros(len(keys), dtype=bool)
    for lag in range(1, min(window, len(keys)) + 1):
        same = keys[lag:] == keys[:-lag]
        mask[lag:] |= same
        mask[:-lag] |= same
    return mask


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
    merged = [_trim(errors, a, b, params) for a, b in merged]
    for a, b in merged:
        if b - a >= shortest and len(np.unique(query[a + lo:b + lo])) \
                >= params.min_distinct * (b - a):
            score = float((errors[a:b] <= params.frame_ber).mean())
            found.append((a + lo, b + lo, score))
    return found


def _trim(errors: np.ndarray, a: int, b: int, params: Params) -> list[int]:
    """Narrow a stretch [a, b) at each edge past items whose next half second disagrees
    more than ``edge_ber``: smoothing lets a stretch start up to two seconds early where
    an item's audio (~2 s) is partly the shared passage and partly what precedes it."""
    width = params.edge_items
    while b - a > width and errors[a:a + width].mean() > params.edge_ber:
        a += 1
    while b - a > width and errors[b - width:b].mean() > params.edge_ber:
        b -= 1
    return [a, b]


Postings = tuple[np.ndarray, np.ndarray, np.ndarray]  # keys, broadcast ids, positions


def as_postings(rows: Iterable[Posting] | Postings) -> Postings:
    """Postings as three int64 arrays, whatever ``lookup`` returned."""
    if isinstance(rows, tuple) and len(rows) == 3 and isinstance(rows[0], np.ndarray):
        return tuple(np.asarray(a, dtype=np.int64) for a in rows)  # type: ignore[return-value]
    table = np.array(list(rows), dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def _expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ranges ``starts[k] .. starts[k] + counts[k]`` (vectorised)."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - first + np.repeat(starts, counts)


def _pack(bids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return (bids << 32) + (offsets + (1 << 31))


def find_matches(phases: list[Phase], lookup: Lookup, load: Callable[[int], np.ndarray],
                 same_source: Callable[[int], bool], params: Params = Params(),
                 exclude: frozenset[int] = frozenset()) -> list[Match]:
    """Stretches of the query (``phases[0]`` is its stored grid) found in other broadcasts.

    ``lookup`` answers postings for keys (tuples, or three arrays), ``load`` gives a
    broadcast's stored items, ``same_source(id)`` says whether a broadcast is from the
    query's own source; broadcasts in ``exclude`` (the query itself) are ignored."""
    phase_keys = [sub_hashes(p.items).astype(np.int64) for p in phases]
    wanted = np.unique(np.concatenate(phase_keys)) if phase_keys else np.zeros(0, np.int64)
    wanted = wanted[wanted != 0]
    pk, pb, pp = as_postings(lookup([int(k) for k in wanted]))
    if exclude and len(pb):
        keep = ~np.isin(pb, np.fromiter(exclude, dtype=np.int64))
        pk, pb, pp = pk[keep], pb[keep], pp[keep]
    order = np.argsort(pk, kind="stable")
    pk, pb, pp = pk[order], pb[order], pp[order]
    keys, starts, counts = np.unique(pk, return_index=True, return_counts=True)
    if not len(keys):
        return []
    # Recurring keys: posted too often anywhere, or in enough of the query's own source's
    # broadcasts (counting the query).
    stopped = counts > params.max_postings
    bids = np.unique(pb)
    own_bids = bids[np.fromiter((same_source(int(b)) for b in bids), dtype=bool,
                                count=len(bids))]
    own = np.isin(pb, own_bids)
    own_pairs = np.unique(np.stack((pk[own], pb[own]), axis=1), axis=0) if own.any() \
        else np.zeros((0, 2), dtype=np.int64)
    own_keys, own_counts = np.unique(own_pairs[:, 0], return_counts=True)
    recurring = set(keys[stopped].tolist()) | set(
        own_keys[own_counts + 1 >= params.jingle_broadcasts].tolist())
    masks = [np.concatenate((jingle_mask(k.astype(np.int32), recurring, params),
                             np.zeros(len(p.items) - len(k), dtype=bool)))
             for k, p in zip(phase_keys, phases, strict=True)]
    codes = []
    for k, mask, phase in zip(phase_keys, masks, phases, strict=True):
        idx = np.searchsorted(keys, k)
        idx[idx >= len(keys)] = 0
        hit = (keys[idx] == k) & ~mask[:len(k)] & (k != 0) & ~stopped[idx] & ~stationary(k)
        qi = np.flatnonzero(hit)
        post = _expand(starts[idx[qi]], counts[idx[qi]])
        q_of = np.repeat(qi, counts[idx[qi]])
        # Integer item shifts only steer the votes; verification uses each phase's items.
        codes.append(_pack(pb[post], pp[post] - q_of - int(round(phase.shift))))
    all_codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    uniq, votes = np.unique(all_codes, return_counts=True)
    if not len(uniq):
        return []
    # Neighbouring offsets (a sub-item shift between the copies) pool their votes.
    pooled = votes.copy()
    for step in (-1, 1):
        at = np.searchsorted(uniq, uniq + step)
        at[at >= len(uniq)] = 0
        pooled += np.where(uniq[at] == uniq + step, votes[at], 0)
    top = np.flatnonzero(pooled >= params.min_votes)
    top = top[np.argsort(-pooled[top], kind="stable")][:params.max_candidates * 5]
    candidates = [(int(pooled[t]), int(uniq[t] >> 32), int((uniq[t] & 0xFFFFFFFF) - (1 << 31)))
                  for t in top]
    matches: list[Match] = []
    seen: set[tuple[int, int]] = set()
    cache: dict[int, np.ndarray] = {}
    verified = 0
    for _, other_id, offset in candidates:
        if (other_id, offset) in seen or verified >= params.max_candidates:
            continue
        verified += 1
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
            item, lag, end_lag = params.item_seconds, params.lag_seconds, params.end_lag_seconds
            match = Match(other_id, round(max(0.0, a * item + lag), 2),
                          round(b * item + end_lag, 2),
                          round(max(0.0, oa * item + lag), 2), round(ob * item + end_lag, 2),
                          round(score, 3))
            if not any(m.other_id == other_id and _overlap(m, match) for m in matches):
                matches.append(match)
    return sorted(matches, key=lambda m: (m.start, m.other_id))


def _overlap(a: Match, b: Match) -> bool:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0.5 * min(a.end - a.start, b.end - b.start)
