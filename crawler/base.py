"""The collection stage's interface.

A ``Collector`` turns one configured source (a validated ``[[sources]]`` table) into
``DiscoveredItem``s. Only ``external_id`` and ``url`` are mandatory; every other field is
best effort and a missing one is never fatal. To add a source kind: write a module with a
class implementing ``Collector`` and add one line to ``crawler.registry``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class CollectError(Exception):
    """The whole source could not be collected (unreachable, robots.txt, bad page...)."""


@dataclass
class DiscoveredItem:
    external_id: str  # stable per source: the canonical item URL or the outlet's own id
    url: str  # the item page
    media_url: str = ""  # empty: hand the item page to yt-dlp's extractors
    title: str = ""
    description: str = ""
    program: str = ""
    aired_at: datetime | None = None  # timezone-aware UTC
    aired_at_raw: str = ""  # the date text exactly as the page showed it
    language: str | None = None
    # Live chunks only: end of the air-time window and gaps inside it (see Broadcast.gaps).
    aired_end: datetime | None = None
    gaps: list[dict[str, str]] = field(default_factory=list)


@dataclass
class CrawlSettings:
    user_agent: str
    download_delay: float
    timeout: float
    max_pages: int

    @classmethod
    def from_config(cls, config: Any) -> CrawlSettings:
        """The ``[crawl]`` settings of a ``raqib.config.Config``."""
        return cls(user_agent=config.get("crawl.user_agent"),
                   download_delay=config.get("crawl.download_delay"),
                   timeout=config.get("crawl.timeout"), max_pages=config.get("crawl.max_pages"))


@dataclass
class CollectResult:
    items: list[DiscoveredItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per-page problems; the rest went on
    pages: int = 0
    requests: int = 0


class Collector(Protocol):
    kind: str

    def collect(self, source: dict[str, Any], settings: CrawlSettings,
                known_ids: Iterable[str] = ()) -> CollectResult:
        """Fetch the source once and return what it lists. ``known_ids`` are the external
        ids already in the catalog, so a scan can stop where the known part begins (a
        scan costs in proportion to what is new). Raise CollectError if nothing could be
        fetched at all."""
        ...
