"""The ``[[webhooks]]`` tables of ``raqib.toml``: receivers of Raqib's outbound events.

Each table::

    [[webhooks]]
    name = "partner-desk"          # optional; unique; default: the URL
    url = "https://hooks.example.org/raqib"
    secret_file = "secrets/partner-desk.key"   # or: secret = "..." (at least 16 characters)
    events = ["incident.confirmed", "alert.created"]
    timeout = 10                   # optional; seconds per attempt (default 10, at most 120)

``validate_webhooks(doc, base_dir)`` returns the receivers as dicts (``name``, ``url``,
``secret``, ``events``, ``timeout``; a ``secret_file`` is read, relative to the file's
directory) and a list of problems, each naming the table and key, which ``raqib.config``
reports with the rest. The events are ``review.webhooks.EVENTS`` (kept equal by a test).
To add a key: here, in ``docs/configuration.md`` and where ``review.webhooks`` reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

EVENTS = ("incident.confirmed", "alert.created")
KEYS = {"name", "url", "secret", "secret_file", "events", "timeout"}
MIN_SECRET = 16
MAX_TIMEOUT = 120.0


def _url(value: Any, where: str, problems: list[str]) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"{where}.url: expected an http(s) URL, got {value!r}")
        return ""
    return value


def _secret(table: dict[str, Any], where: str, base_dir: Path, problems: list[str]) -> str:
    if ("secret" in table) == ("secret_file" in table):
        problems.append(f"{where}: give exactly one of secret or secret_file")
        return ""
    if "secret" in table:
        secret = table["secret"]
        origin = f"{where}.secret"
    else:
        path = table["secret_file"]
        origin = f"{where}.secret_file"
        if not isinstance(path, str) or not path:
            problems.append(f"{origin}: expected a file path, got {path!r}")
            return ""
        file = (base_dir / path).expanduser()
        try:
            secret = file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{origin}: cannot read {str(file)!r}: "
                            f"{getattr(exc, 'strerror', None) or exc}")
            return ""
    if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET:
        problems.append(f"{origin}: the secret must be text of at least {MIN_SECRET} "
                        "characters")
        return ""
    return secret.strip()


def _events(value: Any, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        problems.append(f"{where}.events: expected a non-empty list of event names "
                        f"({', '.join(EVENTS)}), got {value!r}")
        return []
    unknown = [e for e in value if e not in EVENTS]
    if unknown:
        problems.append(f"{where}.events: unknown event(s) {', '.join(map(repr, unknown))} "
                        f"(known: {', '.join(EVENTS)})")
    return list(dict.fromkeys(value))


def _timeout(value: Any, where: str, problems: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 < value <= MAX_TIMEOUT):
        problems.append(f"{where}.timeout: expected seconds, more than 0 and at most "
                        f"{MAX_TIMEOUT:g}, got {value!r}")
        return 10.0
    return float(value)


def validate_webhooks(tables: Any, base_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The receivers of ``[[webhooks]]`` and the problems found (see the module doc)."""
    problems: list[str] = []
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        return [], ["webhooks: must be an array of tables like [[webhooks]]"]
    hooks: list[dict[str, Any]] = []
    for i, table in enumerate(tables):
        where = f"webhooks[{i}]"
        for key in sorted(set(table) - KEYS):
            problems.append(f"{where}.{key}: unknown key (known: {', '.join(sorted(KEYS))})")
        if "url" not in table:
            problems.append(f"{where}.url: required")
        if "events" not in table:
            problems.append(f"{where}.events: required")
        url = _url(table.get("url"), where, problems) if "url" in table else ""
        name = table.get("name", url)
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            problems.append(f"{where}.name: expected text of 1 to 200 characters, got {name!r}")
            name = ""
        hooks.append({"name": name.strip(), "url": url,
                      "secret": _secret(table, where, base_dir, problems),
                      "events": _events(table["events"], where, problems)
                      if "events" in table else [],
                      "timeout": _timeout(table.get("timeout", 10.0), where, problems)})
    names = [h["name"] for h in hooks if h["name"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"webhooks: the name {name!r} is used twice (names must be unique)")
    return hooks, problems
