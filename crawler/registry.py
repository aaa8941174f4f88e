"""Which ``Collector`` handles which source kind: the one list of source kinds.

To add a source kind: write a module with a ``crawler.base.Collector`` subclass (its
``config_keys`` declare the kind's own ``[[sources]]`` keys, ``scheduled`` whether the
crawler collects it on its interval) and add one line to ``COLLECTORS`` below. Nothing
else names a kind: the config check (``crawler.schema``), the admin source form, the
scheduler (``raqib.pipeline.due_sources``), ``raqib crawl`` and ``raqib sources check``
read the kinds and their declarations from here.
"""

from __future__ import annotations

from catalog.components import Registry, Settings, UnknownComponent
from crawler.base import Collector

# kind -> "module:Class"; imported on demand so an unused kind costs nothing.
COLLECTORS: Registry[Collector] = Registry("source kind", {
    "site": "crawler.site_spider:SiteCollector",
    "live": "crawler.live_stream:LiveCollector",  # recorded (crawler.live), not crawled
    "feed": "crawler.feed_spider:FeedCollector",
    "sitemap": "crawler.sitemap_spider:SitemapCollector",
    "ytdlp": "crawler.ytdlp_source:YtdlpCollector",
})


class UnknownSourceKind(UnknownComponent):
    """No collector is registered for a source kind."""


def collector_class(kind: str) -> type[Collector]:
    """The collector class for ``kind``; raise UnknownSourceKind for an unregistered kind."""
    if kind not in COLLECTORS:
        raise UnknownSourceKind(
            f"no collector for source kind {kind!r} (known: {', '.join(sorted(COLLECTORS))})")
    return COLLECTORS.load(kind)


def get_collector(kind: str, config: Settings | None = None) -> Collector:
    """A collector for ``kind`` (``from_config(config)``); UnknownSourceKind if none."""
    return collector_class(kind).from_config(config)


def is_scheduled(kind: str) -> bool:
    """Whether sources of ``kind`` are crawled on their interval. An unregistered kind
    counts as scheduled: crawling it then fails with UnknownSourceKind, as it always did."""
    return kind not in COLLECTORS or COLLECTORS.load(kind).scheduled
