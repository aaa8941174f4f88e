"""The one egress guard: where a source added in the web UI may make Raqib connect.

An admin's browser session is worth stealing, and an outlet's page may redirect anywhere.
So for a source declared in the review UI (``raqib.sources_sync.is_ui_source``), every
connection any fetcher opens for it — the Scrapy crawl, the WARC snapshot, yt-dlp's
requests, the HLS recorder — must go to a **globally routable** address: the address
actually connected to, checked at the moment of connecting, on every hop (redirects
included) and after every name resolution (so DNS rebinding gains nothing). "Globally
routable" is ``ipaddress``'s ``is_global`` (not a list of bad ranges), after unwrapping the
IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64
``64:ff9b::/96``) to that IPv4 address; multicast and site-local (``fec0::/10``) are never
global. Exceptions are the operator's: ``web.source_allowed_hosts`` (``host`` or
``host:port``; a name is resolved when the guard is armed) and
``web.source_allowed_networks`` (CIDR). Sources in raqib.toml are the operator's and are
not guarded (``CrawlSettings.egress`` is None for them).

How: ``guard(policy)`` arms the policy for the current thread (``arm_process`` for a whole
process, the Scrapy subprocess) and, once per process, wraps ``socket.socket.connect`` and
``connect_ex``: a connection to an address the policy refuses raises ``EgressRefused`` (an
``OSError``, EACCES, whose message says which address and why) before any packet leaves.
Every Python client (http.client, urllib, yt-dlp's handlers, Twisted) connects through
these methods, so one check covers them all; ``check_url`` is the same rule applied to a
URL beforehand (the source form, Scrapy's per-request check) for a readable reason.
Refusals are also kept on the armed state (``refusals``) for callers whose library turns
the error into a bare errno (Twisted).

Limits: a proxy configured on a source is what is connected to (the form checks proxy
URLs alike); programs started as subprocesses (ffmpeg, rtmpdump) are outside the guard,
so yt-dlp is kept to its native downloaders for guarded sources
(``ytdlp_guard_options``). To guard another fetcher: pass it ``CrawlSettings`` and wrap
its fetch in ``with guard(settings.egress):``.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPAT = ipaddress.ip_network("::/96")
_HINT = ("a source added in the web UI may only reach public addresses; an operator can "
         "allow it in web.source_allowed_hosts or web.source_allowed_networks")


class EgressRefused(OSError):
    """A connection (or URL) the egress policy refuses; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EACCES, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPAT and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """True when ``address`` (or the IPv4 address it wraps) is globally routable."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False
    return address.is_global and not address.is_multicast


def _split_host_port(text: str) -> tuple[str, int | None]:
    text = text.strip().lower().rstrip(".")
    if text.startswith("["):  # [v6] or [v6]:port
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port) if port.isdigit() else None
    return text, None


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def resolve(host: str, port: int | None = None) -> list[Address]:
    """Every address ``host`` resolves to now (an IP literal is itself); [] if none."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    found: list[Address] = []
    for info in infos:
        address = _literal(str(info[4][0]))
        if address is not None and address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class EgressPolicy:
    """What a guarded fetch may connect to besides public addresses (JSON-safe: it
    travels to the Scrapy subprocess inside ``CrawlSettings``)."""

    allowed_hosts: tuple[str, ...] = ()  # "host" or "host:port", as configured
    allowed_networks: tuple[str, ...] = ()  # CIDR

    @classmethod
    def from_config(cls, config: Any) -> EgressPolicy:
        """The policy of ``web.source_allowed_hosts`` / ``web.source_allowed_networks``."""
        def items(key: str) -> tuple[str, ...]:
            return tuple(v.strip() for v in str(config.get(key) or "").split(",")
                         if v.strip())
        return cls(items("web.source_allowed_hosts"), items("web.source_allowed_networks"))

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> EgressPolicy | None:
        if data is None:
            return None
        return cls(tuple(data.get("allowed_hosts") or ()),
                   tuple(data.get("allowed_networks") or ()))

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        found = []
        for text in self.allowed_networks:
            with contextlib.suppress(ValueError):
                found.append(ipaddress.ip_network(text, strict=False))
        return found

    def host_allowed(self, host: str, port: int | None) -> bool:
        """True when ``host`` (with ``port``) is named in ``web.source_allowed_hosts``."""
        host = host.lower().rstrip(".").strip("[]")
        for entry in self.allowed_hosts:
            name, allowed_port = _split_host_port(entry)
            if name.strip("[]") == host and allowed_port in (None, port):
                return True
        return False

    def vouched(self) -> set[tuple[Address, int | None]]:
        """(address, port or None for any) of every allowed host, resolved now."""
        found: set[tuple[Address, int | None]] = set()
        for entry in self.allowed_hosts:
            name, port = _split_host_port(entry)
            for address in resolve(name.strip("[]")):
                found.add((address, port))
        return found


@dataclass
class _Armed:
    policy: EgressPolicy
    vouched: set[tuple[Address, int | None]]
    networks: list[Any]
    refusals: list[str] = field(default_factory=list)

    def allows(self, address: Address, port: int | None) -> bool:
        plain = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) \
            and address.ipv4_mapped else address
        return (is_public(address) or any(plain in n for n in self.networks
                                          if plain.version == n.version)
                or (plain, port) in self.vouched or (plain, None) in self.vouched)

    def refuse(self, what: str, address: Address, port: int | None) -> EgressRefused:
        message = (f"refused to connect to {what}{f' ({address})' if str(address) != what else ''}"
                   f"{f' port {port}' if port else ''}: not a public address; {_HINT}")
        self.refusals.append(message)
        return EgressRefused(message)


_local = threading.local()
_process: _Armed | None = None
_install_lock = threading.Lock()
_installed = False


def _armed() -> _Armed | None:
    return getattr(_local, "armed", None) or _process


def _checked_address(sock: socket.socket, address: Any) -> Any:
    """``address`` if the armed policy lets ``sock`` connect to it, else raise; a name is
    resolved here and the checked address connected to (no second lookup)."""
    state = _armed()
    if state is None or sock.family not in (socket.AF_INET, socket.AF_INET6) \
            or not isinstance(address, tuple):
        return address
    host, port = str(address[0]), int(address[1])
    literal = _literal(host)
    candidates = [literal] if literal is not None else resolve(host, port)
    if not candidates:
        raise EgressRefused(f"refused to connect to {host}: the name does not resolve")
    for candidate in candidates:
        if not state.allows(candidate, port):
            raise state.refuse(host, candidate, port)
    if literal is None:
        return (str(candidates[0]), port, *address[2:])
    return address


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex

        def connect(self: socket.socket, address: Any) -> None:
            return original_connect(self, _checked_address(self, address))

        def connect_ex(self: socket.socket, address: Any) -> int:
            return original_connect_ex(self, _checked_address(self, address))

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        _installed = True


def _arm(policy: EgressPolicy) -> _Armed:
    _install()
    return _Armed(policy, policy.vouched(), policy.networks())


@contextlib.contextmanager
def guard(policy: EgressPolicy | None) -> Iterator[_Armed | None]:
    """Apply ``policy`` to every connection this thread opens inside the block (nothing
    when ``policy`` is None: an operator's source)."""
    if policy is None:
        yield None
        return
    previous = getattr(_local, "armed", None)
    _local.armed = state = _arm(policy)
    try:
        yield state
    finally:
        _local.armed = previous


def arm_process(policy: EgressPolicy) -> _Armed:
    """Apply ``policy`` to every connection of this process, every thread (the Scrapy
    subprocess, whose reactor and resolver threads all fetch for one source)."""
    global _process
    _process = _arm(policy)
    return _process


def url_problem(url: str, policy: EgressPolicy) -> str | None:
    """Why ``url`` may not be fetched under ``policy`` (its host resolves to an address
    that is not public and not allowed), or None. A name that does not resolve now is
    no problem here: nothing can be fetched from it, and connecting checks again."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return f"{url}: the port is not a number"
    if not host:
        return None
    state = _Armed(policy, set(), policy.networks())
    if policy.host_allowed(host, port):
        return None
    for address in resolve(host, port):
        if not state.allows(address, port):
            return state.refuse(host, address, port).message
    return None


def check_url(url: str, policy: EgressPolicy | None) -> None:
    """Raise ``EgressRefused`` when ``url`` may not be fetched under ``policy``."""
    problem = url_problem(url, policy) if policy is not None else None
    if problem:
        raise EgressRefused(problem)


def ytdlp_guard_options(policy: EgressPolicy | None) -> dict[str, Any]:
    """yt-dlp options that keep every request of a guarded source inside this process
    (native downloaders only, one fragment at a time on the guarded thread)."""
    if policy is None:
        return {}
    return {"external_downloader": {"default": "native"}, "hls_prefer_native": True,
            "concurrent_fragment_downloads": 1}
