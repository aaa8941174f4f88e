"""What a source added in the web UI may point at (issue 14: SSRF and file probing).

An admin's browser session is worth stealing: whoever holds it must not be able to make
Raqib's crawler fetch the cloud metadata service, a database on the private network or
a file on the server. So a source declared in the UI may not name a URL whose host is, or
resolves to, an address that is not globally routable (``crawler.egress.is_public``:
``ipaddress``'s ``is_global`` after unwrapping IPv4-mapped, 6to4, Teredo and NAT64
addresses), unless ``web.source_allowed_hosts`` names the host (or ``host:port``) or
``web.source_allowed_networks`` holds the address. This is the form's check; the same
rule is applied again by every fetch, at connect time, on every hop (``crawler.egress``).
Its ``cookies`` file must lie in
``web.cookies_dir`` (default DATA_DIR/cookies); a path outside is refused without looking
at the file system, so the form cannot probe which files exist. Sources declared in
raqib.toml are the operator's and never pass through here.

A host name that does not resolve now is accepted (nothing can be fetched from it); the
check runs again at every save and, above all, at every connection. To guard another
key: values are found by walking the
whole entry, so any http(s) URL anywhere in it is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalog.urls import is_http_url
from crawler.egress import EgressPolicy, url_problem
from raqib.config import Config

BLOCKED_NAMES = ("localhost", "localhost.localdomain", "metadata.google.internal")
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")
HINT = ("a source added here may only point at public addresses (an operator can allow "
        "a host in web.source_allowed_hosts or a network in web.source_allowed_networks)")


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


def url_problems(entry: dict[str, Any], config: Config) -> list[tuple[str, str]]:
    """(key, problem) for each URL of the entry that points somewhere internal: a name
    reserved for internal hosts, or a host resolving to an address that is not public
    (``crawler.egress``: the same rule every fetch of this source is held to)."""
    policy = EgressPolicy.from_config(config)
    problems = []
    for key, url in _urls(entry, ""):
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        try:
            port = urlsplit(url).port
        except ValueError:
            problems.append((key, f"{key}: the port of {url} is not a number"))
            continue
        if policy.host_allowed(host, port):
            continue
        if host in BLOCKED_NAMES or host.endswith(BLOCKED_SUFFIXES):
            problems.append((key, f"{key}: {host} names an internal host; {HINT}"))
            continue
        problem = url_problem(url, policy)
        if problem:
            problems.append((key, f"{key}: {problem}"))
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
