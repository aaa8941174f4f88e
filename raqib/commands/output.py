"""Shared output and error helpers of the commands: JSON (stable, for scripts) or a table.

Every command prints its result through ``emit(args, data, columns, ...)``, the one switch
between ``--format json`` (``data`` as stable JSON, byte for byte what ``print_json``
writes) and the table for people, and reports a problem the user can fix by raising
``CommandError(message, code)``: ``raqib.cli`` prints it as ``raqib: MESSAGE`` on stderr and
exits with its code (2 by default, 1 when the work failed). To add a command: see
``raqib.commands``; it needs nothing from here but these two.

A command that processes items (crawl, process, takedown check, verify, retranscribe...)
keeps an ``Outcome``: each failed item is added with ``outcome.fail(item, stage, reason,
url)``, and its exit code is ``outcome.exit_code`` (0 every item succeeded, 1 some failed;
2 stays for bad usage, raised as ``CommandError``). ``report_failures`` lists the failures
on stderr for people; ``outcome.failures`` is the stable JSON list ``[{"id", "url",
"stage", "reason"}]`` that the command puts under ``"failures"`` in its ``--format json``
output. A failure that is expected (the demo's deliberately removed video) is added with
``expected=WHY``: it is listed, with why, but does not make the exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed as one line, exit code 2."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Outcome:
    """What a command that processes items did: how many items it handled, which failed
    (each with its stage and reason) and so its exit code. See the module docstring."""

    done: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    expected: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, item: str | int, stage: str, reason: str, url: str = "", *,
             expected: str = "") -> None:
        """Record a failed item: its id (a broadcast id, a source name, a file...), the
        stage it failed at, why, and its URL when it has one. ``expected``: why this
        failure was meant to happen (it is listed, but the exit code stays 0)."""
        row = {"id": item, "url": url or "", "stage": stage, "reason": reason}
        if expected:
            self.expected.append({**row, "expected": expected})
        else:
            self.failures.append(row)

    @property
    def exit_code(self) -> int:
        """0 when no item failed (expected failures aside), 1 when some did."""
        return 1 if self.failures else 0

    def summary(self) -> str:
        """``3 succeeded, 1 failed`` (plus ``, 1 failed as intended``)."""
        ok = max(0, self.done - len(self.failures) - len(self.expected))
        text = f"{ok} succeeded, {len(self.failures)} failed"
        return text + (f", {len(self.expected)} failed as intended" if self.expected else "")


def report_failures(outcome: Outcome, command: str) -> None:
    """List each failure (and each intended one, with why) on stderr, one line each."""
    for f in outcome.failures:
        where = f" ({f['url']})" if f["url"] and f["url"] != str(f["id"]) else ""
        print(f"{command}: FAILED {f['id']}{where} at {f['stage']}: {f['reason']}",
              file=sys.stderr, flush=True)
    for f in outcome.expected:
        print(f"{command}: failed as intended: {f['id']} at {f['stage']}: {f['reason']} "
              f"({f['expected']})", file=sys.stderr, flush=True)


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
