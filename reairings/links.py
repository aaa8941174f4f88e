"""Re-airing links: matching a broadcast against the archive, storing what is found, and
the reviewer's decision.

``match_broadcast`` looks up the broadcast's fingerprint keys in the posting table
(``FingerprintPosting``), verifies the candidates (``matching.find_matches``) and stores
each match once per pair of broadcasts (``Reairing.broadcast`` is the lower id). A score at
or above ``reairings.link_score`` is ``linked`` at once; from ``reairings.suggest_score`` it
is ``suggested`` until a reviewer accepts or rejects it (``review_link``, audited). A re-run
updates suggestions in place and never touches a reviewed link. What a source's own
broadcasts share is held until the source has enough broadcasts to tell an ident from a
re-airing (``match_broadcast``), so jingle learning does not depend on arrival order.
``airings_of`` gives every accepted or linked airing of a clip's range, for the incident
page and ``raqib reairings list``. To add a field to the JSON: ``link_json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog import audit, fencing
from catalog.aired import AirDate
from catalog.models import Broadcast
from catalog.prepared import Prepared
from reairings import chromaprint as fp
from reairings.matching import Match, Params, Phase, find_matches, jingle_mask, sub_hashes
from reairings.models import Fingerprint, FingerprintPosting, Reairing
from review.incidents import require_role

QUERY_PHASES = 4  # the query's audio at 0, 1/4, 1/2 and 3/4 of an item
LOOKUP_CHUNK = 900  # keys per SQL query (SQLite allows 999 parameters in old builds)
SHOWN = (Reairing.Status.LINKED, Reairing.Status.ACCEPTED)


class ReairingError(ValueError):
    """Bad input for a re-airing action; the message says what to change."""


def params_from_config(config: Any) -> Params:
    return Params(min_seconds=float(config.get("reairings.min_seconds")),
                  jingle_broadcasts=int(config.get("reairings.jingle_broadcasts")))


def db_lookup(keys: list[int]) -> Iterable[tuple[int, int, int]]:
    for i in range(0, len(keys), LOOKUP_CHUNK):
        yield from FingerprintPosting.objects.filter(key__in=keys[i:i + LOOKUP_CHUNK]) \
            .values_list("key", "broadcast_id", "position").iterator(chunk_size=5000)


def load_items(broadcast_id: int) -> np.ndarray:
    row = Fingerprint.objects.filter(broadcast_id=broadcast_id).values_list("data", flat=True)
    data = row.first()
    return fp.from_bytes(data) if data is not None else np.zeros(0, dtype=np.uint32)


def query_phases(broadcast: Broadcast, data_dir: Path) -> list[Phase]:
    """The stored grid and ``QUERY_PHASES - 1`` shifted ones (computed from the media)."""
    phases = [Phase(load_items(broadcast.pk), 0.0)]
    if broadcast.media is None or not (data_dir / broadcast.media.path).is_file():
        return phases
    for n in range(1, QUERY_PHASES):
        skip = round(fp.HOP_SAMPLES * n / QUERY_PHASES)
        items, _ = fp.compute(data_dir / broadcast.media.path, skip_samples=skip)
        phases.append(Phase(items, skip / fp.HOP_SAMPLES))
    return phases


def _status(score: float, config: Any) -> str | None:
    if score >= float(config.get("reairings.link_score")):
        return Reairing.Status.LINKED
    if score >= float(config.get("reairings.suggest_score")):
        return Reairing.Status.SUGGESTED
    return None


def _oriented(broadcast_id: int, m: Match) -> dict[str, Any]:
    """The match as stored: ``broadcast`` is the lower id of the pair."""
    if broadcast_id < m.other_id:
        return {"broadcast_id": broadcast_id, "start": m.start, "end": m.end,
                "other_id": m.other_id, "other_start": m.other_start,
                "other_end": m.other_end}
    return {"broadcast_id": m.other_id, "start": m.other_start, "end": m.other_end,
            "other_id": broadcast_id, "other_start": m.start, "other_end": m.end}


def _same_range(link: Reairing, row: dict[str, Any]) -> bool:
    inter = min(link.end, row["end"]) - max(link.start, row["start"])
    return inter > 0.5 * min(link.end - link.start, row["end"] - row["start"])


def save_matches(broadcast: Broadcast, matches: list[Match], config: Any) -> list[Reairing]:
    """Store ``matches`` of ``broadcast``; a re-run updates, never duplicates."""
    saved = []
    with transaction.atomic():
        fencing.check()  # a worker whose claim was taken over writes nothing
        for m in matches:
            status = _status(m.score, config)
            if status is None:
                continue
            row = _oriented(broadcast.pk, m)
            existing = [link for link in Reairing.objects.select_for_update().filter(
                broadcast_id=row["broadcast_id"], other_id=row["other_id"])
                if _same_range(link, row)]
            if existing:
                link = existing[0]
                if link.status in (Reairing.Status.ACCEPTED, Reairing.Status.REJECTED):
                    continue  # a reviewer's decision stands
                for key in ("start", "end", "other_start", "other_end"):
                    setattr(link, key, row[key])
                link.score, link.status = m.score, status
                link.save()
            else:
                link = Reairing.objects.create(score=m.score, status=status, **row)
            saved.append(link)
    return saved


def _own_source_fingerprinted(broadcast: Broadcast) -> list[int]:
    return list(Fingerprint.objects.filter(broadcast__source_id=broadcast.source_id)
                .values_list("broadcast_id", flat=True).order_by("broadcast_id"))


def match_broadcast(broadcast: Broadcast, config: Any, *, cascade: bool = True
                    ) -> list[Reairing]:
    """Match a fingerprinted broadcast against the archive and store the links.

    Jingle learning does not depend on the order broadcasts come in: while the broadcast's
    source has fewer than ``reairings.jingle_broadcasts`` fingerprinted broadcasts, what it
    shares with its own source's broadcasts cannot be told from an ident and is held (not
    stored); when the source reaches that many, its earlier broadcasts are matched again
    (``cascade``), and unreviewed links between two of its broadcasts that now lie in
    recurring audio are removed (``prune_recurring``)."""
    phases = query_phases(broadcast, config.data_dir)
    if not len(phases[0].items):
        return []
    sources: dict[int, int] = {}

    def same_source(other_id: int) -> bool:
        if other_id not in sources:
            sources[other_id] = Broadcast.objects.filter(pk=other_id) \
                .values_list("source_id", flat=True).first() or 0
        return sources[other_id] == broadcast.source_id

    params = params_from_config(config)
    matches = find_matches(phases, db_lookup, load_items, same_source, params,
                           exclude=frozenset({broadcast.pk}))
    own = _own_source_fingerprinted(broadcast)
    if len(own) < params.jingle_broadcasts:
        matches = [m for m in matches if not same_source(m.other_id)]
    links = save_matches(broadcast, matches, config)
    Fingerprint.objects.filter(broadcast=broadcast).update(matched_at=timezone.now())
    if cascade and len(own) == params.jingle_broadcasts:
        for other_id in own:
            if other_id != broadcast.pk:
                other = Broadcast.objects.select_related("media").get(pk=other_id)
                match_broadcast(other, config, cascade=False)
    if cascade and len(own) >= params.jingle_broadcasts:
        prune_recurring(broadcast.source_id, params)
    return [link for link in links if Reairing.objects.filter(pk=link.pk).exists()]


def _recurring_share(broadcast_id: int, start: float, end: float, source_id: int,
                     params: Params) -> float:
    """The share of ``broadcast_id``'s [start, end) that lies in audio recurring in
    ``params.jingle_broadcasts`` or more of ``source_id``'s broadcasts."""
    items = load_items(broadcast_id)
    keys = sub_hashes(items)
    lo = max(0, int((start - params.lag_seconds) / params.item_seconds))
    hi = min(len(keys), int((end - params.lag_seconds) / params.item_seconds) + 1)
    if hi <= lo:
        return 0.0
    wanted = sorted({int(k) for k in keys[lo:hi].tolist() if k})
    counts: dict[int, set[int]] = {}
    for i in range(0, len(wanted), LOOKUP_CHUNK):
        for key, bid in FingerprintPosting.objects.filter(
                key__in=wanted[i:i + LOOKUP_CHUNK], broadcast__source_id=source_id) \
                .values_list("key", "broadcast_id").distinct():
            counts.setdefault(key, set()).add(bid)
    recurring = {k for k, bids in counts.items() if len(bids) >= params.jingle_broadcasts}
    return float(jingle_mask(keys, recurring, params)[lo:hi].mean())


def prune_recurring(source_id: int, params: Params) -> int:
    """Remove unreviewed links between two broadcasts of ``source_id`` whose stretch is
    mostly recurring (own-source) audio; returns how many. A reviewer's decision stands."""
    links = Reairing.objects.filter(
        broadcast__source_id=source_id, other__source_id=source_id,
        status__in=[Reairing.Status.SUGGESTED, Reairing.Status.LINKED])
    gone = [link.pk for link in links
            if _recurring_share(link.broadcast_id, link.start, link.end, source_id,
                                params) > 0.5]
    if gone:
        with transaction.atomic():
            fencing.check()  # a worker whose claim was taken over writes nothing
            Reairing.objects.filter(pk__in=gone).delete()
    return len(gone)


def links_of(broadcast_id: int | None = None) -> QuerySet[Reairing]:
    links = Reairing.objects.select_related("broadcast__outlet", "other__outlet")
    if broadcast_id is not None:
        links = links.filter(Q(broadcast_id=broadcast_id) | Q(other_id=broadcast_id))
    return links.order_by("broadcast_id", "start", "other_id")


def link_json(link: Reairing, from_broadcast: int | None = None) -> dict[str, Any]:
    """A link as ``raqib reairings list`` prints it, seen from ``from_broadcast``."""
    flip = from_broadcast is not None and link.other_id == from_broadcast
    a, b = (link.other, link.broadcast) if flip else (link.broadcast, link.other)
    ra = (link.other_start, link.other_end) if flip else (link.start, link.end)
    rb = (link.start, link.end) if flip else (link.other_start, link.other_end)
    return {"id": link.pk, "broadcast_id": a.pk, "start": ra[0], "end": ra[1],
            "other_broadcast_id": b.pk, "other_start": rb[0], "other_end": rb[1],
            "score": link.score, "status": link.status,
            "outlet": a.outlet.name, "other_outlet": b.outlet.name,
            "aired_at": AirDate.of(a).iso(), "other_aired_at": AirDate.of(b).iso(),
            "reviewed_by": link.reviewed_by.get_username() if link.reviewed_by else None}


def review_link(link_id: int, user: Any, decision: str) -> Reairing:
    """A reviewer accepts or rejects a link (audited); ``ReairingError`` on bad input."""
    if decision not in ("accept", "reject"):
        raise ReairingError("the decision is 'accept' or 'reject'")
    require_role(user, "reviewer", f"{decision} a re-airing link")
    with transaction.atomic():
        link = Reairing.objects.select_for_update().filter(pk=link_id).first()
        if link is None:
            raise ReairingError(f"no re-airing link with id {link_id}")
        before = link.status
        link.status = (Reairing.Status.ACCEPTED if decision == "accept"
                       else Reairing.Status.REJECTED)
        link.reviewed_by = user if getattr(user, "pk", None) else None
        link.reviewed_at = timezone.now()
        link.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        audit.record(f"reairing-{decision}ed", user, details={
            "reairing": link.pk, "from": before, "broadcast": link.broadcast_id,
            "other": link.other_id, "score": link.score})
    return link


# ``links_of(broadcast_id).filter(status__in=list(statuses))`` by statuses (``catalog.prepared``)
_LINKS_OF: dict[tuple[str, ...], Prepared] = {}


def airings_of(broadcast_id: int, start: float, end: float,
               statuses: Iterable[str] = SHOWN) -> list[dict[str, Any]]:
    """Every other airing of ``broadcast_id``'s [start, end) in links with ``statuses``
    (any overlap): the other broadcast and the range there that corresponds (clipped to
    the overlap)."""
    found = []
    statuses = tuple(statuses)
    read = _LINKS_OF.get(statuses)
    if read is None:  # compiled once per set of statuses
        read = _LINKS_OF[statuses] = Prepared(
            lambda b: links_of(b).filter(status__in=list(statuses)), "int")
    for link in read(broadcast_id):
        row = link_json(link, broadcast_id)
        lo, hi = max(start, row["start"]), min(end, row["end"])
        if hi <= lo:
            continue
        shift = row["other_start"] - row["start"]
        found.append({**row, "clip_start": lo, "clip_end": hi,
                      "airing_start": round(lo + shift, 2), "airing_end": round(hi + shift, 2),
                      "link": link})
    return found
