"""Turning a backend's ranked segment ids into ``Hit``s, and facet lists in their order.

``build_hits`` reads the catalog (the source of truth) for each ranked segment id, in two
queries: the original text, its broadcast, the broadcast's tags, and the highlight (with
the next segment's head, so a phrase crossing the boundary is marked). A segment deleted since it
was indexed is skipped. ``attach_sightings`` adds where else each hit's recording was seen
(one more query; both backends call it). ``sort_facets`` puts facet counts in the
documented order. Used by ``index.tantivy_backend`` (and ``sort_facets`` by
``index.es_query``). To add a hit field: add it to ``index.base.Hit`` and fill it here.
"""

from __future__ import annotations

from catalog import sql_values
from index.base import Hit
from index.highlight import head, highlight
from index.query import Phrase, Query


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


def _rows(segment_ids: list[int], with_next: bool = True) -> dict[int, tuple]:
    """{segment id: (id, transcript id, start, end, text, broadcast id, url, title, aired
    at, language, outlet, next segment's text)}: one SQL statement (the ORM would take
    longer to build it than the database to answer); the next segment's text comes from a
    correlated subquery on the (transcript, number) key, only ``with_next`` (a phrase may
    cross into it; otherwise None: the page shows nothing of it)."""
    from django.db import connection

    from catalog.models import Broadcast, Outlet, Segment, Transcript

    q = connection.ops.quote_name
    seg, tr = q(Segment._meta.db_table), q(Transcript._meta.db_table)
    br, out = q(Broadcast._meta.db_table), q(Outlet._meta.db_table)
    marks = ", ".join(["%s"] * len(segment_ids))
    after = (f"(SELECT n.text FROM {seg} n WHERE n.transcript_id = s.transcript_id "
             f"AND n.number > s.number ORDER BY n.number LIMIT 1)" if with_next else "NULL")
    sql = (f"SELECT s.id, s.transcript_id, s.start, s.{q('end')}, s.text, b.id, b.url, "
           f"b.title, b.aired_at, b.language, o.name, "
           f"b.aired_precision, b.aired_date, b.aired_tz, b.aired_at_raw, {after} "
           f"FROM {seg} s JOIN {tr} t ON t.id = s.transcript_id "
           f"JOIN {br} b ON b.id = t.broadcast_id JOIN {out} o ON o.id = b.outlet_id "
           f"WHERE s.id IN ({marks})")
    with connection.cursor() as cursor:
        cursor.execute(sql, list(segment_ids))
        found = cursor.fetchall()
    return {row[0]: row[:8] + (sql_values.aware_datetime(row[8]),) + row[9:] for row in found}


def with_air_dates(hits: list[Hit]) -> list[Hit]:
    """Fill the hits' air-date fields from the catalog (one query), for a backend whose
    documents carry only the instant (Elasticsearch)."""
    from catalog.models import Broadcast

    rows = {row["id"]: row for row in Broadcast.objects.filter(
        id__in={h.broadcast_id for h in hits}).values(
        "id", "aired_at", "aired_precision", "aired_date", "aired_tz", "aired_at_raw")}
    for hit in hits:
        row = rows.get(hit.broadcast_id)
        if row:
            hit.aired_at, hit.aired_precision = row["aired_at"], row["aired_precision"]
            hit.aired_date, hit.aired_tz = row["aired_date"], row["aired_tz"]
            hit.aired_at_raw = row["aired_at_raw"]
    return hits


def build_hits(ranked: list[tuple[int, float]], parsed: Query) -> list[Hit]:
    """Hits for (segment id, score) pairs, in that order, with tags and highlights from the
    catalog (segments deleted meanwhile are skipped).

    Three statements whatever the page size, raw SQL (building them with the ORM took
    longer than running them): the columns a hit shows, with the next segment's text only
    for a phrase query (``_rows``), the broadcasts' tags and their sightings. Full
    ``Segment`` objects are not built (their word timings are large and a hit never shows
    them)."""
    if not ranked:
        return []
    phrase = any(isinstance(leaf, Phrase) for leaf in parsed.leaves())
    rows = _rows([seg_id for seg_id, _ in ranked], with_next=phrase)
    tags: dict[int, set[str]] = {}
    for bid, name in _select(
            "SELECT g.broadcast_id, t.name FROM {tagging} g JOIN {tag} t ON t.id = g.tag_id "
            "WHERE g.broadcast_id IN ({ids})", {row[5] for row in rows.values()}):
        tags.setdefault(bid, set()).add(name)
    hits = []
    for seg_id, score in ranked:
        row = rows.get(seg_id)
        if row is None:
            continue
        (_, transcript_id, start, end, text, broadcast_id, url, title, aired_at, language,
         outlet, precision, day, zone, raw, after) = row
        hits.append(Hit(segment_id=seg_id, transcript_id=transcript_id,
                        broadcast_id=broadcast_id, url=url, outlet=outlet, title=title,
                        aired_at=aired_at, start=start, end=end, text=text, score=float(score),
                        language=language, tags=sorted(tags.get(broadcast_id, ())),
                        play_from=start, aired_precision=precision or "",
                        aired_date=sql_values.day(day), aired_tz=zone or "", aired_at_raw=raw or "",
                        highlight=highlight(text, parsed, head(after) if after else None)))
    return mark_corrections(attach_sightings(hits), parsed)


def mark_corrections(hits: list[Hit], parsed: Query) -> list[Hit]:
    """Say which text each hit matched (``Hit.matched``): the verified text of the
    corrected range starting at its segment, else that range's current corrected text, else
    the machine's; a hit in corrected text is highlighted in that text and spans the
    range. Evaluated in Python on the texts (``index.watch_match``, the embedded search's
    semantics), so both backends say the same. One query for the page's ranges."""
    from catalog.corrections import segment_ranges
    from index.watch_match import SegmentDoc, matches

    ranges = segment_ranges([h.segment_id for h in hits],
                            [h.transcript_id for h in hits]) if hits else {}
    for hit in hits:
        found = ranges.get(hit.segment_id)
        if found is None:
            continue
        starts, rng = found
        hit.verified = bool(rng.verified)
        if not starts:
            continue
        for kind, text in (("verified", rng.verified), ("corrected", rng.corrected)):
            if text and (kind == "verified" or not parsed.verified) and matches(
                    parsed, SegmentDoc.from_text(text)):
                hit.matched, hit.corrected_text = kind, text
                hit.start, hit.end, hit.play_from = rng.start, rng.end, rng.start
                hit.highlight = highlight(text, parsed)
                break
    return hits


def _select(template: str, ids: set[int]) -> list[tuple]:
    """Rows of ``template`` (``{tagging}``, ``{tag}``, ``{sighting}``, ``{source}``,
    ``{outlet}``: the catalog's tables; ``{ids}``: the placeholders of ``ids``)."""
    from django.db import connection

    from catalog.models import Outlet, Sighting, Source, Tag, Tagging

    if not ids:
        return []
    q = connection.ops.quote_name
    sql = template.format(tagging=q(Tagging._meta.db_table), tag=q(Tag._meta.db_table),
                          sighting=q(Sighting._meta.db_table), source=q(Source._meta.db_table),
                          outlet=q(Outlet._meta.db_table), ids=", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(ids))
        return cursor.fetchall()


def attach_sightings(hits: list[Hit]) -> list[Hit]:
    """Fill each hit's ``sightings`` (the same recording seen at other sources or URLs)."""
    seen: dict[int, list[dict[str, object]]] = {}
    for bid, source, outlet, url, at in _select(
            "SELECT s.broadcast_id, r.name, o.name, s.url, s.seen_at FROM {sighting} s "
            "JOIN {source} r ON r.id = s.source_id JOIN {outlet} o ON o.id = s.outlet_id "
            "WHERE s.broadcast_id IN ({ids}) ORDER BY s.seen_at, s.id",
            {h.broadcast_id for h in hits}):
        seen.setdefault(bid, []).append({"source": source, "outlet": outlet, "url": url,
                                         "seen_at": sql_values.aware_datetime(at).isoformat()})
    for hit in hits:
        hit.sightings = seen.get(hit.broadcast_id, [])
    return hits
