"""Parser of ``raqib models list|convert`` (handlers: ``raqib.commands.whisper_models``).

Both work without the database. To add an action: add its parser here with its handler.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from raqib.commands import flags

HANDLERS = "raqib.commands.whisper_models"


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="list speech models; convert them for openai-whisper")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = models_sub.add_parser(
        "list", help="show the models under <data_dir>/models",
        description="Show the Whisper models present under <data_dir>/models: CTranslate2 "
                    "directories (faster-whisper) and converted openai-whisper checkpoints.")
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_models", needs_django=False)
    convert = models_sub.add_parser(
        "convert", help="convert a CTranslate2 Whisper model into an openai-whisper checkpoint",
        description="Read SRC (a CTranslate2 Whisper model directory with model.bin, or "
                    "'bundled-base') and write DEST, a .pt checkpoint that openai-whisper's "
                    "load_model and Raqib's openai-whisper engine load. Prints both SHA-256s.")
    convert.add_argument("src", metavar="SRC",
                         help="model directory, 'bundled-base' or a Whisper model name")
    convert.add_argument("dest", metavar="DEST.pt", type=Path, help="checkpoint to write")
    flags.add_format(convert)
    flags.set_handler(convert, f"{HANDLERS}:convert_model", needs_django=False)
