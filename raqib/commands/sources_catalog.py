"""The catalog side of ``raqib sources``: ``list``, and finding a source an admin added in
the review UI (for ``sources check``, which sets Django up only to look for one).

``list`` syncs ``[[sources]]`` from raqib.toml into the catalog and shows each source's
schedule and last error. Parser: ``raqib.commands.parsers.sources``. To add a column: add
it to ``_source_row`` and ``LIST_COLUMNS``.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings

from catalog.models import Source
from raqib.commands.output import emit
from raqib.sources_sync import is_ui_source, source_table, sync_sources

LIST_COLUMNS = ["name", "kind", "outlet", "declared", "interval", "enabled", "last_crawl",
                "next_crawl",
                "last_error"]


def _interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _source_row(source: Source) -> dict[str, Any]:
    return {"name": source.name, "kind": source.kind, "outlet": source.outlet.name,
            "declared": "ui" if is_ui_source(source) else "raqib.toml",
            "interval": _interval(source.interval_seconds), "enabled": source.enabled,
            "last_crawl": _when(source.last_crawl_at),
            "next_crawl": _when(source.next_crawl_at) or ("due now" if source.enabled else ""),
            "last_error": source.last_error}


def list_sources(args: argparse.Namespace) -> int:
    sync_sources(settings.CONFIG)
    rows = [_source_row(s) for s in Source.objects.select_related("outlet")
            .exclude(kind=Source.KIND_IMPORT).order_by("name")]
    emit(args, {"sources": rows}, LIST_COLUMNS, rows=rows)
    return 0


def find_ui_source(name: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The ``[[sources]]`` table of the UI-added source ``name`` (None if there is none),
    and the names of all UI-added sources."""
    ui_sources = [s for s in Source.objects.order_by("name") if is_ui_source(s)]
    for stored in ui_sources:
        if stored.name == name:
            return source_table(stored), [s.name for s in ui_sources]
    return None, [s.name for s in ui_sources]
