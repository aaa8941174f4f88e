"""``raqib transcribe FILE``: transcribe one media file and print the result.

Works without the database: it reads the configuration itself and writes nothing but the
transcript to stdout (text, json, vtt or srt). Flags override ``transcribe.*`` settings for
this run only. The file goes through exactly what the pipeline does: chunked transcription
(``transcribe.chunk_seconds``), the hallucination filter and the language evidence; ``json``
shows the dropped segments and the language fields. ``--language`` forces the language;
without it ``transcribe.language`` (default ``ar``) is the hint Whisper's detection is
checked against (``transcribe.language_check``); empty, Whisper detects it. The language
used and why is printed (text: a first line; json: ``language_choice``). Exit codes: 0
success, 1 the file or model could not be used, 2 bad config.
To add an output format: add it to ``FORMATS`` in ``raqib.commands.parsers.transcribe`` (the
parser) and a branch in ``_render``.
"""

from __future__ import annotations

import argparse
import json
import sys

from raqib.commands.output import CommandError
from raqib.config import load_config
from raqib.logs import progress
from transcribe.audio import check_file
from transcribe.base import TranscriptionError, TranscriptionResult
from transcribe.chunking import transcribe_chunked
from transcribe.language_check import describe_choice
from transcribe.postprocess import finish
from transcribe.registry import get_engine
from transcribe.subtitles import format_timestamp, to_srt, to_vtt


def transcribe_file(args: argparse.Namespace) -> int:
    config = load_config()  # an invalid one is reported by raqib.cli, exit code 2
    show = _progress()
    try:
        check_file(args.file)  # a missing file is reported before any model work
        engine = get_engine(config, engine=args.engine, model=args.model)
        progress(f"transcribing {args.file.name} with {engine.name} "
                 f"({engine.model_id}); chunks of "
                 f"{config.get('transcribe.chunk_seconds')} s")
        forced = bool((args.language or "").strip())
        hint = args.language if forced else (config.get("transcribe.language") or None)
        result, decision, _ = transcribe_chunked(
            engine, args.file, config.get("transcribe.chunk_seconds"), hint,
            forced=forced, progress=show)
        result = finish(result, decision, config.get("transcribe.hallucination_filter"))
    except TranscriptionError as exc:
        raise CommandError(f"cannot transcribe {args.file}: {exc}", code=1) from None
    why = describe_choice(decision, "--language" if forced
                          else "the configured default (transcribe.language)")
    progress(f"language {why}")
    sys.stdout.write(_render(result, args.format, why))
    return 0


def _progress():  # noqa: ANN202
    """One progress line per finished chunk on stderr (stdout keeps only the result), so a
    three-hour file shows where it is in a terminal, a log or a cron mail alike."""

    def show(chunk, total: int, reused: bool) -> None:  # noqa: ANN001 - a Chunk
        progress(f"{'reused' if reused else 'transcribed'} chunk to {chunk.end:.1f} s",
                 chunk.number + 1, total)

    return show


def _render(result: TranscriptionResult, fmt: str, why: str) -> str:
    if fmt == "json":
        data = {**result.to_json(), "language_choice": {"language": result.language,
                                                         "reason": why}}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "vtt":
        return to_vtt(result.segments)
    if fmt == "srt":
        return to_srt(result.segments)
    return f"language: {why}\n" + "".join(
        f"[{format_timestamp(s.start)} --> {format_timestamp(s.end)}] {s.text}\n"
        for s in result.segments)
