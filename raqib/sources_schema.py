"""Validation of ``[[sources]]`` tables in ``raqib.toml``: kept as an import path for the
configuration loader, the admin form and the tests.

The schema itself lives in the collection stage, ``crawler.schema`` (common keys, value
checks, ``parse_interval``), and each kind's own keys on its collector class
(``crawler.base.Collector.config_keys``). To add a source kind: see ``crawler.registry``.
"""

from __future__ import annotations

from crawler.schema import COMMON_KEYS, KIND_KEYS, VALUE_CHECKS, parse_interval, validate_sources

__all__ = ["COMMON_KEYS", "KIND_KEYS", "VALUE_CHECKS", "parse_interval", "validate_sources"]
