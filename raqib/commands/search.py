"""Search commands: ``raqib search``, ``raqib import``, ``raqib analyze``, ``raqib reindex``.

``search`` queries the configured backend (query syntax: ``index.query``); ``import`` adds
a transcript file (``index.importer``); ``analyze`` shows how text is tokenised, in the shape
of Elasticsearch's ``_analyze`` output; ``reindex`` rebuilds the search index from the
catalog. To add a command: register a parser here with its handler.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from pathlib import Path

from raqib.commands.output import add_format_flag, print_json, print_table


def register(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser("search", help="search the transcripts",
                            description='Words are ANDed; "exact phrase"; a OR b; -exclude; '
                                        "prefix*; outlet:NAME; lang:ar.")
    search.add_argument("query", help="the query, e.g. 'أتبرأ outlet:\"Al-Ikhbariya\"'")
    search.add_argument("--outlet", help="only this outlet (by name)")
    search.add_argument("--limit", type=int, default=20, help="most hits shown (default 20)")
    search.add_argument("--offset", type=int, default=0, help="hits to skip (paging)")
    add_format_flag(search)
    search.set_defaults(handler=search_command)

    imp = sub.add_parser("import", help="import a transcript JSON file and index it")
    imp.add_argument("file", type=Path, help='JSON: {"broadcast": {...}, "segments": [...]}')
    imp.add_argument("--actor", default=None,
                     help="who imports it, for the custody record (default: user@host)")
    imp.set_defaults(handler=import_command)

    analyze = sub.add_parser("analyze", help="show the search terms of a text "
                                             "(like Elasticsearch's _analyze)")
    analyze.add_argument("text", help="the text to analyse")
    add_format_flag(analyze)
    analyze.set_defaults(handler=analyze_command, needs_django=False)

    reindex = sub.add_parser("reindex", help="rebuild the search index from the database")
    reindex.set_defaults(handler=reindex_command)


def search_command(args: argparse.Namespace) -> int:
    from index.base import QueryError
    from index.registry import get_backend

    try:
        hits = get_backend().search(args.query, outlet=args.outlet, limit=args.limit,
                                    offset=args.offset)
    except QueryError as exc:
        print(f"raqib: invalid query: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        print(f"raqib: search failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print_json([h.to_json() for h in hits])
    else:
        print_table([{**h.to_json(), "at": _clock(h.start)} for h in hits],
                    ["outlet", "aired_at", "at", "broadcast_id", "title", "text"])
    return 0


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def import_command(args: argparse.Namespace) -> int:
    from index.importer import TranscriptImportError, import_transcript_file

    try:
        broadcast = import_transcript_file(args.file, actor=args.actor or _default_actor())
    except TranscriptImportError as exc:
        print(f"raqib: cannot import: {exc}", file=sys.stderr)
        return 2
    print(broadcast.id)
    if broadcast.status != broadcast.Status.INDEXED:
        print(f"raqib: imported as broadcast {broadcast.id} but not searchable yet: "
              f"{broadcast.error}", file=sys.stderr)
        return 1
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    from index.arabic import analyze

    tokens = [t.to_json() for t in analyze(args.text)]
    if args.format == "json":
        print_json({"tokens": tokens})
    else:
        print_table(tokens, ["token", "start_offset", "end_offset", "position"])
    return 0


def reindex_command(args: argparse.Namespace) -> int:
    from index.registry import get_backend
    from raqib.models import Transcript

    backend = get_backend()
    backend.clear()
    ids = list(Transcript.objects.order_by("id").values_list("id", flat=True))
    segments = 0
    for n, transcript_id in enumerate(ids, 1):
        segments += backend.index_transcript(transcript_id)
        print(f"\rreindex: {n}/{len(ids)} transcripts, {segments} segments",
              end="", file=sys.stderr, flush=True)
    if ids:
        print(file=sys.stderr)
    print(f"reindexed {len(ids)} transcripts, {segments} segments ({backend.name})")
    return 0
