"""Shared flags of the commands, and how a parser names its handler.

A flag that several commands take has one helper here (``add_format``, ``add_source``,
``add_limit``, ...), so its name, metavar, choices and default read the same everywhere;
the help text, which says what the flag means for that command, is passed in where it
differs. ``set_handler(parser, "raqib.commands.MODULE:FUNCTION")`` names the function that
runs a command: ``raqib.cli`` imports that module only after the command's set-up (Django
when ``needs_django``), so handler modules import models at the top.

This module imports nothing of Django or of a stage beyond ``transcribe.registry``'s cheap
list of engine names, so ``raqib --help`` stays fast. To add a shared flag: write
``add_<flag>(parser, ...)`` here and call it from every parser module that takes the flag.
"""

from __future__ import annotations

import argparse

from transcribe.registry import engine_names

# A parser or an argument group (both have ``add_argument``).
Container = argparse._ActionsContainer

MODEL_HELP = ("'bundled-base', a local model directory or a Whisper model name "
              "(default: transcribe.model)")


def set_handler(parser: argparse.ArgumentParser, target: str, *, needs_django: bool = True,
                **defaults: object) -> None:
    """Run ``target`` ("package.module:function", given the parsed args) for this command;
    ``needs_django=False`` for a command that works without the database."""
    module, _, function = target.partition(":")
    if not module or not function:
        raise ValueError(f"handler {target!r} is not 'package.module:function'")
    parser.set_defaults(handler=target, needs_django=needs_django, **defaults)


def add_format(parser: Container, default: str = "table") -> None:
    parser.add_argument("--format", choices=("table", "json"), default=default,
                        help=f"output format (default: {default}); json is stable for scripts")


def add_source(parser: Container, help: str, *, required: bool = False) -> None:
    parser.add_argument("--source", metavar="NAME", required=required, help=help)


def add_outlet(parser: Container, help: str, *, metavar: str | None = "NAME") -> None:
    parser.add_argument("--outlet", metavar=metavar, help=help)


def add_limit(parser: Container, default: int | None, help: str,
              *, metavar: str | None = None) -> None:
    parser.add_argument("--limit", type=int, default=default, metavar=metavar, help=help)


def add_enqueue(parser: Container, help: str) -> None:
    parser.add_argument("--enqueue", action="store_true", help=help)


def add_engine(parser: Container) -> None:
    parser.add_argument("--engine", choices=engine_names(),
                        help="speech engine (default: transcribe.engine)")


def add_model(parser: Container, help: str = MODEL_HELP) -> None:
    parser.add_argument("--model", metavar="M", help=help)


def add_web_address(parser: Container, host_help: str = "web UI address (default: web.host)",
                    port_help: str = "web UI port (default: web.port)") -> None:
    parser.add_argument("--host", help=host_help)
    parser.add_argument("--port", type=int, help=port_help)
