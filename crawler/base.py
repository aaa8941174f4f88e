"""The collection stage's interface: what a source kind implements and what it returns.

A ``Collector`` turns one configured source (a validated ``[[sources]]`` table) into
``DiscoveredItem``s. Only ``external_id`` and ``url`` are mandatory; every other field is
best effort and a missing one is never fatal. The class also declares, with defaults,
everything the rest of Raqib asks of a source kind, so nothing outside the kind's own
module names it:

- ``kind``: the ``kind = "..."`` value of its ``[[sources]]`` tables;
- ``config_keys``: the kind's own keys, ``{key: required}`` (the common ones, ``name``,
  ``outlet``, ``interval``..., are in ``crawler.schema.COMMON_KEYS``); the config check and
  the admin source form read them, and a key listed in ``crawler.schema.VALUE_CHECKS``
  gets its value checked;
- ``check_config``: extra checks of a table's values, as (key, problem) pairs;
- ``scheduled``: whether the crawler collects it on its interval (True) or it is recorded
  by its own long-running process and only ``raqib sources check`` calls ``collect``
  (``live``);
- ``supports_full_scan``: whether ``collect(..., full_scan=True)`` reads every listing page
  instead of stopping where the known part begins (used after a scan was cut short);
- ``from_config``: how the registry builds it (default: ``cls()``).

To add a source kind: write a module with a ``Collector`` subclass and add one line to
``crawler.registry.COLLECTORS``. ``tests/crawler/test_collector_contract.py`` then runs it
through the checks every kind must pass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from catalog.components import Settings
from crawler.egress import EgressPolicy


class CollectError(Exception):
    """The whole source could not be collected (unreachable, robots.txt, bad page...).

    ``retry_after_until``: the outlet asked (429/503 ``Retry-After``) not to be fetched
    again before then; the scheduler waits until that time."""

    retry_after_until: datetime | None = None

    def __init__(self, message: str = "", retry_after_until: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after_until = retry_after_until


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
    # What the air date says (crawler.dates.air_fields): "day", "minute" or "second" (""
    # when no date was read), the printed day for "day", the zone it was read in.
    aired_precision: str = ""
    aired_date: date | None = None
    aired_tz: str = ""

    def record(self) -> dict[str, Any]:
        """The item as JSON-ready values (how a crawl subprocess hands it over)."""
        data = asdict(self)
        for key in ("aired_at", "aired_end", "aired_date"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> DiscoveredItem:
        """The item ``record`` wrote (unknown keys are ignored)."""
        known = cls.__dataclass_fields__
        data = {k: v for k, v in record.items() if k in known}
        for key in ("aired_at", "aired_end"):
            if data.get(key):
                data[key] = datetime.fromisoformat(data[key])
        if data.get("aired_date"):
            data["aired_date"] = date.fromisoformat(data["aired_date"])
        return cls(**data)


@dataclass
class CrawlSettings:
    user_agent: str
    download_delay: float
    timeout: float  # per request (crawl.request_timeout): answered within it, or given up
    max_pages: int
    # Set for a source added in the web UI: every fetch for it goes through
    # ``crawler.egress.guard`` (public addresses only, unless the operator allowed more).
    egress: EgressPolicy | None = None
    deadline: float = 900.0  # per crawl of one source (crawl.source_deadline)

    @classmethod
    def from_config(cls, config: Any) -> CrawlSettings:
        """The ``[crawl]`` settings of a ``raqib.config.Config``."""
        return cls(user_agent=config.get("crawl.user_agent"),
                   download_delay=config.get("crawl.download_delay"),
                   timeout=config.get("crawl.request_timeout"),
                   max_pages=config.get("crawl.max_pages"),
                   deadline=config.get("crawl.source_deadline"))


@dataclass
class CollectResult:
    items: list[DiscoveredItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # per-page problems; the rest went on
    pages: int = 0
    requests: int = 0
    # False: the scan was cut short (time limit, a failed listing page, Retry-After), so
    # the next one must re-read every listing page (``full_scan``).
    complete: bool = True
    retry_after_until: datetime | None = None  # the outlet's Retry-After, when too long


class Collector(ABC):
    """Base class of every source kind; see the module docstring for what to declare."""

    kind: ClassVar[str] = ""
    config_keys: ClassVar[Mapping[str, bool]] = {}
    scheduled: ClassVar[bool] = True
    supports_full_scan: ClassVar[bool] = False

    @classmethod
    def from_config(cls, config: Settings | None = None, **options: Any) -> Collector:
        """Build the collector (``crawler.registry.COLLECTORS.build``); default ``cls()``."""
        return cls(**options)

    @classmethod
    def check_config(cls, source: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Problems with this kind's values in ``source`` beyond ``VALUE_CHECKS``, as
        (key, message) pairs: reported as ``sources[i].key: message``. Default: none."""
        return []

    @abstractmethod
    def collect(self, source: dict[str, Any], settings: CrawlSettings,
                known_ids: Iterable[str] = (), full_scan: bool = False) -> CollectResult:
        """Fetch the source once and return what it lists. ``known_ids`` are the external
        ids already in the catalog, so a scan can stop where the known part begins (a
        scan costs in proportion to what is new); ``full_scan`` asks to read every listing
        page (only meaningful with ``supports_full_scan``). Raise CollectError if nothing
        could be fetched at all."""
