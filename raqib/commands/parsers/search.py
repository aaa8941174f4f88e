"""Parsers of ``raqib search``, ``import``, ``analyze``, ``reindex`` and ``index check``
(handlers: ``raqib.commands.search``; ``analyze``, which needs no database,
``raqib.commands.analyze``).

To add a search command: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from index.sorts import SORTS
from raqib.commands import flags

HANDLERS = "raqib.commands.search"
# Friendlier names on the command line, where "-aired_at" would read as a flag.
SORT_ALIASES = {"newest": "-aired_at", "oldest": "aired_at"}


def register(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser(
        "search", help="search the transcripts",
        description='Words are ANDed; "exact phrase"; a OR b; -exclude; prefix*; name~; '
                    "outlet:NAME; lang:ar; tag:NAME. Prints hits (with highlights and the "
                    "second to play from), the total and facet counts (docs/query-language.md).")
    search.add_argument("query", help="the query, e.g. 'أتبرأ outlet:\"Al-Ikhbariya\"'")
    flags.add_outlet(search, "only this outlet (by name)", metavar=None)
    search.add_argument("--lang", help="only broadcasts in this language (e.g. ar)")
    search.add_argument("--tag", action="append", default=[],
                        help="only broadcasts with this tag (repeat: all must apply)")
    search.add_argument("--from", dest="aired_from", metavar="DATE",
                        help="aired on or after DATE (YYYY-MM-DD or YYYY-MM), the outlet's day")
    search.add_argument("--to", dest="aired_to", metavar="DATE",
                        help="aired on or before DATE (YYYY-MM-DD or YYYY-MM: whole month)")
    search.add_argument("--sort", choices=(*SORTS, *SORT_ALIASES), default="relevance",
                        help="relevance (default), oldest (= aired_at) or newest (= -aired_at; "
                             "write it --sort=-aired_at, a bare leading '-' reads as a flag)")
    search.add_argument("--page", type=int, default=1, help="page number (default 1)")
    search.add_argument("--page-size", type=int, default=None,
                        help="hits per page (default: search.page_size)")
    flags.add_limit(search, None, argparse.SUPPRESS)
    flags.add_format(search)
    flags.set_handler(search, f"{HANDLERS}:search_command")

    imp = sub.add_parser("import", help="import a transcript JSON file and index it")
    imp.add_argument("file", type=Path, help='JSON: {"broadcast": {...}, "segments": [...]}')
    imp.add_argument("--actor", default=None,
                     help="on whose behalf, noted in the custody record after the OS "
                          "user and host that ran the import (an operator command: the "
                          "record always names user@host)")
    flags.set_handler(imp, f"{HANDLERS}:import_command")

    analyze = sub.add_parser("analyze", help="show the search terms of a text "
                                             "(like Elasticsearch's _analyze)")
    analyze.add_argument("text", help="the text to analyse")
    flags.add_format(analyze)
    flags.set_handler(analyze, "raqib.commands.analyze:analyze_command", needs_django=False)

    reindex = sub.add_parser("reindex", help="rebuild the search index from the database")
    flags.set_handler(reindex, f"{HANDLERS}:reindex_command")

    index = sub.add_parser("index", help="inspect the search index")
    index_sub = index.add_subparsers(dest="index_command", metavar="COMMAND", required=True)
    check = index_sub.add_parser(
        "check", help="compare the index with the database and report drift",
        description="Compares, per transcript, the segments in the database with those in "
                    "the search index: missing, extra, and orphans (transcripts deleted from "
                    "the database but still searchable). Exit 1 when drift remains.")
    check.add_argument("--fix", action="store_true",
                       help="re-index drifted transcripts and remove orphans")
    flags.add_format(check)
    flags.set_handler(check, f"{HANDLERS}:index_check_command")
