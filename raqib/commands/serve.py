"""``raqib serve``: the review web UI, N pre-forked gunicorn worker processes
(``raqib.commands.serve_workers``; ``raqib run`` and the compose file start it).

``serve_forever(host, port, workers)`` binds the socket, prints the URL line
("Raqib review UI: http://HOST:PORT/ ...", port 0 resolved to the port picked; tests and
operators read it) and serves until SIGTERM/SIGINT. Static files are served by whitenoise
inside the Django application, so nothing else is needed: before the workers start,
``raqib.staticfiles.ensure_collected`` collects them into ``STATIC_ROOT`` when missing or
stale (hashed names, gzip and Brotli copies, a manifest), and whitenoise sends them cached
for ever (``immutable``). The in-process waitress server below collects nothing: it serves
what was collected, else the apps' plain files (cached 60 s).

In-process embedding (one thread, no fork) stays on waitress: ``make_server(host, port)``
builds it, ``serve_in_thread(host, port)`` runs it in a daemon thread, ``stop_server``
stops it; read the port back from ``server_url(server)``. Parser:
``raqib.commands.parsers.serve``.
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from typing import Any

import waitress
from django.conf import settings
from waitress import wasyncore

from raqib import staticfiles
from raqib.commands import serve_workers
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
    return serve_forever(host, port, args.workers)


def resolve_workers(workers: int | None) -> int:
    """``--workers`` when given, else ``web.workers`` (0: the number of cores); exit 2
    when out of 1..MAX_WORKERS."""
    if workers is None:
        workers = settings.CONFIG.get("web.workers") or serve_workers.default_workers()
    if not 1 <= workers <= serve_workers.MAX_WORKERS:
        raise CommandError(f"web workers must be 1 to {serve_workers.MAX_WORKERS}, "
                           f"not {workers}")
    return workers


def serve_forever(host: str, port: int, workers: int | None = None) -> int:
    """Serve the web UI with ``workers`` processes until SIGTERM/SIGINT; CommandError
    (exit 1) if it cannot listen, (exit 2) for a bad number of workers."""
    count = resolve_workers(workers)
    timeout = settings.CONFIG.get("web.worker_timeout")
    if timeout < 1:
        raise CommandError(f"web.worker_timeout must be at least 1 second, not {timeout}")
    staticfiles.ensure_collected()  # before the URL line: the first page links hashed names
    try:
        sock = serve_workers.bind_socket(host, port)
    except (OSError, OverflowError) as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc}", code=1) from exc
    print(f"Raqib review UI: {serve_workers.socket_url(sock)}  ({count} worker "
          f"process{'es' if count > 1 else ''}; Ctrl-C to stop)", flush=True)
    try:
        serve_workers.run_gunicorn(sock, count, timeout)
    except SystemExit as stop:  # gunicorn ends with sys.exit(status)
        return int(stop.code or 0)
    finally:
        with contextlib.suppress(OSError):  # gunicorn closes it when it stops
            sock.close()
    return 0
