"""Which speech-recognition engines exist, and how to build the configured one.

``ENGINES`` maps an engine name (the ``transcribe.engine`` setting) to the module that
implements it; each such module exposes ``from_config(config, model) -> Engine``. Modules
are imported only when chosen, so listing engines stays cheap for the command line.

To add an engine: write ``transcribe/<name>_engine.py`` with a class implementing
``transcribe.base.Engine`` and a ``from_config`` function, then add one line below.
"""

from __future__ import annotations

import importlib

from raqib.config import Config
from transcribe.base import Engine, TranscriptionError
from transcribe.model_resolver import resolve_model

ENGINES: dict[str, str] = {
    "faster-whisper": "transcribe.faster_whisper_engine",
    "openai-whisper": "transcribe.openai_whisper_engine",  # needs the [openai] extra
}


def engine_names() -> list[str]:
    return list(ENGINES)


def get_engine(config: Config, engine: str | None = None, model: str | None = None) -> Engine:
    """Build ``engine`` (default: ``transcribe.engine``) with ``model`` (default:
    ``transcribe.model``) resolved against the data dir. Raises TranscriptionError."""
    name = engine or config.get("transcribe.engine")
    if name not in ENGINES:
        raise TranscriptionError(f"unknown transcription engine '{name}'; available: "
                                 f"{', '.join(ENGINES)}")
    resolved = resolve_model(model or config.get("transcribe.model"), config.data_dir)
    return importlib.import_module(ENGINES[name]).from_config(config, resolved)
