"""Shared output and error helpers of the commands: JSON (stable, for scripts) or a table.

Every command prints its result through ``emit(args, data, columns, ...)``, the one switch
between ``--format json`` (``data`` as stable JSON, byte for byte what ``print_json``
writes) and the table for people, and reports a problem the user can fix by raising
``CommandError(message, code)``: ``raqib.cli`` prints it as ``raqib: MESSAGE`` on stderr and
exits with its code (2 by default, 1 when the work failed). To add a command: see
``raqib.commands``; it needs nothing from here but these two.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed as one line, exit code 2."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    rows = list(rows)
    if not rows:
        print("(nothing)")
        return
    cells = [[("" if r.get(c) is None else str(r.get(c))).replace("\n", " ") for c in columns]
             for r in rows]
    widths = [min(60, max(len(c), *(len(row[i]) for row in cells))) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)))


def emit(args: argparse.Namespace, data: Any, columns: Sequence[str] | None = None, *,
         rows: Iterable[dict[str, Any]] | None = None, header: str | Iterable[str] = (),
         footer: str | Iterable[str] = (), notes: str | Iterable[str] = ()) -> None:
    """Print a command's result in ``args.format``.

    ``json``: ``data`` and nothing else. ``table``: the ``header`` lines, the table of
    ``rows`` (default: ``data``) in ``columns`` (no table when ``columns`` is None), the
    ``footer`` lines, then the ``notes`` lines on stderr (totals and hints for people).
    """
    if args.format == "json":
        print_json(data)
        return
    for line in _lines(header):
        print(line)
    if columns is not None:
        print_table(data if rows is None else rows, columns)
    for line in _lines(footer):
        print(line)
    for line in _lines(notes):
        print(line, file=sys.stderr)


def _lines(lines: str | Iterable[str]) -> Iterable[str]:
    return (lines,) if isinstance(lines, str) else lines
