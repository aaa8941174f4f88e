"""Validation of ``[[sources]]`` tables (``raqib.toml``, the admin source form), and the
interval syntax the collection stage reads ("30m", "6h", "1d": ``parse_interval``).

Every source has ``name``, ``outlet``, ``kind``, an optional ``interval``, ``language``
(default "ar"), ``robots`` and ``enabled`` (default true) and the other ``COMMON_KEYS``;
each kind adds its own keys, declared by its collector class (``Collector.config_keys``,
``{key: required}``) and read here through ``crawler.registry.COLLECTORS``. ``KIND_KEYS``
is that view: kind → its keys, loading a collector module only when its kind is asked for.

To add a source kind: declare its keys on its collector (see ``crawler.registry``); nothing
here changes. A key whose value needs checking gets a line in ``VALUE_CHECKS`` (the same
check for every kind that declares the key); a check only one kind needs is that
collector's ``check_config``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.patterns import compile_pattern
from crawler.registry import COLLECTORS

COMMON_KEYS = {"name", "outlet", "kind", "interval", "language", "robots", "enabled",
               "timezone", "max_filesize_mb", "max_duration"}


class _KindKeys(Mapping[str, Mapping[str, bool]]):
    """kind -> {key: required?}, read from the registered collectors' ``config_keys``."""

    def __getitem__(self, kind: str) -> Mapping[str, bool]:
        if kind not in COLLECTORS:
            raise KeyError(kind)
        return COLLECTORS.load(kind).config_keys

    def __iter__(self) -> Iterator[str]:
        return iter(COLLECTORS.names())

    def __len__(self) -> int:
        return len(COLLECTORS)

    def __contains__(self, kind: object) -> bool:
        return isinstance(kind, str) and kind in COLLECTORS


KIND_KEYS: Mapping[str, Mapping[str, bool]] = _KindKeys()

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


MAX_INTERVAL_SECONDS = 366 * 86400  # a year: anything longer is a typo or an attack


def parse_interval(text: str) -> int:
    """Return seconds for an interval like "45m" or "6h"; raise ValueError otherwise
    (also past ``MAX_INTERVAL_SECONDS``, which no date arithmetic overflows)."""
    match = _INTERVAL.match(str(text)[:64])
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{str(text)[:64]!r} is not an interval like '30m', '6h' or '1d'")
    if len(match.group(1)) > 12 or int(match.group(1)) * _UNITS[match.group(2)] \
            > MAX_INTERVAL_SECONDS:
        raise ValueError(f"{str(text)[:64]!r} is past the longest interval, 366d")
    return int(match.group(1)) * _UNITS[match.group(2)]


def is_url(value: Any) -> bool:
    """Whether ``value`` is an absolute http(s) URL."""
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _check_common(src: dict[str, Any], where: str, problems: list[str]) -> None:
    name = src.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(f"{where}.name: required; letters, digits, '.', '_' or '-' "
                        f"(at most 64), got {name!r}")
    outlet = src.get("outlet")
    if not isinstance(outlet, str) or not outlet.strip():
        problems.append(f"{where}.outlet: required, the outlet's display name")
    language = src.get("language", "ar")
    if not isinstance(language, str) or not re.match(r"^[a-z]{2,3}$", language):
        problems.append(f"{where}.language: an ISO 639 code like 'ar', got {language!r}")
    for flag in ("robots", "enabled"):
        if flag in src and not isinstance(src[flag], bool):
            problems.append(f"{where}.{flag}: must be true or false, got {src[flag]!r}")


def _check_kind_keys(src: dict[str, Any], where: str, problems: list[str]) -> None:
    kind = src.get("kind")
    if kind not in KIND_KEYS:
        problems.append(f"{where}.kind: {kind!r} is not one of {', '.join(sorted(KIND_KEYS))}")
        return
    collector = COLLECTORS.load(kind)
    allowed = collector.config_keys
    for key in src:
        if key not in COMMON_KEYS and key not in allowed:
            problems.append(f"{where}.{key}: unknown key for kind {kind!r} "
                            f"(known: {', '.join(sorted(COMMON_KEYS | set(allowed)))})")
    for key, required in allowed.items():
        if required and key not in src:
            problems.append(f"{where}.{key}: required for kind {kind!r}")
    problems.extend(f"{where}.{key}: {message}" for key, message in collector.check_config(src))


_PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")


def _check_url(value: Any, base_dir: Path | None) -> Any:
    if not is_url(value):
        raise ValueError(f"an http(s) URL, got {value!r}")
    return value


def _check_regex(value: Any, base_dir: Path | None) -> Any:
    compile_pattern(value)  # RE2: linear time, or refused with the reason (crawler.patterns)
    return value


def _check_cookies(value: Any, base_dir: Path | None) -> Any:
    """A cookies.txt (Netscape format) path; relative paths are relative to raqib.toml."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"the path of a cookies.txt file, got {value!r}")
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        raise ValueError(f"cookies file {str(path)!r} does not exist")
    return str(path.resolve())


def _check_proxy(value: Any, base_dir: Path | None) -> Any:
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in _PROXY_SCHEMES or not parsed.hostname:
        raise ValueError(f"a proxy URL like 'http://host:3128' or 'socks5://host:1080' "
                         f"({', '.join(_PROXY_SCHEMES)}), got {value!r}")
    return value


def _check_positive_int(value: Any, base_dir: Path | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"a whole number above 0, got {value!r}")
    return value


def _check_interval(value: Any, base_dir: Path | None) -> Any:
    parse_interval(value)
    return value


def _check_timezone(value: Any, base_dir: Path | None) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"an IANA time zone like 'Asia/Damascus', got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known IANA time zone "
                         f"(e.g. 'Asia/Damascus', 'UTC')") from None
    return value


# key -> check(value, directory of raqib.toml) returning the normalised value or raising
# ValueError with a message that completes "sources[i].key: ...".
VALUE_CHECKS: dict[str, Callable[[Any, Path | None], Any]] = {
    "url": _check_url,
    "url_pattern": _check_regex,
    "cookies": _check_cookies,
    "proxy": _check_proxy,
    "max_items": _check_positive_int,
    "chunk": _check_interval,
    "timezone": _check_timezone,
    "max_filesize_mb": _check_positive_int,
    "max_duration": _check_interval,
}


def _check_values(src: dict[str, Any], where: str, problems: list[str],
                  base_dir: Path | None) -> dict[str, Any]:
    """Check the values of the keys in ``VALUE_CHECKS``; return the normalised ones."""
    allowed = COMMON_KEYS | set(KIND_KEYS.get(src.get("kind"), {}))
    normalised: dict[str, Any] = {}
    for key, check in VALUE_CHECKS.items():
        if key in src and key in allowed:
            try:
                normalised[key] = check(src[key], base_dir)
            except ValueError as exc:
                problems.append(f"{where}.{key}: {exc}")
    return normalised


def validate_sources(raw: Any, default_interval: str,
                     base_dir: Path | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Return (normalised sources, problems). Problems name the key, e.g. ``sources[1].kind``.
    ``base_dir`` (the directory of raqib.toml) anchors relative file paths (``cookies``)."""
    problems: list[str] = []
    if not isinstance(raw, list):
        return [], ["sources: must be an array of tables, written [[sources]]"]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, src in enumerate(raw):
        where = f"sources[{i}]"
        if not isinstance(src, dict):
            problems.append(f"{where}: must be a table")
            continue
        if isinstance(src.get("name"), str):
            where = f"sources[{i}] ({src['name']})"
        before = len(problems)
        _check_common(src, where, problems)
        _check_kind_keys(src, where, problems)
        values = _check_values(src, where, problems, base_dir)
        interval = src.get("interval", default_interval)
        try:
            seconds = parse_interval(interval)
        except ValueError as exc:
            problems.append(f"{where}.interval: {exc}")
            seconds = 0
        if src.get("name") in seen:
            problems.append(f"{where}.name: duplicate source name {src['name']!r}")
        seen.add(src.get("name"))
        if len(problems) == before:
            norm = dict(src)
            norm.update(values)
            norm.setdefault("language", "ar")
            norm.setdefault("robots", True)
            norm.setdefault("enabled", True)
            norm["interval_seconds"] = seconds
            out.append(norm)
    return out, problems
