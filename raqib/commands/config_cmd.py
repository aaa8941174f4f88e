"""``raqib config check|show``: validate and display the merged configuration."""

from __future__ import annotations

import argparse

from raqib.commands.output import add_format_flag, print_json, print_table
from raqib.config import SETTINGS, load_config


def register(sub: argparse._SubParsersAction) -> None:
    cfg = sub.add_parser("config", help="check or show the configuration")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = cfg_sub.add_parser("check", help="validate raqib.toml and RAQIB_* variables; "
                                             "name every problem by its key")
    check.set_defaults(handler=check_config, needs_django=False)
    show = cfg_sub.add_parser("show", help="print every setting with its value and origin")
    add_format_flag(show)
    show.set_defaults(handler=show_config, needs_django=False)


def check_config(args: argparse.Namespace) -> int:
    config = load_config()  # an invalid one is reported by raqib.cli, exit code 2
    where = config.path or "built-in defaults (no raqib.toml found)"
    print(f"configuration OK: {where}; {len(config.sources)} source(s): "
          + (", ".join(s["name"] for s in config.sources) or "none"))
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
    if args.format == "json":
        print_json({"settings": rows, "sources": config.sources})
    else:
        print_table(rows, ["key", "value", "origin", "env"])
    return 0


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
