"""What runs between parsing a command line and its handler: Django, then the handler.

``prepare_django()`` loads the configuration, sets Django up and brings the database
schema up to date under the migration lock (``raqib.schema``: processes started together
never race), unless the command's parser set ``migrate_at_start=False`` (``raqib
migrate`` itself). ``raqib.cli`` calls it for every command whose parser has
``needs_django``, and ``raqib sources check`` when it must look for a source added in the
UI. ``load_handler("package.module:function")`` imports a handler module named by
``raqib.commands.flags.set_handler``; it is called after the set-up, which is why handler
modules may import Django models at the top. To add a command: see ``raqib.commands``.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

import django

from raqib.config import ConfigError, load_config
from raqib.logs import setup_logging

Handler = Callable[..., "int | None"]


def prepare_django(migrate: bool = True) -> int:
    """Load the configuration, set up Django and (``migrate``) bring the database schema
    up to date; 0, or 2 with the reason on stderr when the configuration is invalid."""
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"raqib: {exc}", file=sys.stderr)
        print("raqib: fix the configuration (see `raqib config check`) and try again.",
              file=sys.stderr)
        return 2
    setup_logging(config.get("raqib.log_format"), config.get("raqib.log_level"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
    django.setup()
    if migrate:
        # Imported here, once settings exist: the migration machinery is heavy for `--help`.
        from raqib.schema import migrate as migrate_schema

        migrate_schema()
    return 0


def load_handler(target: str) -> Handler:
    """The function named by ``"package.module:function"``, its module imported now."""
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)
