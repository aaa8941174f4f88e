"""``raqib record``: record a ``live`` source in the foreground (see ``crawler.live``).

Each closed chunk is stored as a ``downloaded`` broadcast; transcription and indexing
follow with ``raqib process`` or the workers of ``raqib run``. SIGTERM or Ctrl-C closes
the current chunk as a partial one and exits 0. To add an option: add the flag here and
pass it to ``LiveRecorder`` (parser: ``raqib.commands.parsers.record``).
"""

from __future__ import annotations

import argparse
import signal

from django.conf import settings

from crawler.live import KIND, LiveError, LiveRecorder
from raqib import pipeline
from raqib.commands.output import CommandError
from raqib.logs import progress
from raqib.sources_sync import sync_sources
from raqib.tasks import enqueue_stage


def record_command(args: argparse.Namespace) -> int:
    config = settings.CONFIG
    if args.chunks < 0:
        raise CommandError("--chunks must be 0 (until stopped) or more")
    sources = {s.name: s for s in sync_sources(config)}
    source = sources.get(args.source)
    if source is None or not source.enabled:
        raise CommandError(f"no enabled source named {args.source}; see `raqib sources list`")
    if source.kind != KIND:
        raise CommandError(f"source {source.name} is kind {source.kind!r}, not 'live'; "
                           "use `raqib crawl --source` for it")
    on_chunk = enqueue_stage if args.enqueue else None
    try:
        recorder = LiveRecorder(source, config.data_dir, pipeline.crawl_settings(config, source),
                                pipeline.actor(), chunk=args.chunk, on_chunk=on_chunk,
                                report=progress)
    except LiveError as exc:
        raise CommandError(str(exc)) from None

    def stop(signum: int, frame: object) -> None:
        progress(f"record: {source.name}: stopping; closing the current chunk")
        recorder.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    progress(f"record: {source.name}: recording {source.config.get('url')} in chunks of "
             f"{recorder.chunk_seconds} s")
    try:
        stored = recorder.run(max_chunks=args.chunks)
    except LiveError as exc:
        raise CommandError(str(exc), code=1) from None
    progress(f"record: {source.name}: {len(stored)} chunks stored"
             + ("" if args.enqueue else "; `raqib process` transcribes and indexes them"))
    return 0
