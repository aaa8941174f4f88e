"""Turn the ``transcribe.model`` setting into something faster-whisper can load.

Three forms are accepted, checked in this order:

* ``"bundled-base"``: the offline base model of the ``[demo]`` extra, assembled and verified
  under ``<data_dir>/models`` (see ``transcribe.bundled_model``);
* an existing local directory holding a CTranslate2 Whisper model (``model.bin``): used as is;
* an existing openai-whisper checkpoint file (``*.pt``): only the ``openai-whisper`` engine
  loads it (CTranslate2 models are converted for that engine, see ``transcribe.ct2_convert``);
* any other string: a Whisper model name (``large-v3-turbo``) or Hugging Face repo id,
  taken from faster-whisper's local cache or downloaded when the machine is online.

The result carries a stable model id and the SHA-256 of ``model.bin`` so every transcript
records exactly which weights produced it. Hashes of local directories are cached on disk
(keyed by path, size and mtime) so a 1.6 GB model is not rehashed at each start.
To support another form (an S3 URL, say), add a branch to ``resolve_model``.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from transcribe.base import ResolvedModel
from transcribe.bundled_model import (
    BUNDLED_KEY,
    ModelError,
    ensure_bundled_model,
    load_pins,
    sha256_file,
)

_SHA_CACHE = ".sha256-cache.json"
_lock = threading.Lock()


def models_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "models"


def resolve_model(spec: str, data_dir: Path, *, offline: bool | None = None) -> ResolvedModel:
    """Resolve ``spec`` (the ``transcribe.model`` setting); raise ModelError when unusable.

    ``offline`` None means: offline when ``HF_HUB_OFFLINE`` is set.
    """
    spec = (spec or "").strip()
    if not spec:
        raise ModelError("transcribe.model is empty; set it to 'bundled-base', a local model "
                         "directory or a Whisper model name")
    if spec == BUNDLED_KEY:
        path = ensure_bundled_model(models_dir(data_dir))
        sha = load_pins()["files"]["model.bin"]["sha256"]
        return ResolvedModel(str(path), path.name, sha, "bundled")
    path = Path(spec).expanduser()
    if path.is_dir():
        return describe_directory(path, cache_dir=models_dir(data_dir))
    if path.is_file() and path.suffix == ".pt":
        path = path.resolve()
        return ResolvedModel(str(path), path.stem, cached_sha256(path, models_dir(data_dir)),
                             "checkpoint")
    if spec.startswith(("/", ".", "~")) or ("/" in spec and not _looks_like_repo_id(spec)):
        raise ModelError(f"model directory {spec} does not exist")
    return _resolve_named(spec, data_dir, offline)


def describe_directory(path: Path, cache_dir: Path | None = None) -> ResolvedModel:
    """A local model directory: id is its name, sha256 that of its ``model.bin``."""
    path = Path(path).expanduser().resolve()
    weights = path / "model.bin"
    if not weights.is_file():
        raise ModelError(f"{path} is not a faster-whisper (CTranslate2) model directory: "
                         f"it has no model.bin")
    return ResolvedModel(str(path), path.name, cached_sha256(weights, cache_dir), "directory")


def cached_sha256(path: Path, cache_dir: Path | None = None) -> str:
    """SHA-256 of ``path``, remembered by (real path, size, mtime) in ``cache_dir``."""
    real = Path(path).resolve()
    st = real.stat()
    key = f"{real}|{st.st_size}|{st.st_mtime_ns}"
    with _lock:
        cache = _read_cache(cache_dir)
        if key in cache:
            return cache[key]
    digest = sha256_file(real)
    with _lock:
        cache = _read_cache(cache_dir)
        cache[key] = digest
        _write_cache(cache_dir, cache)
    return digest


_memory_cache: dict[str, str] = {}


def _read_cache(cache_dir: Path | None) -> dict[str, str]:
    if cache_dir is None:
        return _memory_cache
    try:
        data = json.loads((cache_dir / _SHA_CACHE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(cache_dir: Path | None, cache: dict[str, str]) -> None:
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"{_SHA_CACHE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(cache, indent=1), encoding="utf-8")
    os.replace(tmp, cache_dir / _SHA_CACHE)


def _looks_like_repo_id(spec: str) -> bool:
    return spec.count("/") == 1 and not spec.startswith(("/", ".", "~"))


def _offline_message(name: str) -> str:
    return (f"model '{name}' is not available offline; set transcribe.model to a local "
            f"directory or 'bundled-base'")


def _resolve_named(name: str, data_dir: Path, offline: bool | None) -> ResolvedModel:
    from faster_whisper.utils import available_models, download_model

    if offline is None:
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
    if "/" not in name and name not in available_models():
        raise ModelError(f"unknown Whisper model '{name}'; use one of "
                         f"{', '.join(available_models())}, a local directory or 'bundled-base'")
    try:
        path = download_model(name, local_files_only=True)
    except Exception:  # huggingface_hub raises several types for "not in the local cache"
        path = None
    if path is None:
        if offline:
            raise ModelError(_offline_message(name))
        try:
            path = download_model(name)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc)
            raise ModelError(f"{_offline_message(name)} (download failed: {reason})") from exc
    resolved = describe_directory(Path(path), cache_dir=models_dir(data_dir))
    return ResolvedModel(resolved.source, name, resolved.sha256, "named")
