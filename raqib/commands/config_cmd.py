"""``raqib config check|show``: validate and display the merged configuration.

``check`` also warns (stderr, exit 0) about a source without a ``timezone``: its times
would be read as UTC."""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit, urlunsplit

from raqib.commands.output import emit
from raqib.config import SETTINGS, load_config


def check_config(args: argparse.Namespace) -> int:
    config = load_config()  # an invalid one is reported by raqib.cli, exit code 2
    where = config.path or "built-in defaults (no raqib.toml found)"
    print(f"configuration OK: {where}; {len(config.sources)} source(s): "
          + (", ".join(s["name"] for s in config.sources) or "none"))
    for i, source in enumerate(config.sources):
        if not source.get("timezone"):
            print(f"warning: sources[{i}] ({source['name']}).timezone: not set, so times this "
                  f"outlet prints without an offset are read as UTC; set its zone, e.g. "
                  f"\"Asia/Damascus\" (raqib.example.toml lists one per outlet)",
                  file=sys.stderr)
    return 0


def show_config(args: argparse.Namespace) -> int:
    config = load_config()
    rows = []
    for s in SETTINGS:
        value = config.get(s.key)
        if s.key in ("raqib.secret_key",) and value:
            value = "(set)"
        if s.key in ("database.url", "queue.redis_url", "search.elasticsearch_url") and value:
            value = _redact(value)
        rows.append({"key": s.key, "value": value, "origin": config.origins[s.key], "env": s.env})
    emit(args, {"settings": rows, "sources": config.sources}, ["key", "value", "origin", "env"],
         rows=rows)
    return 0


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
