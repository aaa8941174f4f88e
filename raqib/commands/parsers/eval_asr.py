"""Parser of ``raqib eval-asr --refs DIR`` (handler: ``raqib.commands.eval_asr``).

Works without the database. To add an option: add the flag here and read it in the
handler's ``eval_asr``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from raqib.commands import flags


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval-asr", help="measure WER/CER of an engine and model against reference transcripts",
        description="Transcribe every media file in DIR and compare it with the reference "
                    "transcript of the same name (clip.wav + clip.txt). Scores use the Arabic "
                    "normalisation described in docs/cli.md. Exit code 1 when a file failed.")
    parser.add_argument("--refs", metavar="DIR", type=Path, required=True,
                        help="directory of media files and same-named .txt references")
    flags.add_engine(parser)
    flags.add_model(parser, "'bundled-base', a model directory, a .pt checkpoint or a Whisper "
                            "model name (default: transcribe.model)")
    parser.add_argument("--language", metavar="CODE", default="ar",
                        help="language hint (default: ar; 'auto' to let Whisper detect it)")
    flags.add_format(parser)
    flags.set_handler(parser, "raqib.commands.eval_asr:eval_asr", needs_django=False)
