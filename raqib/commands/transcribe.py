"""``raqib transcribe FILE``: transcribe one media file and print the result.

Works without the database: it reads the configuration itself and writes nothing but the
transcript to stdout (text, json, vtt or srt). Flags override ``transcribe.*`` settings for
this run only. The file goes through exactly what the pipeline does: chunked transcription
(``transcribe.chunk_seconds``), the hallucination filter and the language evidence; ``json``
shows the dropped segments and the language fields. ``--language`` forces the language;
without it Whisper detects it. Exit codes: 0 success, 1 the file or model could not be
used, 2 bad config.
To add an output format: add it to ``FORMATS`` and a branch in ``_render``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from raqib.config import load_config
from raqib.logs import progress

FORMATS = ("text", "json", "vtt", "srt")


def register(sub: argparse._SubParsersAction) -> None:
    from transcribe.registry import engine_names

    parser = sub.add_parser(
        "transcribe", help="transcribe one audio/video file (no database needed)",
        description="Transcribe FILE with the configured engine and model and print the "
                    "segments. The file is only read; extracted audio goes to a temp dir.")
    parser.add_argument("file", metavar="FILE", type=Path, help="audio or video file")
    parser.add_argument("--engine", choices=engine_names(),
                        help="speech engine (default: transcribe.engine)")
    parser.add_argument("--language", metavar="CODE",
                        help="language hint such as 'ar' (default: detect)")
    parser.add_argument("--model", metavar="M",
                        help="'bundled-base', a local model directory or a Whisper model name "
                             "(default: transcribe.model)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text); json is stable for scripts")
    parser.set_defaults(handler=transcribe_file, needs_django=False)


def transcribe_file(args: argparse.Namespace) -> int:
    config = load_config()  # an invalid one is reported by raqib.cli, exit code 2
    from transcribe.audio import check_file
    from transcribe.base import TranscriptionError
    from transcribe.chunking import transcribe_chunked
    from transcribe.postprocess import finish
    from transcribe.registry import get_engine

    show = _progress()
    try:
        check_file(args.file)  # a missing file is reported before any model work
        engine = get_engine(config, engine=args.engine, model=args.model)
        progress(f"transcribing {args.file.name} with {engine.name} "
                 f"({getattr(engine.model, 'model_id', '')}); chunks of "
                 f"{config.get('transcribe.chunk_seconds')} s")
        result, decision, _ = transcribe_chunked(
            engine, args.file, config.get("transcribe.chunk_seconds"), args.language,
            forced=bool(args.language), progress=show)
        result = finish(result, decision, config.get("transcribe.hallucination_filter"))
    except TranscriptionError as exc:
        print(f"raqib: cannot transcribe {args.file}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(_render(result, args.format))
    return 0


def _progress():  # noqa: ANN202
    """One progress line per finished chunk on stderr (stdout keeps only the result), so a
    three-hour file shows where it is in a terminal, a log or a cron mail alike."""

    def show(chunk, total: int, reused: bool) -> None:  # noqa: ANN001 - a Chunk
        progress(f"{'reused' if reused else 'transcribed'} chunk to {chunk.end:.1f} s",
                 chunk.number + 1, total)

    return show


def _render(result, fmt: str) -> str:  # noqa: ANN001 - TranscriptionResult, imported lazily
    from transcribe.subtitles import format_timestamp, to_srt, to_vtt

    if fmt == "json":
        return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "vtt":
        return to_vtt(result.segments)
    if fmt == "srt":
        return to_srt(result.segments)
    return "".join(f"[{format_timestamp(s.start)} --> {format_timestamp(s.end)}] {s.text}\n"
                   for s in result.segments)
