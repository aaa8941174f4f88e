"""Parser of ``raqib transcribe FILE`` (handler: ``raqib.commands.transcribe``).

Works without the database. To add an output format: add it to ``FORMATS`` here and a
branch in the handler's ``_render``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from raqib.commands import flags

FORMATS = ("text", "json", "vtt", "srt")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "transcribe", help="transcribe one audio/video file (no database needed)",
        description="Transcribe FILE with the configured engine and model and print the "
                    "segments. The file is only read; extracted audio goes to a temp dir.")
    parser.add_argument("file", metavar="FILE", type=Path, help="audio or video file")
    flags.add_engine(parser)
    parser.add_argument("--language", metavar="CODE",
                        help="force the language, such as 'ar' (default: transcribe.language, "
                             "'ar' unless configured, checked against Whisper's detection)")
    flags.add_model(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text); json is stable for scripts")
    flags.set_handler(parser, "raqib.commands.transcribe:transcribe_file", needs_django=False)
