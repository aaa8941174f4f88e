"""Building the ``raqib`` parser stays light (issue 26; the rule in ``raqib.cli``).

Every command, ``raqib --help`` included, imports all parser modules to build its
parser, so a parser module that imports Django's ORM, numpy or a stage at import time
costs every start. In a fresh process (nothing imported before), importing every module
in ``raqib.cli.COMMANDS`` and building the parser must leave Django's database layer,
its app registry and settings, numpy and the search stage unimported; so must
``raqib --help``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "django.db",
    "django.apps",
    "django.conf",
    "numpy",
    "catalog.models",
    "catalog.aired",
    "index.base",
    "accounts.models",
    "review",
)

LOADED = r"""
import importlib, json, runpy, sys
if sys.argv[1] == "help":
    sys.argv = ["raqib", "--help"]
    try:
        runpy.run_module("raqib", run_name="__main__")
    except SystemExit:
        pass
else:
    from raqib.cli import COMMANDS, build_parser
    for name in COMMANDS:
        importlib.import_module(name)
    build_parser()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded(mode: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", LOADED, mode], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(json.loads(proc.stderr.splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_every_parser_module_loads_no_django_orm_numpy_or_stage() -> None:
    loaded = _loaded("parsers")
    assert "raqib.commands.parsers.search" in loaded  # the probe really imported them
    assert _heavy(loaded) == []


def test_raqib_help_loads_no_django_orm_numpy_or_stage() -> None:
    loaded = _loaded("help")
    assert "raqib.commands.parsers.migrate" in loaded
    assert _heavy(loaded) == []
