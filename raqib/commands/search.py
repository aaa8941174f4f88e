"""Search commands: ``raqib search``, ``raqib import``, ``raqib analyze``, ``raqib reindex``,
``raqib index check``.

``search`` queries the configured backend (query syntax: ``index.query``); ``import`` adds
a transcript file (``index.importer``); ``analyze`` shows how text is tokenised, in the shape
of Elasticsearch's ``_analyze`` output; ``reindex`` rebuilds the search index from the
catalog; ``index check`` compares the index with the catalog (``index.consistency``).
To add a command: register a parser here with its handler.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from pathlib import Path

from index.base import SORTS
from raqib.commands.output import add_format_flag, print_json, print_table

# Friendlier names on the command line, where "-aired_at" would read as a flag.
SORT_ALIASES = {"newest": "-aired_at", "oldest": "aired_at"}


def register(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser(
        "search", help="search the transcripts",
        description='Words are ANDed; "exact phrase"; a OR b; -exclude; prefix*; '
                    "outlet:NAME; lang:ar; tag:NAME. Prints hits (with highlights and the "
                    "second to play from), the total and facet counts (docs/query-language.md).")
    search.add_argument("query", help="the query, e.g. 'أتبرأ outlet:\"Al-Ikhbariya\"'")
    search.add_argument("--outlet", help="only this outlet (by name)")
    search.add_argument("--lang", help="only broadcasts in this language (e.g. ar)")
    search.add_argument("--tag", action="append", default=[],
                        help="only broadcasts with this tag (repeat: all must apply)")
    search.add_argument("--from", dest="aired_from", metavar="DATE",
                        help="aired on or after DATE (YYYY-MM-DD or YYYY-MM), UTC")
    search.add_argument("--to", dest="aired_to", metavar="DATE",
                        help="aired on or before DATE (YYYY-MM-DD or YYYY-MM: whole month)")
    search.add_argument("--sort", choices=(*SORTS, *SORT_ALIASES), default="relevance",
                        help="relevance (default), oldest (= aired_at) or newest (= -aired_at; "
                             "write it --sort=-aired_at, a bare leading '-' reads as a flag)")
    search.add_argument("--page", type=int, default=1, help="page number (default 1)")
    search.add_argument("--page-size", type=int, default=None,
                        help="hits per page (default: search.page_size)")
    search.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
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

    index = sub.add_parser("index", help="inspect the search index")
    index_sub = index.add_subparsers(dest="index_command", metavar="COMMAND", required=True)
    check = index_sub.add_parser(
        "check", help="compare the index with the database and report drift",
        description="Compares, per transcript, the segments in the database with those in "
                    "the search index: missing, extra, and orphans (transcripts deleted from "
                    "the database but still searchable). Exit 1 when drift remains.")
    check.add_argument("--fix", action="store_true",
                       help="re-index drifted transcripts and remove orphans")
    add_format_flag(check)
    check.set_defaults(handler=index_check_command)


def _request(args: argparse.Namespace) -> object:
    from django.conf import settings

    from index.base import SearchRequest
    from index.query import parse_date_bound

    size = args.page_size or args.limit or settings.CONFIG.get("search.page_size")
    return SearchRequest(
        args.query, outlet=args.outlet, language=args.lang, tags=tuple(args.tag),
        aired_from=parse_date_bound(args.aired_from) if args.aired_from else None,
        aired_to=parse_date_bound(args.aired_to, end=True) if args.aired_to else None,
        sort=SORT_ALIASES.get(args.sort, args.sort), page=args.page, page_size=size)


def _marked(hit: object) -> str:
    return "".join(f"[{s.text}]" if s.match else s.text for s in hit.highlight) or hit.text


def search_command(args: argparse.Namespace) -> int:
    from index.base import QueryError
    from index.registry import get_backend

    try:
        page = get_backend().search_page(_request(args))
    except QueryError as exc:
        print(f"raqib: invalid query: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        print(f"raqib: search failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print_json(page.to_json())
        return 0
    print_table([{**h.to_json(), "at": _clock(h.play_from), "text": _marked(h)}
                 for h in page.hits],
                ["outlet", "aired_at", "at", "broadcast_id", "title", "text"])
    print(f"{page.total} hits, page {page.page}/{page.pages}", file=sys.stderr)
    for name, values in page.facets.items():
        if values:
            print(f"{name}: " + ", ".join(f"{v} ({n})" for v, n in values), file=sys.stderr)
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
    from django.conf import settings

    from index.importer import TranscriptImportError
    from raqib.pipeline import import_transcript

    try:
        broadcast = import_transcript(args.file, settings.CONFIG,
                                      actor=args.actor or _default_actor())
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
    from catalog.models import Transcript
    from index.registry import get_backend

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


def index_check_command(args: argparse.Namespace) -> int:
    from index import consistency
    from index.registry import get_backend

    backend = get_backend()
    try:
        drift = consistency.check(backend)
        fixed = 0
        if args.fix and drift:
            fixed = consistency.fix(backend, drift)
            drift = consistency.check(backend)
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        print(f"raqib: index check failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print_json({"backend": backend.name, "fixed": fixed,
                    "drift": [d.to_json() for d in drift]})
    else:
        if drift:
            print_table([d.to_json() for d in drift],
                        ["kind", "transcript_id", "broadcast_id", "in_database", "in_index"])
        print(f"{backend.name}: {len(drift)} transcripts drift"
              + (f" ({fixed} repaired)" if fixed else ""))
    return 1 if drift else 0
