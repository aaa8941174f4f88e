"""``raqib sources list|check``: the configured sources and a dry run of one of them.

``list`` syncs ``[[sources]]`` from raqib.toml into the catalog and shows each source's
schedule and last error. ``check NAME`` collects the source once and prints what it would
find, writing nothing (no database, no files), which is how a selector change is tried
before it goes live. To add a column: add it to ``_source_row`` and ``LIST_COLUMNS``.
"""

from __future__ import annotations

import argparse
from typing import Any

from raqib.commands.output import CommandError, add_format_flag, print_json, print_table

LIST_COLUMNS = ["name", "kind", "outlet", "interval", "enabled", "last_crawl", "next_crawl",
                "last_error"]
ITEM_COLUMNS = ["aired_at", "title", "url", "media_url"]


def register(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser("sources", help="list configured sources or dry-run one")
    src_sub = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    lst = src_sub.add_parser("list", help="sources from raqib.toml with their schedule and "
                                          "last error")
    add_format_flag(lst)
    lst.set_defaults(handler=list_sources)
    check = src_sub.add_parser("check", help="collect one source once and print what it "
                                             "would find, without writing anything")
    check.add_argument("name", metavar="NAME", help="the source's name in raqib.toml")
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
    return {"name": source.name, "kind": source.kind, "outlet": source.outlet.name,
            "interval": _interval(source.interval_seconds), "enabled": source.enabled,
            "last_crawl": _when(source.last_crawl_at),
            "next_crawl": _when(source.next_crawl_at) or ("due now" if source.enabled else ""),
            "last_error": source.last_error}


def list_sources(args: argparse.Namespace) -> int:
    from django.conf import settings

    from raqib.models import Source
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
    known = ", ".join(s["name"] for s in config.sources) or "none configured"
    raise CommandError(f"no source named {name!r} in raqib.toml (known: {known})")


def check_source(args: argparse.Namespace) -> int:
    from crawler.base import CollectError
    from crawler.registry import get_collector

    entry, settings = _load_source(args.name)
    try:
        result = get_collector(entry["kind"]).collect(entry, settings)
    except CollectError as exc:
        if args.format == "json":
            print_json({"source": entry["name"], "ok": False, "error": str(exc)})
        else:
            print(f"{entry['name']}: FAILED: {exc}")
        return 1
    items = [{"title": i.title, "url": i.url, "media_url": i.media_url,
              "aired_at": i.aired_at.isoformat() if i.aired_at else "",
              "aired_at_raw": i.aired_at_raw, "program": i.program,
              "external_id": i.external_id} for i in result.items]
    if args.format == "json":
        print_json({"source": entry["name"], "ok": True, "pages": result.pages,
                    "requests": result.requests, "items": items, "errors": result.errors})
        return 0
    print_table(items, ITEM_COLUMNS)
    print(f"{entry['name']}: {len(items)} item(s) from {result.pages} page(s), "
          f"{result.requests} request(s); nothing was written")
    for error in result.errors:
        print(f"  page error: {error}")
    return 0
