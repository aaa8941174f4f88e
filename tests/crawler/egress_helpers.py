"""Loopback HTTP servers for the egress-guard tests: each answers from a route table
(status, headers, body) and records every request it received, so a test proves that the
internal server was never reached."""

from __future__ import annotations

import http.server
import threading
from typing import Any


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hits: list[str] = []

    def _answer(self, body: bool) -> None:
        self.hits.append(self.path)
        status, headers, payload = self.routes.get(
            self.path.split("?", 1)[0], (404, {}, b"not here"))
        self.send_response(status)
        for name, value in {"Content-Length": str(len(payload)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(False)

    def log_message(self, *args: Any) -> None:
        pass


class RouteServer:
    """``with RouteServer() as s``: ``s.route(path, status, body, **headers)``,
    ``s.redirect(path, to)``; ``s.hits`` lists the paths requested."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[str] = []
        handler = type("Handler", (_Handler,), {"routes": self.routes, "hits": self.hits})
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def route(self, path: str, body: bytes | str = b"", status: int = 200,
              content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type}, data)

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": to}, b"")

    def __enter__(self) -> RouteServer:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
