"""What the orchestrator's stage runners share: the stage error, per-run options, the
worker's actor name and the crawl settings built from the configuration.

``raqib.pipeline`` runs the stages and ``raqib.transcription`` is the transcription
stage's catalog side; both import from here, so neither imports the other back. To give
every stage a new per-run option: add a field to ``StageOptions``.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass, replace
from typing import Any

from catalog.components import Settings
from crawler.base import CrawlSettings
from crawler.egress import EgressPolicy


class StageError(Exception):
    """A stage failed for a reason worth showing a monitor as is."""


@dataclass
class StageOptions:
    """Per-run overrides (the demo pins the offline model, for instance)."""

    engine: str | None = None
    model: str | None = None


DISK_FULL = "disk full"


def disk_full_reason(exc: BaseException) -> str | None:
    """``"disk full: ..."`` when ``exc`` (or what caused it, or its message, as
    yt-dlp and ffmpeg report it) is the data disk running out of space; else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT)) \
                or "no space left on device" in str(current).lower():
            return (f"{DISK_FULL}: no space left on the data disk ({current}); free space "
                    "and the stage is retried")
        current = current.__cause__ or current.__context__
    return None


def actor() -> str:
    """Who the custody log names for work done by a worker on this machine."""
    return f"raqib-worker@{socket.gethostname()}"


def crawl_settings(config: Settings, source: Any = None,
                   settings: CrawlSettings | None = None) -> CrawlSettings:
    """The crawl settings for fetching ``source`` (``settings`` if given, else the
    configured ones): for a source added in the web UI they carry the egress policy
    (``crawler.egress``), so every fetcher refuses internal addresses for it."""
    settings = settings or CrawlSettings.from_config(config)
    if source is not None and egress_policy(config, source) is not None:
        settings = replace(settings, egress=egress_policy(config, source))
    return settings


UI_DRY_RUN_DEADLINE = 60.0  # seconds: the most a "Test this source" click waits


def dry_run_settings(config: Settings) -> CrawlSettings:
    """The settings of a dry run of a source typed in the web UI, saved or not: always
    under the egress policy of UI sources, and bounded by ``crawl.request_timeout`` per
    request and the smaller of ``crawl.source_deadline`` and ``UI_DRY_RUN_DEADLINE``."""
    settings = CrawlSettings.from_config(config)
    return replace(settings, egress=EgressPolicy.from_config(config),
                   deadline=min(settings.deadline, UI_DRY_RUN_DEADLINE))


def egress_policy(config: Settings, source: Any) -> EgressPolicy | None:
    """The egress policy for fetching ``source``: None for the operator's raqib.toml
    sources, ``web.source_allowed_*`` for a source added in the web UI."""
    from raqib.sources_sync import is_ui_source

    return EgressPolicy.from_config(config) if is_ui_source(source) else None
