"""Parser of ``raqib eval-asr --refs DIR`` and ``raqib eval-asr --verified`` (handler:
``raqib.commands.eval_asr``).

``--refs`` works without the database; ``--verified`` opens it in the handler. To add an
option: add the flag here and read it in the handler's ``eval_asr``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from raqib.commands import flags


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval-asr", help="measure WER/CER of an engine and model against reference transcripts",
        description="Transcribe every media file in DIR and compare it with the reference "
                    "transcript of the same name (clip.wav + clip.txt); or, with --verified, "
                    "score the stored transcripts against the verified corrections. Scores "
                    "use the Arabic normalisation described in docs/cli.md. Exit code 1 when "
                    "a file failed.")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--refs", metavar="DIR", type=Path,
                      help="directory of media files and same-named .txt references")
    what.add_argument("--verified", action="store_true",
                      help="score the machine's stored transcripts against the verified "
                           "corrected ranges (the organisation's own references)")
    parser.add_argument("--outlet", metavar="NAME",
                        help="--verified: only this outlet's broadcasts")
    parser.add_argument("--compare", metavar="MODEL", action="append", default=[],
                        help="--verified: score these transcript models (repeat) on the "
                             "ranges all of them cover, so they compare on the same references")
    parser.add_argument("--by", choices=("month", "week"), default="month",
                        help="--verified: period of the over-time table (default: month)")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=_day,
                        help="--verified: broadcasts aired (else found) on or after this day")
    parser.add_argument("--until", metavar="YYYY-MM-DD", type=_day,
                        help="--verified: broadcasts aired (else found) on or before this day")
    flags.add_engine(parser)
    flags.add_model(parser, "'bundled-base', a model directory, a .pt checkpoint or a Whisper "
                            "model name (default: transcribe.model)")
    parser.add_argument("--language", metavar="CODE", default="ar",
                        help="language hint (default: ar; 'auto' to let Whisper detect it)")
    flags.add_format(parser)
    flags.set_handler(parser, "raqib.commands.eval_asr:eval_asr", needs_django=False)
