"""Shared output helpers for commands: JSON (stable, for scripts) or a readable table."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed as one line, exit code 2."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def add_format_flag(parser: Any, default: str = "table") -> None:
    parser.add_argument("--format", choices=("table", "json"), default=default,
                        help=f"output format (default: {default}); json is stable for scripts")


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
