"""``raqib sources list|check``: the configured sources and a dry run of one of them.

``list`` syncs ``[[sources]]`` from raqib.toml into the catalog and shows each source's
schedule and last error. ``check NAME`` collects the source once, whatever its kind (site,
feed, sitemap, ytdlp...), and prints what it would find: how many items, the first ones
with title, air date and media URL, and the per-page errors. It writes nothing (no
database, no files), which is how a selector or URL change is tried before it goes live.
To add a column: add it to ``_source_row`` and ``LIST_COLUMNS`` (or ``_item_row`` and
``ITEM_COLUMNS``).
"""

from __future__ import annotations

import argparse
from typing import Any

from raqib.commands.output import CommandError, add_format_flag, print_json, print_table

LIST_COLUMNS = ["name", "kind", "outlet", "declared", "interval", "enabled", "last_crawl",
                "next_crawl",
                "last_error"]
ITEM_COLUMNS = ["aired_at", "title", "url", "media_url"]


def register(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser("sources", help="list configured sources or dry-run one")
    src_sub = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    lst = src_sub.add_parser("list", help="sources (from raqib.toml or added by admins in "
                                          "the UI) with their schedule and last error")
    add_format_flag(lst)
    lst.set_defaults(handler=list_sources)
    check = src_sub.add_parser("check", help="collect one source once and print what it "
                                             "would find, without writing anything")
    check.add_argument("name", metavar="NAME", help="the source's name (raqib.toml or the UI)")
    check.add_argument("--limit", type=int, default=20, metavar="N",
                       help="show the first N items (default 20; 0 shows all); the count "
                            "is always the full one")
    add_format_flag(check)
    check.set_defaults(handler=check_source, needs_django=False)


def _interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _source_row(source: Any) -> dict[str, Any]:
    from raqib.sources_sync import is_ui_source

    return {"name": source.name, "kind": source.kind, "outlet": source.outlet.name,
            "declared": "ui" if is_ui_source(source) else "raqib.toml",
            "interval": _interval(source.interval_seconds), "enabled": source.enabled,
            "last_crawl": _when(source.last_crawl_at),
            "next_crawl": _when(source.next_crawl_at) or ("due now" if source.enabled else ""),
            "last_error": source.last_error}


def list_sources(args: argparse.Namespace) -> int:
    from django.conf import settings

    from catalog.models import Source
    from raqib.sources_sync import sync_sources

    sync_sources(settings.CONFIG)
    rows = [_source_row(s) for s in Source.objects.select_related("outlet")
            .exclude(kind=Source.KIND_IMPORT).order_by("name")]
    if args.format == "json":
        print_json({"sources": rows})
    else:
        print_table(rows, LIST_COLUMNS)
    return 0


def _load_source(name: str) -> tuple[dict[str, Any], Any]:
    from crawler.base import CrawlSettings
    from raqib.config import load_config

    config = load_config()
    for entry in config.sources:
        if entry["name"] == name:
            return entry, CrawlSettings.from_config(config)
    # Not in the file: an admin may have added it in the review UI (kept in the catalog).
    from raqib.cli import _prepare_django

    known = [s["name"] for s in config.sources]
    if _prepare_django() == 0:
        from catalog.models import Source
        from raqib.sources_sync import is_ui_source, source_table

        ui_sources = [s for s in Source.objects.order_by("name") if is_ui_source(s)]
        for stored in ui_sources:
            if stored.name == name:
                return source_table(stored), CrawlSettings.from_config(config)
        known += [f"{s.name} (UI)" for s in ui_sources]
    raise CommandError(f"no source named {name!r} in raqib.toml or added in the UI "
                       f"(known: {', '.join(known) or 'none configured'})")


def _item_row(item: Any) -> dict[str, Any]:
    return {"title": item.title, "url": item.url, "media_url": item.media_url,
            "aired_at": item.aired_at.isoformat() if item.aired_at else "",
            "aired_at_raw": item.aired_at_raw, "program": item.program,
            "external_id": item.external_id}


def check_source(args: argparse.Namespace) -> int:
    import sys

    from crawler.base import CollectError
    from crawler.registry import get_collector
    from crawler.scrapy_collector import source_entry_url

    if args.limit < 0:
        raise CommandError("--limit: give 0 (all) or a positive number")
    entry, settings = _load_source(args.name)
    print(f"checking {entry['name']} ({entry['kind']}): {source_entry_url(entry)} ...",
          file=sys.stderr, flush=True)
    try:
        result = get_collector(entry["kind"]).collect(entry, settings)
    except CollectError as exc:
        if args.format == "json":
            print_json({"source": entry["name"], "ok": False, "error": str(exc)})
        else:
            print(f"{entry['name']}: FAILED: {exc}")
        return 1
    shown = result.items[:args.limit] if args.limit else result.items
    items = [_item_row(i) for i in shown]
    if args.format == "json":
        print_json({"source": entry["name"], "kind": entry["kind"], "ok": True,
                    "count": len(result.items), "pages": result.pages,
                    "requests": result.requests, "items": items, "errors": result.errors})
        return 0
    print_table(items, ITEM_COLUMNS)
    more = f" (first {len(items)} shown)" if len(items) < len(result.items) else ""
    print(f"{entry['name']}: {len(result.items)} item(s){more} from {result.pages} page(s), "
          f"{result.requests} request(s); nothing was written")
    for error in result.errors:
        print(f"  page error: {error}")
    return 0
