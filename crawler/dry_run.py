"""The dry run of one source: collect it once and say what it would find, writing nothing.

``dry_run(entry, settings)`` is the rule behind ``raqib sources check NAME`` and the admin
source form's "Test this source" button: it runs the kind's collector (``crawler.registry``)
on a validated ``[[sources]]`` table and returns a ``DryRun`` (the items with title, air
date and media URL, the per-page errors, or the reason the whole source failed). It touches
no database and no file; the caller picks the settings (the egress guard and the time
bound, see ``raqib.stages.dry_run_settings``). To add a column: add it to ``item_row``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.aired import AirDate
from crawler.base import CollectError, CrawlSettings, DiscoveredItem
from crawler.registry import get_collector

REFUSED_MARK = "not a public address"  # in every refusal of crawler.egress.EgressPolicy


@dataclass
class DryRun:
    """What one collection of a source found; ``error`` set when nothing could be read."""

    source: str
    kind: str
    items: list[DiscoveredItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per-page problems
    pages: int = 0
    requests: int = 0
    error: str = ""  # the whole source failed (unreachable, refused, robots.txt...)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def refused(self) -> bool:
        """The whole source failed because the egress guard refused its address."""
        return REFUSED_MARK in self.error


def item_row(item: DiscoveredItem) -> dict[str, Any]:
    """One found item as plain values (the CLI's JSON row)."""
    return {"title": item.title, "url": item.url, "media_url": item.media_url,
            "aired_at": AirDate.of(item).iso() or "", "aired_precision": item.aired_precision,
            "aired_at_raw": item.aired_at_raw, "program": item.program,
            "external_id": item.external_id}


def dry_run(entry: dict[str, Any], settings: CrawlSettings) -> DryRun:
    """Collect the validated table ``entry`` once under ``settings``; write nothing."""
    report = DryRun(source=entry["name"], kind=entry["kind"])
    try:
        result = get_collector(entry["kind"]).collect(entry, settings)
    except CollectError as exc:
        report.error = str(exc)
        return report
    report.items, report.errors = list(result.items), list(result.errors)
    report.pages, report.requests = result.pages, result.requests
    return report
