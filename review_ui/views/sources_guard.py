"""What a source added in the web UI may point at (issue 14: SSRF and file probing).

An admin's browser session is worth stealing: whoever holds it must not be able to make
Raqib's crawler fetch the cloud metadata service, a database on the private network or
a file on the server. So a source declared in the UI may not name a URL whose host is, or
resolves to, a loopback, private, link-local (metadata), multicast, reserved or
unspecified address, unless ``web.source_allowed_hosts`` names the host or
``web.source_allowed_networks`` holds the address. Its ``cookies`` file must lie in
``web.cookies_dir`` (default DATA_DIR/cookies); a path outside is refused without looking
at the file system, so the form cannot probe which files exist. Sources declared in
raqib.toml are the operator's and never pass through here.

A host name that does not resolve now is accepted (nothing can be fetched from it); the
check runs again at every save. To guard another key: values are found by walking the
whole entry, so any http(s) URL anywhere in it is checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalog.urls import is_http_url
from raqib.config import Config

BLOCKED_NAMES = ("localhost", "localhost.localdomain", "metadata.google.internal")
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _csv(config: Config, key: str) -> list[str]:
    return [v.strip() for v in str(config.get(key)).split(",") if v.strip()]


def _urls(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str) and (is_http_url(value) or (
            where.endswith("proxy") and "://" in value)):  # socks5://… proxies too
        yield where, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _urls(inner, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _urls(inner, f"{where}[{i}]")


def _forbidden(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified)


def _addresses(host: str) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    found = []
    for info in infos:
        try:
            found.append(ipaddress.ip_address(info[4][0].split("%", 1)[0]))
        except ValueError:
            continue
    return found


def url_problems(entry: dict[str, Any], config: Config) -> list[tuple[str, str]]:
    """(key, problem) for each URL of the entry that points somewhere internal."""
    allowed_hosts = {h.lower() for h in _csv(config, "web.source_allowed_hosts")}
    networks = []
    for text in _csv(config, "web.source_allowed_networks"):
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue
    problems = []
    for key, url in _urls(entry, ""):
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if host in allowed_hosts:
            continue
        named_internal = host in BLOCKED_NAMES or host.endswith(BLOCKED_SUFFIXES)
        bad = [] if named_internal else [
            a for a in _addresses(host) if _forbidden(a) and not any(a in n for n in networks)]
        if named_internal or bad:
            what = f" ({bad[0]})" if bad and str(bad[0]) != host else ""
            problems.append((key, f"{key}: {host}{what} is a loopback, private, link-local or "
                                  "metadata address; a source added here may not point "
                                  "inside the network (an operator can allow the host in "
                                  "web.source_allowed_hosts)"))
    return problems


def cookies_dir(config: Config) -> Path:
    configured = str(config.get("web.cookies_dir")).strip()
    return (Path(configured).expanduser() if configured else config.data_dir / "cookies"
            ).resolve()


def cookies_path(value: Any, config: Config) -> tuple[str | None, str | None]:
    """(absolute path inside the cookies dir, None) or (None, problem); the file system is
    only consulted (by the schema check) for a path inside the directory."""
    if not isinstance(value, str) or not value.strip():
        return None, f"cookies: the name of a cookies.txt file in {cookies_dir(config)}"
    base = cookies_dir(config)
    path = Path(value.strip())
    candidate = path if path.is_absolute() else base / path
    # Lexical check first (no access to the file system outside the directory) ...
    normal = Path(*[p for p in candidate.parts if p not in (".",)])
    if ".." in normal.parts or not normal.is_relative_to(base):
        return None, f"cookies: only files in {base} may be used by a source added here"
    # ... then the real path, so a symbolic link cannot lead out either.
    real = candidate.resolve()
    if not real.is_relative_to(base):
        return None, f"cookies: only files in {base} may be used by a source added here"
    return str(real), None
