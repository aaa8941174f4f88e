"""Which ``Collector`` handles which source kind.

To add a source kind: write a module with a class implementing ``crawler.base.Collector``,
add one line to ``COLLECTORS`` below and declare its keys in
``raqib.sources_schema.KIND_KEYS``.
"""

from __future__ import annotations

import importlib

from crawler.base import Collector

# kind -> "module:Class"; imported on demand so an unused kind costs nothing.
COLLECTORS: dict[str, str] = {
    "site": "crawler.site_spider:SiteCollector",
    "live": "crawler.live:LiveCollector",  # `raqib sources check` only; recorded, not crawled
    "feed": "crawler.feed_spider:FeedCollector",
    "sitemap": "crawler.sitemap_spider:SitemapCollector",
    "ytdlp": "crawler.ytdlp_source:YtdlpCollector",
}


class UnknownSourceKind(ValueError):
    """No collector is registered for a source kind."""


def get_collector(kind: str) -> Collector:
    """Return a collector for ``kind``; raise UnknownSourceKind for an unregistered kind."""
    try:
        target = COLLECTORS[kind]
    except KeyError:
        raise UnknownSourceKind(
            f"no collector for source kind {kind!r} (known: {', '.join(sorted(COLLECTORS))})"
        ) from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)()
