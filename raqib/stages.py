"""What the orchestrator's stage runners share: the stage error, per-run options, the
worker's actor name and the crawl settings built from the configuration.

``raqib.pipeline`` runs the stages and ``raqib.transcription`` is the transcription
stage's catalog side; both import from here, so neither imports the other back. To give
every stage a new per-run option: add a field to ``StageOptions``.
"""

from __future__ import annotations

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


def actor() -> str:
    """Who the custody log names for work done by a worker on this machine."""
    return f"raqib-worker@{socket.gethostname()}"


def crawl_settings(config: Settings) -> CrawlSettings:
    return CrawlSettings.from_config(config)
