"""Parser of ``raqib serve`` (handler: ``raqib.commands.serve``).

To add an option: add the flag here and read it in ``serve_command``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="serve the review web UI (waitress); defaults from "
                                         "web.host and web.port")
    flags.add_web_address(serve, "address to listen on (default: web.host, 127.0.0.1)",
                          "port to listen on (default: web.port, 8000; 0 picks a free port)")
    flags.set_handler(serve, "raqib.commands.serve:serve_command")
