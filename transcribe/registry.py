"""Which speech-recognition engines exist, and how to build the configured one.

``ENGINES`` maps an engine name (the ``transcribe.engine`` setting) to the class that
implements it (``transcribe.base.Engine``); modules are imported only when chosen, so
listing engines stays cheap for the command line, the config check and ``--engine``.

To add an engine: write ``transcribe/<name>_engine.py`` with a subclass of
``transcribe.base.Engine`` (its ``from_config(config, model=...)`` builds it; the base's
default is ``cls(model)``), then add one line below. ``tests/transcribe/
test_engine_contract.py`` runs every engine listed here through the same checks.
"""

from __future__ import annotations

from catalog.components import Registry, Settings
from transcribe.base import Engine, TranscriptionError
from transcribe.model_resolver import resolve_model

ENGINES: Registry[Engine] = Registry("transcription engine", {
    "faster-whisper": "transcribe.faster_whisper_engine:FasterWhisperEngine",
    "openai-whisper": "transcribe.openai_whisper_engine:OpenAIWhisperEngine",  # [openai] extra
})


def engine_names() -> list[str]:
    return ENGINES.names()


def get_engine(config: Settings, engine: str | None = None, model: str | None = None) -> Engine:
    """Build ``engine`` (default: ``transcribe.engine``) with ``model`` (default:
    ``transcribe.model``) resolved against the data dir. Raises TranscriptionError."""
    name = engine or config.get("transcribe.engine")
    if name not in ENGINES:
        raise TranscriptionError(f"unknown transcription engine '{name}'; available: "
                                 f"{', '.join(ENGINES)}")
    resolved = resolve_model(model or config.get("transcribe.model"), config.data_dir)
    return ENGINES.build(name, config, model=resolved)
