"""Parser of ``raqib webhooks list|deliveries|send`` (handlers: ``raqib.commands.webhooks``).

Operator commands: they read the outbox of outbound webhooks (``review.webhooks``) and the
receivers of ``[[webhooks]]`` in ``raqib.toml``; ``send`` posts the due deliveries now, as
the scheduler does. To add an option: the flag here and its use in the handler.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags

HANDLERS = "raqib.commands.webhooks"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("webhooks", help="outbound webhooks: receivers and deliveries")
    p_sub = p.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    listed = p_sub.add_parser("list", help="the receivers of [[webhooks]] with their counts")
    flags.add_format(listed)
    flags.set_handler(listed, f"{HANDLERS}:list_command")
    deliveries = p_sub.add_parser("deliveries", help="recent deliveries and every attempt")
    deliveries.add_argument("--webhook", metavar="NAME", help="only this receiver's")
    deliveries.add_argument("--status", choices=("pending", "delivered"), default=None,
                            help="only pending or only delivered ones")
    flags.add_limit(deliveries, 100, "at most N deliveries, newest first (default 100)")
    flags.add_format(deliveries)
    flags.set_handler(deliveries, f"{HANDLERS}:deliveries_command")
    send = p_sub.add_parser("send", help="post the due deliveries now (the scheduler does "
                                         "this every few seconds)")
    flags.add_format(send)
    flags.set_handler(send, f"{HANDLERS}:send_command")
