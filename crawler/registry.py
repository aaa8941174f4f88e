"""Which ``Collector`` handles which source kind.

To add a source kind: write a module with a class implementing ``crawler.base.Collector``
(its ``config_keys`` declare the kind's own ``[[sources]]`` keys) and add one line to
``COLLECTORS`` below. The config check, the admin source form and the scheduler read the
kinds from here.
"""

from __future__ import annotations

from catalog.components import Registry, UnknownComponent
from crawler.base import Collector

# kind -> "module:Class"; imported on demand so an unused kind costs nothing.
COLLECTORS: Registry[Collector] = Registry("source kind", {
    "site": "crawler.site_spider:SiteCollector",
    "live": "crawler.live:LiveCollector",  # recorded continuously, not crawled
    "feed": "crawler.feed_spider:FeedCollector",
    "sitemap": "crawler.sitemap_spider:SitemapCollector",
    "ytdlp": "crawler.ytdlp_source:YtdlpCollector",
})


class UnknownSourceKind(UnknownComponent):
    """No collector is registered for a source kind."""


def get_collector(kind: str) -> Collector:
    """Return a collector for ``kind``; raise UnknownSourceKind for an unregistered kind."""
    if kind not in COLLECTORS:
        raise UnknownSourceKind(
            f"no collector for source kind {kind!r} (known: {', '.join(sorted(COLLECTORS))})")
    return COLLECTORS.load(kind)()
