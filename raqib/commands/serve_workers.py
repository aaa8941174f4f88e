"""``raqib serve``'s pre-forking server: gunicorn with N worker processes over one socket.

Django pages are Python under the GIL: one process serves one page at a time, so
``raqib serve --workers N`` runs N gunicorn worker processes (``gthread``: each also keeps
a few threads for slow clients and keep-alive) that share one listening socket. The master
imports the application (after ``raqib.commands.runtime`` migrated the database) and
forks the workers; it restarts a worker that dies or stays silent longer than the worker
timeout. SIGTERM stops gracefully (requests in progress finish, up to ``GRACEFUL_SECONDS``),
SIGINT at once.

``bind_socket(host, port)`` binds the socket here, before gunicorn starts, so port 0 is
resolved and the URL printed first (tests and ``raqib run`` read it); gunicorn takes the
socket by descriptor. ``run_gunicorn(sock, workers, timeout)`` serves until stopped.
To change a server setting: add it to ``_options``; gunicorn's names are its documented
settings (https://docs.gunicorn.org/en/stable/settings.html).
"""

from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings
from gunicorn.app.base import BaseApplication

THREADS_PER_WORKER = 4
GRACEFUL_SECONDS = 20
MAX_WORKERS = 64


def default_workers() -> int:
    """The number of cores this process may use (at least 1, at most ``MAX_WORKERS``)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one. OSError when the
    address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _options(sock: socket.socket, workers: int, timeout: int) -> dict[str, Any]:
    return {
        "bind": [f"fd://{sock.fileno()}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "timeout": timeout,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": 5,
        "proc_name": "raqib-web",
        # Django decides whom to trust for X-Forwarded-* (review_ui.middleware,
        # web.proxy_addresses): gunicorn must not turn them into the URL scheme itself.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        # Bounded request heads; bodies over web.max_body_kb are refused by Django (413)
        # from the declared length, before they are read.
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "errorlog": "-",
        "loglevel": "info",
        "accesslog": None,
        "preload_app": True,
        # No runtime control interface (gunicornc): one more local door, and its default
        # path in the home directory would be shared by every server on the machine.
        "control_socket_disable": True,
        "pre_fork": _close_connections,
    }


def _close_connections(server: Any, worker: Any) -> None:
    """No database connection is shared across a fork: the master's (the migration's)
    closes before each worker is forked; each worker opens its own."""
    from django.db import connections

    connections.close_all()


class RaqibServer(BaseApplication):
    """gunicorn's application for ``raqib.wsgi.application`` with Raqib's options."""

    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def run_gunicorn(sock: socket.socket, workers: int, timeout: int) -> None:
    """Serve a new Django WSGI handler on ``sock`` with ``workers`` processes until
    SIGTERM/SIGINT (gunicorn exits the process with SystemExit)."""
    from django.core.wsgi import get_wsgi_application

    assert settings.configured
    # A new handler, not raqib.wsgi's: its whitenoise lists STATIC_ROOT now, after
    # raqib.staticfiles.ensure_collected (serve_forever) collected the hashed files.
    application = get_wsgi_application()
    RaqibServer(application, _options(sock, workers, timeout)).run()
