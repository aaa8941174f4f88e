"""``raqib sources check NAME``: a dry run of one source (``list`` and the catalog side are
in ``raqib.commands.sources_catalog``; parsers in ``raqib.commands.parsers.sources``).

``check NAME`` collects the source once, whatever its kind (site,
feed, sitemap, ytdlp...), and prints what it would find: how many items, the first ones
with title, air date and media URL, and the per-page errors. It writes nothing (no
database, no files), which is how a selector or URL change is tried before it goes live.
It runs before Django is set up, and sets it up only when NAME is not in raqib.toml, to
look for a source an admin added in the UI. The dry run itself is ``crawler.dry_run`` (the
admin form's "Test this source" calls it too). To add a column: add it to
``crawler.dry_run.item_row`` and ``ITEM_COLUMNS``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from crawler.base import CrawlSettings
from crawler.dry_run import dry_run, item_row
from crawler.egress import EgressPolicy
from crawler.scrapy_collector import source_entry_url
from raqib.commands.output import CommandError, emit
from raqib.commands.runtime import prepare_django
from raqib.config import load_config
from raqib.logs import setup_logging

ITEM_COLUMNS = ["aired_at", "title", "url", "media_url"]


def _load_source(name: str) -> tuple[dict[str, Any], Any]:
    config = load_config()
    # Django is not set up here (nor its logging): the "waiting for URL" lines need it.
    setup_logging(config.get("raqib.log_format"), config.get("raqib.log_level"))
    for entry in config.sources:
        if entry["name"] == name:
            return entry, CrawlSettings.from_config(config)
    # Not in the file: an admin may have added it in the review UI (kept in the catalog).
    known = [s["name"] for s in config.sources]
    if prepare_django() == 0:
        # Imported only now: it reads the catalog, and Django was set up just above.
        from raqib.commands.sources_catalog import find_ui_source

        table, ui_names = find_ui_source(name)
        if table is not None:  # fetched under the egress guard (crawler.egress)
            return table, replace(CrawlSettings.from_config(config),
                                  egress=EgressPolicy.from_config(config))
        known += [f"{n} (UI)" for n in ui_names]
    raise CommandError(f"no source named {name!r} in raqib.toml or added in the UI "
                       f"(known: {', '.join(known) or 'none configured'})")


def check_source(args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise CommandError("--limit: give 0 (all) or a positive number")
    entry, settings = _load_source(args.name)
    print(f"checking {entry['name']} ({entry['kind']}): {source_entry_url(entry)} ...",
          file=sys.stderr, flush=True)
    result = dry_run(entry, settings)
    if not result.ok:
        emit(args, {"source": entry["name"], "ok": False, "error": result.error},
             footer=f"{entry['name']}: FAILED: {result.error}")
        return 1
    shown = result.items[:args.limit] if args.limit else result.items
    items = [item_row(i) for i in shown]
    more = f" (first {len(items)} shown)" if len(items) < len(result.items) else ""
    emit(args, {"source": entry["name"], "kind": entry["kind"], "ok": True,
                "count": len(result.items), "pages": result.pages,
                "requests": result.requests, "items": items, "errors": result.errors},
         ITEM_COLUMNS, rows=items, footer=[
             f"{entry['name']}: {len(result.items)} item(s){more} from {result.pages} page(s), "
             f"{result.requests} request(s); nothing was written",
             *(f"  page error: {error}" for error in result.errors)])
    return 0
