"""Sightings in an evidence package: every sighting of a clipped recording
(``catalog.sightings``: source, URL, dates, page snapshot hashes) is in the bag's
``incident.json`` (from ``review.incident_json``); this module adds where each snapshot and
info.json lies in the bag (``add_bag_paths``; the files are copied with the clipped
broadcast's other evidence files) and the summary's table (``sightings_table``). To show
more of a sighting: add it to ``catalog.sightings.sightings_json`` and to the table here.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any


def add_bag_paths(data: dict[str, Any]) -> None:
    """Give each sighting's evidence file its path in the bag (``bag_path``), as the
    package copies it: ``data/captures/<broadcast>/<kind>-<id>-<name>``."""
    for row in data.get("sightings", []):
        for ev in row["evidence"]:
            ev["bag_path"] = (f"data/captures/{row['recording']}/{ev['kind']}-{ev['id']}-"
                              f"{Path(ev['path']).name}")


SIGHTING_HEADERS = {
    "ar": ("التسجيل", "شوهد في", "الرابط", "التقاط", "بصمة لقطة الصفحة SHA-256"),
    "en": ("recording", "seen at", "URL", "captured", "page snapshot SHA-256"),
}


def sightings_table(data: dict[str, Any], language: str | None = None) -> str:
    """The summary's table of sightings, its headers in ``language`` (``ar``/``en``; both
    when None), or ""."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{r['recording']}</td><td><bdi>{e(r['source'])}</bdi> · "
        f"<bdi>{e(r['outlet'])}</bdi></td><td dir='ltr'>{e(r['url'])}</td>"
        f"<td dir='ltr'>{e(r['seen_at'] or '—')}</td><td dir='ltr'><code>"
        + " ".join(e(ev["sha256"]) for ev in r["evidence"] if ev["kind"] == "warc")
        + "</code></td></tr>" for r in data.get("sightings", []))
    if not rows:
        return ""
    if language in SIGHTING_HEADERS:
        headers = SIGHTING_HEADERS[language]
    else:
        headers = tuple(f"{en} · {ar}" for ar, en in zip(*SIGHTING_HEADERS.values(),
                                                          strict=True))
    return ("<table class='sightings'><tr>" + "".join(f"<th>{h}</th>" for h in headers)
            + "</tr>" + rows + "</table>")
