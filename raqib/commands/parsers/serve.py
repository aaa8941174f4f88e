"""Parser of ``raqib serve`` (handler: ``raqib.commands.serve``).

To add an option: add the flag here and read it in ``serve_command``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="serve the review web UI (gunicorn worker "
                                         "processes); defaults from web.host, web.port "
                                         "and web.workers")
    flags.add_web_address(serve, "address to listen on (default: web.host, 127.0.0.1)",
                          "port to listen on (default: web.port, 8000; 0 picks a free port)")
    serve.add_argument("--workers", type=_workers, metavar="N",
                       help="web worker processes, 1 to 64 (default: web.workers; "
                            "0 there means the number of cores)")
    flags.set_handler(serve, "raqib.commands.serve:serve_command")


def _workers(text: str) -> int:
    """1..64, or argparse's readable error (exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be 1 to 64, not {value}")
    return value
