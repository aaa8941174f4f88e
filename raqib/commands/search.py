"""Search commands: ``raqib search``, ``raqib import``, ``raqib reindex``, ``raqib index check``.

``search`` queries the configured backend (query syntax: ``index.query``); ``import`` adds
a transcript file (``index.importer``); ``reindex`` rebuilds the search index from the
catalog; ``index check`` compares the index with the catalog (``index.consistency``).
``raqib analyze``, which needs no database, is in ``raqib.commands.analyze``. To add a
command: register its parser in ``raqib.commands.parsers.search`` and write its handler
here.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys

from django.conf import settings

from catalog.models import Transcript
from index import consistency
from index.base import BackendError, Hit, QueryError, SearchRequest
from index.importer import TranscriptImportError
from index.query import parse_date_bound
from index.registry import get_backend
from raqib.commands.output import CommandError, Outcome, emit, report_failures
from raqib.commands.parsers.search import SORT_ALIASES
from raqib.pipeline import import_transcript

HIT_COLUMNS = ["outlet", "aired_at", "at", "broadcast_id", "title", "text"]
DRIFT_COLUMNS = ["kind", "transcript_id", "broadcast_id", "in_database", "in_index"]


def _request(args: argparse.Namespace) -> SearchRequest:
    size = args.page_size or args.limit or settings.CONFIG.get("search.page_size")
    return SearchRequest(
        args.query, outlet=args.outlet, language=args.lang, tags=tuple(args.tag),
        aired_from=parse_date_bound(args.aired_from) if args.aired_from else None,
        aired_to=parse_date_bound(args.aired_to, end=True) if args.aired_to else None,
        sort=SORT_ALIASES.get(args.sort, args.sort), page=args.page, page_size=size)


def _marked(hit: Hit) -> str:
    return "".join(f"[{s.text}]" if s.match else s.text for s in hit.highlight) or hit.text


def search_command(args: argparse.Namespace) -> int:
    try:
        page = get_backend().search_page(_request(args))
    except QueryError as exc:
        raise CommandError(f"invalid query: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        raise CommandError(f"search failed: {type(exc).__name__}: {exc}", code=1) from exc
    facets = [f"{name}: " + ", ".join(f"{v} ({n})" for v, n in values)
              for name, values in page.facets.items() if values]
    emit(args, page.to_json(), HIT_COLUMNS,
         rows=({**h.to_json(), "at": _clock(h.play_from), "text": _marked(h)}
               for h in page.hits),
         notes=[f"{page.total} hits, page {page.page}/{page.pages}", *facets])
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
    try:
        broadcast = import_transcript(args.file, settings.CONFIG,
                                      actor=_default_actor() + (
                                          f" (for {args.actor.strip()[:100]})"
                                          if args.actor and args.actor.strip() else ""))
    except TranscriptImportError as exc:
        raise CommandError(f"cannot import: {exc}") from exc
    print(broadcast.id)
    if broadcast.status != broadcast.Status.INDEXED:
        raise CommandError(f"imported as broadcast {broadcast.id} but not searchable yet: "
                           f"{broadcast.error}", code=1)
    return 0


def reindex_command(args: argparse.Namespace) -> int:
    backend = get_backend()
    shown = []

    def progress(done: int, total: int, segments: int) -> None:
        shown.append(done)
        print(f"\rreindex: {done}/{total} transcripts, {segments} segments",
              end="", file=sys.stderr, flush=True)

    try:
        segments = backend.rebuild(progress)
    except BackendError as exc:
        raise CommandError(f"reindex failed: {exc}", code=1) from exc
    if shown:
        print(file=sys.stderr)
    count = Transcript.objects.count()
    print(f"reindexed {count} transcripts, {segments} segments ({backend.name})")
    return 0


def index_check_command(args: argparse.Namespace) -> int:
    backend = get_backend()
    try:
        drift = consistency.check(backend)
        fixed = 0
        if args.fix and drift:
            fixed = consistency.fix(backend, drift)
            drift = consistency.check(backend)
    except Exception as exc:  # noqa: BLE001 - e.g. Elasticsearch unreachable
        raise CommandError(f"index check failed: {type(exc).__name__}: {exc}", code=1) from exc
    rows = [d.to_json() for d in drift]
    outcome = Outcome(done=len(rows))
    for d in rows:
        outcome.fail(d["transcript_id"], "index", f"{d['kind']}: {d['in_database']} "
                     f"segment(s) in the catalog, {d['in_index']} in the index")
    report_failures(outcome, "index check")
    emit(args, {"backend": backend.name, "fixed": fixed, "drift": rows,
                "failures": outcome.failures},
         DRIFT_COLUMNS if drift else None, rows=rows,
         footer=f"{backend.name}: {len(drift)} transcripts drift"
                + (f" ({fixed} repaired)" if fixed else ""))
    return outcome.exit_code
