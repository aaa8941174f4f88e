"""A threaded static-file HTTP server on loopback, for the demo outlet and the tests.

It serves a directory with byte-range support (browsers and yt-dlp seek with Range) and
answers a missing file with 404. ``faults`` maps a URL path to a fault the server injects
instead of answering normally: an HTTP status (``{"/media/gone.mp4": 404}``) or a ``Fault``
for the rest of what outlets do to crawlers: 503/429 with ``Retry-After``, a dropped
connection, a truncated body (a ``Content-Length`` larger than what is sent), a stall
before answering or in the middle of the body, and "fail the first K requests, then
succeed" (``Fault(status=503, times=2)``) so retries can be tested. Every request is
recorded in ``requests`` (path, arrival time on ``time.monotonic()``), so tests can check
the delay between two requests and that a Retry-After was honoured; ``hits`` keeps the
paths alone. ``faults`` may be changed while the server runs.

To add a kind of fault: add a field to ``Fault`` and handle it in
``_FaultyHandler._inject``.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any


@dataclass
class Fault:
    """What the server does instead of (or while) answering one path.

    ``status``: answer with this HTTP status (with ``retry_after`` as the ``Retry-After``
    header: seconds or an HTTP date). ``drop``: close the connection without a response.
    ``truncate``: announce the full ``Content-Length``, send half the body, close.
    ``stall``: sleep that many seconds before answering, or after the first half of the
    body when ``stall_mid_body``. ``times``: inject the fault only for the first ``times``
    requests to the path, then answer normally (0: always).
    """

    status: int = 0
    retry_after: str | int | None = None
    drop: bool = False
    truncate: bool = False
    stall: float = 0.0
    stall_mid_body: bool = False
    times: int = 0


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it; ``time`` is ``time.monotonic()`` on arrival."""

    path: str
    time: float
    method: str = "GET"
    user_agent: str = ""


def as_fault(value: int | Fault) -> Fault:
    """A plain status code (the original ``faults`` form) as a ``Fault``."""
    return value if isinstance(value, Fault) else Fault(status=int(value))


class _FaultyHandler(http.server.SimpleHTTPRequestHandler):
    faults: dict[str, int | Fault] = {}
    hits: list[str]
    requests: list[RequestRecord]
    counts: dict[str, int]
    load: dict[str, int]
    lock: threading.Lock
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the
    # client's delayed ACK adds ~40 ms to every response on loopback.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return

    def handle_one_request(self) -> None:
        # Count requests being answered at once (tests check one at a time per host).
        with self.lock:
            self.load["now"] += 1
            self.load["peak"] = max(self.load["peak"], self.load["now"])
        try:
            super().handle_one_request()
        finally:
            with self.lock:
                self.load["now"] -= 1

    def send_head(self):  # noqa: ANN201 - stdlib signature
        path = self.path.split("?", 1)[0]
        with self.lock:
            self.hits.append(self.path)
            self.requests.append(RequestRecord(self.path, time.monotonic(), self.command,
                                               self.headers.get("User-Agent", "")))
            self.counts[path] = self.counts.get(path, 0) + 1
            nth = self.counts[path]
        fault = self.faults.get(path)
        if fault is not None:
            fault = as_fault(fault)
            if not fault.times or nth <= fault.times:
                return self._inject(fault)
        return self._serve()

    def _serve(self, fault: Fault | None = None):  # noqa: ANN202
        range_header = self.headers.get("Range")
        fs_path = Path(self.translate_path(self.path))
        if fault is not None and fs_path.is_file() and not range_header:
            return self._send_faulty_body(fs_path, fault)
        if not range_header or not fs_path.is_file():
            return super().send_head()
        return self._send_range(fs_path, range_header)

    def _inject(self, fault: Fault):  # noqa: ANN202
        if fault.stall and not fault.stall_mid_body:
            time.sleep(fault.stall)
        if fault.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)  # socket.SHUT_RDWR: no response at all
            return None
        if fault.status:
            self.send_response(fault.status)
            if fault.retry_after is not None:
                self.send_header("Retry-After", str(fault.retry_after))
            body = f"injected fault: HTTP {fault.status}\n".encode()
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return None
        if fault.truncate or fault.stall_mid_body:
            return self._serve(fault)
        return self._serve()

    def _send_faulty_body(self, fs_path: Path, fault: Fault):  # noqa: ANN202
        size = fs_path.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(fs_path)))
        self.send_header("Content-Length", str(size))
        self.end_headers()
        half = size // 2
        if fault.truncate:
            self.close_connection = True
            return _Limited(fs_path.open("rb"), half)
        return _Stalling(fs_path.open("rb"), half, fault.stall)

    def _send_range(self, fs_path: Path, range_header: str):  # noqa: ANN202
        size = fs_path.stat().st_size
        try:
            unit, spec = range_header.split("=", 1)
            start_s, end_s = spec.split(",")[0].strip().split("-", 1)
            if unit.strip() != "bytes":
                raise ValueError
            if start_s:
                start = int(start_s)
                end = int(end_s) if end_s else size - 1
            else:
                start, end = size - int(end_s), size - 1
        except ValueError:
            return super().send_head()
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        end = min(end, size - 1)
        fh = fs_path.open("rb")
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(fs_path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return _Limited(fh, end - start + 1)


class _Limited:
    """A file object that reads at most ``remaining`` bytes (for copyfile)."""

    def __init__(self, fh, remaining: int) -> None:  # noqa: ANN001
        self.fh, self.remaining = fh, remaining

    def read(self, n: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        n = self.remaining if n < 0 else min(n, self.remaining)
        data = self.fh.read(n)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.fh.close()


class _Stalling:
    """A file object that pauses ``stall`` seconds after the first ``first`` bytes."""

    def __init__(self, fh, first: int, stall: float) -> None:  # noqa: ANN001
        self.fh, self.first, self.stall, self.sent = fh, first, stall, 0

    def read(self, n: int = -1) -> bytes:
        if self.sent >= self.first > 0 and self.stall:
            time.sleep(self.stall)
            self.stall = 0.0
        if self.sent < self.first:
            n = self.first - self.sent if n < 0 else min(n, self.first - self.sent)
        data = self.fh.read(n)
        self.sent += len(data)
        return data

    def close(self) -> None:
        self.fh.close()


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        # A client that hung up on a stalled or faulty answer is what the tests expect.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


@dataclass
class StaticServer:
    """A running server; ``base_url`` has no trailing slash. Use as a context manager."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    faults: dict[str, int | Fault] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)

    def start(self) -> StaticServer:
        attrs: dict[str, Any] = {"faults": self.faults, "hits": self.hits,
                                 "requests": self.requests, "counts": {},
                                 "load": {"now": 0, "peak": 0}, "lock": threading.Lock()}
        handler = type("Handler", (_FaultyHandler,), attrs)
        self._counts, self._load = attrs["counts"], attrs["load"]
        self._httpd = _QuietServer(
            (self.host, self.port), partial(handler, directory=os.fspath(self.root)))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="raqib-static-server")
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def requests_to(self, path: str) -> list[RequestRecord]:
        """The recorded requests whose path (query string ignored) is ``path``."""
        return [r for r in list(self.requests) if r.path.split("?", 1)[0] == path]

    @property
    def peak_in_flight(self) -> int:
        """The most requests the server was answering at the same time."""
        return self._load["peak"]

    @property
    def in_flight(self) -> int:
        """How many requests the server is answering right now."""
        return self._load["now"]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being answered (a stalled handler from an earlier,
        abandoned request may still be sleeping); return whether it became idle."""
        deadline = time.monotonic() + timeout
        while self._load["now"] and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._load["now"]

    def reset_log(self) -> None:
        """Forget the recorded requests, the per-path counts that ``Fault.times`` uses and
        the in-flight peak."""
        self.hits.clear()
        self.requests.clear()
        self._counts.clear()
        self._load["peak"] = 0

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
