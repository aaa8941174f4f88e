"""The ``raqib`` command line: one entry point, one parser module per command group.

Each module in ``COMMANDS`` (under ``raqib/commands/parsers/``) exposes
``register(subparsers)``, which adds its sub-commands and names each one's handler with
``raqib.commands.flags.set_handler(parser, "raqib.commands.MODULE:FUNCTION",
needs_django=...)``. Parser modules import no Django and no handler, so ``raqib --help``
and the commands that need no database stay light; ``main`` sets Django up when the
command needs it (``raqib.commands.runtime``) and only then imports the handler's module.
To add a command: see ``raqib.commands``; list a new parser module in ``COMMANDS`` and
document the command in ``docs/cli.md`` (a test checks every command is documented).

Exit codes: 0 success, 1 the work failed, 2 bad usage or invalid configuration (docs/cli.md
"Exit codes"). A handler reports a problem by raising ``raqib.commands.output.CommandError``
(printed here as ``raqib: MESSAGE``); one that processes items returns the exit code of
its ``raqib.commands.output.Outcome`` (1 when some item failed, each listed).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from raqib import __version__
from raqib.commands.output import CommandError
from raqib.commands.runtime import load_handler, prepare_django
from raqib.config import ConfigError

COMMANDS = (
    "raqib.commands.parsers.config_cmd",
    "raqib.commands.parsers.broadcasts",
    "raqib.commands.parsers.sources",
    "raqib.commands.parsers.processing",
    "raqib.commands.parsers.record",
    "raqib.commands.parsers.takedown",
    "raqib.commands.parsers.verify",
    "raqib.commands.parsers.audit",
    "raqib.commands.parsers.evidence",
    "raqib.commands.parsers.transcribe",
    "raqib.commands.parsers.retranscribe",
    "raqib.commands.parsers.whisper_models",
    "raqib.commands.parsers.eval_asr",
    "raqib.commands.parsers.search",
    "raqib.commands.parsers.tags",
    "raqib.commands.parsers.corrections",
    "raqib.commands.parsers.persons",
    "raqib.commands.parsers.incidents",
    "raqib.commands.parsers.reairings",
    "raqib.commands.parsers.watchlists",
    "raqib.commands.parsers.webhooks",
    "raqib.commands.parsers.users",
    "raqib.commands.parsers.tokens",
    "raqib.commands.parsers.serve",
    "raqib.commands.parsers.demo",
    "raqib.commands.parsers.manage",
    "raqib.commands.parsers.migrate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="raqib",
        description=(
            "Raqib (رقيب) watches state and allied TV outlets for coerced-confession "
            "broadcasts: it crawls outlets, preserves the media as evidence, transcribes "
            "the Arabic audio, indexes it and serves a review UI.\n\n"
            "Start here:  raqib demo            (a local fixture outlet, end to end)\n"
            "             raqib config check    (validate raqib.toml)\n"
            "             raqib run             (scheduler + workers + web UI)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Configuration: raqib.toml (RAQIB_CONFIG) and RAQIB_* variables; "
               "see docs/configuration.md. Every command accepts --help.",
    )
    parser.add_argument("--version", action="version", version=f"raqib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    speaking = contextlib.nullcontext()
    if getattr(args, "needs_django", True):
        code = prepare_django(migrate=getattr(args, "migrate_at_start", True))
        if code:
            return code
        # The CLI speaks English: rule errors carry translatable messages (review.errors)
        # and the site's default language (LANGUAGE_CODE) is Arabic, for the web pages.
        from django.utils import translation

        speaking = translation.override("en")
    with speaking:
        return _run(handler, args)


def _run(handler: str, args: argparse.Namespace) -> int:
    try:
        return int(load_handler(handler)(args) or 0)
    except (CommandError, ConfigError) as exc:
        print(f"raqib: {exc}", file=sys.stderr)
        return getattr(exc, "code", 2)
    except KeyboardInterrupt:
        print("raqib: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
