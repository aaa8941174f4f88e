"""``raqib serve``: the review web UI on waitress (a pure-Python WSGI server).

``make_server(host, port)`` builds the server without running it and
``serve_in_thread(host, port)`` runs it in a daemon thread (``raqib run`` uses it to serve
the UI beside the workers); ``stop_server(server, thread)`` shuts it down. Port 0 picks a
free port: read it back from ``server_url(server)``. Static files are served by
whitenoise inside the Django application, so nothing else is needed. Parser:
``raqib.commands.parsers.serve``.
"""

from __future__ import annotations

import argparse
import threading
from typing import Any

import waitress
from django.conf import settings
from waitress import wasyncore

from raqib.commands.output import CommandError
from raqib.wsgi import application

THREADS = 8


def make_server(host: str, port: int) -> Any:
    """A waitress server for ``raqib.wsgi.application`` bound to (host, port), not running."""
    # The body limit also at the server: waitress buffers a body before Django sees it.
    # Behind the TLS proxy waitress passes X-Forwarded-* on; Django decides whom to trust
    # (review_ui.middleware.ProxyHeadersMiddleware, web.proxy_addresses).
    return waitress.create_server(application, host=host, port=port, threads=THREADS,
                                  ident="raqib",
                                  max_request_body_size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
                                  clear_untrusted_proxy_headers=not settings.TLS_PROXY)


def server_url(server: Any) -> str:
    host = str(server.effective_host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.effective_port}/"


def serve_in_thread(host: str, port: int) -> tuple[Any, threading.Thread]:
    """Start the web UI in a daemon thread; returns (server, thread)."""
    server = make_server(host, port)
    thread = threading.Thread(target=server.run, name="raqib-web", daemon=True)
    thread.start()
    return server, thread


def stop_server(server: Any, thread: threading.Thread | None = None,
                timeout: float = 5.0) -> None:
    """Stop a server started by ``serve_in_thread`` and wait for its thread."""
    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)
    if thread is not None:
        thread.join(timeout)


def serve_command(args: argparse.Namespace) -> int:
    host = args.host or settings.CONFIG.get("web.host")
    port = args.port if args.port is not None else settings.CONFIG.get("web.port")
    return serve_forever(host, port)


def serve_forever(host: str, port: int) -> int:
    """Serve the web UI in this thread until interrupted; CommandError (exit 1) if it
    cannot listen."""
    try:
        server = make_server(host, port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc}", code=1) from exc
    print(f"Raqib review UI: {server_url(server)}  (Ctrl-C to stop)", flush=True)
    try:
        server.run()
    finally:
        stop_server(server)
    return 0
