"""Turning a backend's ranked segment ids into ``Hit``s, and facet lists in their order.

``build_hits`` reads the catalog (the source of truth) for each ranked segment id: the
original text, its broadcast, the broadcast's tags, and the highlight (with the next
segment's head, so a phrase crossing the boundary is marked). A segment deleted since it
was indexed is skipped. ``sort_facets`` puts facet counts in the documented order. Used by
``index.tantivy_backend`` (and ``sort_facets`` by ``index.es_query``). To add a hit field:
add it to ``index.base.Hit`` and fill it here.
"""

from __future__ import annotations

from index.base import Hit
from index.highlight import head, highlight
from index.query import Query


def sort_facets(raw: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, int]]]:
    """Facet lists in their documented order: count desc then value; months newest first."""
    out = {}
    for name in ("outlet", "language", "month", "tag"):
        items = [(str(v), int(n)) for v, n in raw.get(name, []) if v not in (None, "") and n]
        if name == "month":
            out[name] = sorted(items, reverse=True)
        else:
            out[name] = sorted(items, key=lambda item: (-item[1], item[0]))
    return out


def _following_texts(segments: dict) -> dict[int, str]:
    """{segment id: text of the next segment of its transcript} for the given segments."""
    from django.db.models import Q

    from catalog.models import Segment

    if not segments:
        return {}
    wanted = Q()
    for seg in segments.values():
        wanted |= Q(transcript_id=seg.transcript_id, number__gt=seg.number,
                    number__lte=seg.number + 8)
    rows = sorted(Segment.objects.filter(wanted).values_list("transcript_id", "number", "text"))
    out: dict[int, str] = {}
    for seg_id, seg in segments.items():
        for transcript_id, number, text in rows:
            if transcript_id == seg.transcript_id and number > seg.number:
                out[seg_id] = text
                break
        else:  # numbers with a wide gap: ask for this one alone
            text = (Segment.objects.filter(transcript_id=seg.transcript_id,
                                           number__gt=seg.number)
                    .order_by("number").values_list("text", flat=True).first())
            if text is not None:
                out[seg_id] = text
    return out


def build_hits(ranked: list[tuple[int, float]], parsed: Query) -> list[Hit]:
    """Hits for (segment id, score) pairs, in that order, with tags and highlights from the
    catalog (segments deleted meanwhile are skipped)."""
    from catalog.models import Segment, Tagging

    segments = Segment.objects.select_related("transcript__broadcast__outlet").in_bulk(
        [seg_id for seg_id, _ in ranked])
    broadcast_ids = {seg.transcript.broadcast_id for seg in segments.values()}
    tags: dict[int, set[str]] = {}
    for bid, name in Tagging.objects.filter(broadcast_id__in=broadcast_ids).values_list(
            "broadcast_id", "tag__name"):
        tags.setdefault(bid, set()).add(name)
    following = _following_texts(segments)
    hits = []
    for seg_id, score in ranked:
        seg = segments.get(seg_id)
        if seg is None:
            continue
        broadcast = seg.transcript.broadcast
        after = following.get(seg_id)
        hits.append(Hit(segment_id=seg.id, transcript_id=seg.transcript_id,
                        broadcast_id=broadcast.id, url=broadcast.url,
                        outlet=broadcast.outlet.name, title=broadcast.title,
                        aired_at=broadcast.aired_at, start=seg.start, end=seg.end,
                        text=seg.text, score=float(score), language=broadcast.language,
                        tags=sorted(tags.get(broadcast.id, ())), play_from=seg.start,
                        highlight=highlight(seg.text, parsed, head(after) if after else None)))
    return hits
