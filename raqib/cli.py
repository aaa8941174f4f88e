"""The ``raqib`` command line: one entry point, one module per command group.

Each module in ``COMMANDS`` exposes ``register(subparsers)``, which adds its sub-commands
and sets ``handler`` (a function taking the parsed args and returning an exit code) and
``needs_django`` (default True) on each. To add a command: write a module under
``raqib/commands/`` with ``register`` and list it in ``COMMANDS``; document it in
``docs/cli.md`` (a test checks every command is documented).

Exit codes: 0 success, 1 the work failed, 2 bad usage or invalid configuration.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

COMMANDS = (
    "raqib.commands.config_cmd",
    "raqib.commands.broadcasts",
    "raqib.commands.sources",
    "raqib.commands.pipeline",
    "raqib.commands.record",
    "raqib.commands.takedown",
    "raqib.commands.verify",
    "raqib.commands.transcribe",
    "raqib.commands.retranscribe",
    "raqib.commands.models",
    "raqib.commands.eval_asr",
    "raqib.commands.search",
    "raqib.commands.tags",
    "raqib.commands.watchlists",
    "raqib.commands.users",
    "raqib.commands.serve",
    "raqib.commands.demo",
    "raqib.commands.manage",
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
    from raqib import __version__

    parser.add_argument("--version", action="version", version=f"raqib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(sub)
    return parser


def _prepare_django() -> int:
    """Load the configuration, set up Django and bring the database schema up to date."""
    from raqib.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        print(f"raqib: {exc}", file=sys.stderr)
        print("raqib: fix the configuration (see `raqib config check`) and try again.",
              file=sys.stderr)
        return 2
    from raqib.logs import setup_logging

    setup_logging(config.get("raqib.log_format"), config.get("raqib.log_level"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if getattr(args, "needs_django", True):
        code = _prepare_django()
        if code:
            return code
    from raqib.commands.output import CommandError
    from raqib.config import ConfigError

    try:
        return int(handler(args) or 0)
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
