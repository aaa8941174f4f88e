"""``raqib status``: queue depth and age per stage, running work, failures by stage and
the scheduler's holder (``raqib.health``). ``--format json`` is stable for monitoring;
the table is for people. To add a column: add the figure in ``raqib.health``.
"""

from __future__ import annotations

import argparse

from raqib import health
from raqib.commands.output import emit

COLUMNS = ["stage", "waiting", "oldest_waiting_s", "running", "queued", "oldest_queued_s"]


def status_command(args: argparse.Namespace) -> int:
    data = health.snapshot()
    rows = [{"stage": stage, **figures} for stage, figures in data["stages"].items()]
    scheduler = data["scheduler"]
    footer = [f"failed: {', '.join(f'{n} at {s}' for s, n in data['failed'].items()) or 'none'}",
              f"scheduler: {scheduler['holder'] or 'no holder'}"]
    if data["queue_error"]:
        footer.append(f"queues unreachable: {data['queue_error']}")
    emit(args, data, COLUMNS, rows=rows, footer=footer)
    return 0
