"""``raqib analyze TEXT``: the search terms of a text, in the shape of Elasticsearch's
``_analyze`` output (tokens from ``index.arabic``, the analyser the index uses).

Works without the database; its parser is in ``raqib.commands.parsers.search``. To show
another token field: add it to ``Token.to_json`` in ``index.arabic`` and to ``COLUMNS``.
"""

from __future__ import annotations

import argparse

from index.arabic import analyze
from raqib.commands.output import emit

COLUMNS = ["token", "type", "start_offset", "end_offset", "position"]


def analyze_command(args: argparse.Namespace) -> int:
    tokens = [t.to_json() for t in analyze(args.text)]
    emit(args, {"tokens": tokens}, COLUMNS, rows=tokens)
    return 0
