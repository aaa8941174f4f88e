"""What the orchestrator's stage runners share: the stage error, per-run options, the
worker's actor name and the crawl settings built from the configuration.

``raqib.pipeline`` runs the stages and ``raqib.transcription`` is the transcription
stage's catalog side; both import from here, so neither imports the other back. To give
every stage a new per-run option: add a field to ``StageOptions``.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from catalog.components import Settings
from crawler.base import CrawlSettings


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


def crawl_settings(config: Settings) -> CrawlSettings:
    return CrawlSettings.from_config(config)
