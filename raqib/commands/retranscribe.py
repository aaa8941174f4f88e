"""``raqib retranscribe``: redo a selection of broadcasts with another engine or model.

A transcript is keyed by (broadcast, track, model): transcribing with another model adds a
second transcript beside the first, both searchable, so a monitor can compare them in the
review UI; the same model again replaces its own transcript. Each new transcript is indexed
at once. Selection: ``--broadcast`` ids, ``--source``, ``--outlet`` or the broadcasts that
match a search ``--query``; only broadcasts with captured media are taken. To add a
selector, add a flag in ``raqib.commands.parsers.retranscribe`` and a branch in
``select_broadcasts``.
"""

from __future__ import annotations

import argparse

from django.conf import settings

from catalog.models import Broadcast, Outlet, Source
from index.base import BackendError, QueryError
from index.registry import get_backend
from raqib import pipeline
from raqib.commands.output import CommandError, Outcome, emit, report_failures
from raqib.commands.parsers.retranscribe import QUERY_LIMIT
from raqib.config import ConfigError
from raqib.logs import progress
from raqib.transcription import transcribe_broadcast
from transcribe.base import TranscriptionError
from transcribe.registry import get_engine


def select_broadcasts(args: argparse.Namespace) -> list:
    """The selected broadcasts that have captured media, by id."""
    if not (args.broadcast or args.source or args.outlet or args.query):
        raise CommandError("choose broadcasts with --broadcast, --source, --outlet or --query")
    qs = Broadcast.objects.select_related("media", "outlet")
    if args.broadcast:
        missing = set(args.broadcast) - set(Broadcast.objects.filter(
            pk__in=args.broadcast).values_list("id", flat=True))
        if missing:
            raise CommandError(f"no broadcast with id {', '.join(map(str, sorted(missing)))}")
        qs = qs.filter(pk__in=args.broadcast)
    if args.source:
        if not Source.objects.filter(name=args.source).exists():
            raise CommandError(f"no source named {args.source}; see `raqib sources list`")
        qs = qs.filter(source__name=args.source)
    if args.outlet:
        if not Outlet.objects.filter(name=args.outlet).exists():
            raise CommandError(f"no outlet named {args.outlet}")
        qs = qs.filter(outlet__name=args.outlet)
    if args.query:
        qs = qs.filter(pk__in=_query_ids(args.query))
    return list(qs.filter(media__isnull=False).order_by("id"))


def _query_ids(query: str) -> set[int]:
    try:
        hits = get_backend(settings.CONFIG).search(query, limit=QUERY_LIMIT)
    except QueryError as exc:
        raise CommandError(f"bad query: {exc}") from exc
    except BackendError as exc:
        raise CommandError(str(exc), code=1) from exc
    return {hit.broadcast_id for hit in hits}


def retranscribe_command(args: argparse.Namespace) -> int:
    config = settings.CONFIG
    broadcasts = select_broadcasts(args)
    try:  # a bad engine or model is a usage problem: report it before any work
        get_engine(config, engine=args.engine, model=args.model)
    except (TranscriptionError, ConfigError) as exc:
        raise CommandError(str(exc)) from exc
    rows = []
    options = pipeline.StageOptions(engine=args.engine, model=args.model)
    for n, broadcast in enumerate(broadcasts, 1):
        row = {"broadcast": broadcast.id, "title": broadcast.title, "status": "would transcribe"}
        rows.append(row)
        if args.dry_run:
            continue
        progress(f"retranscribe: #{broadcast.id} {broadcast.title}".rstrip(), n, len(broadcasts))
        try:
            transcript = transcribe_broadcast(broadcast, config, options)
            get_backend(config).index_transcript(transcript.id)
        except Exception as exc:  # noqa: BLE001 - recorded per broadcast; the rest goes on
            row.update(status="failed", error=str(exc))
            progress(f"failed: #{broadcast.id}: {exc}", n, len(broadcasts))
            continue
        row.update(status="transcribed", transcript=transcript.id, model=transcript.model_id,
                   segments=transcript.segments.count(), language=transcript.language)
    emit(args, rows, ["broadcast", "status", "transcript", "model", "segments", "title"])
    outcome = Outcome(done=len(rows))
    for row in rows:
        if row["status"] == "failed":
            outcome.fail(row["broadcast"], "retranscribe", row["error"])
    report_failures(outcome, "retranscribe")
    if not args.dry_run:
        progress(f"done: {sum(r['status'] == 'transcribed' for r in rows)} transcribed, "
                 f"{len(outcome.failures)} failed")
    return outcome.exit_code
