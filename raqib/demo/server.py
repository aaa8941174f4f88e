"""A threaded static-file HTTP server on loopback, for the demo outlet and the tests.

It serves a directory with byte-range support (browsers and yt-dlp seek with Range) and
answers a missing file with 404. ``faults`` maps a URL path to an HTTP status the server
answers with instead (e.g. ``{"/media/gone.mp4": 404}``), so tests and the demo can show
how failures are recorded. To add a kind of fault: extend ``_FaultyHandler.send_head``.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path


class _FaultyHandler(http.server.SimpleHTTPRequestHandler):
    faults: dict[str, int] = {}
    hits: list[str]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return

    def send_head(self):  # noqa: ANN201 - stdlib signature
        self.hits.append(self.path)
        path = self.path.split("?", 1)[0]
        status = self.faults.get(path)
        if status:
            self.send_error(status)
            return None
        range_header = self.headers.get("Range")
        fs_path = Path(self.translate_path(self.path))
        if not range_header or not fs_path.is_file():
            return super().send_head()
        return self._send_range(fs_path, range_header)

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


@dataclass
class StaticServer:
    """A running server; ``base_url`` has no trailing slash. Use as a context manager."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def start(self) -> StaticServer:
        handler = type("Handler", (_FaultyHandler,), {"faults": self.faults, "hits": self.hits})
        self._httpd = http.server.ThreadingHTTPServer(
            (self.host, self.port), partial(handler, directory=os.fspath(self.root)))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="raqib-static-server")
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
