"""Chromaprint raw fingerprints of a media file's audio (no database here).

ffmpeg decodes the whole file (any format, video included) to 11025 Hz mono and
``fpcalc -raw -length 0 -json`` (Debian ``libchromaprint-tools``) prints one 32-bit item
per 1365 samples (0.1238 s). To change what is indexed (the sub-hash), change ``posting_keys``
and re-fingerprint (``raqib reairings find --refingerprint``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np

from reairings.matching import stationary, sub_hashes

SAMPLE_RATE = 11025  # what Chromaprint resamples to
HOP_SAMPLES = 1365  # its hop: frames of 4096 samples overlapping by 2/3
ITEM_SECONDS = HOP_SAMPLES / SAMPLE_RATE
FPCALC_TIMEOUT = 3600
# Items that say nothing (digital silence and its neighbours) are not posted.
SILENT_KEYS = frozenset({0})  # a key of silence


class FingerprintError(Exception):
    """The audio could not be fingerprinted; the message says why."""


def fpcalc_version() -> str:
    exe = shutil.which("fpcalc")
    if exe is None:
        raise FingerprintError("fpcalc is not installed (Debian package libchromaprint-tools; "
                               "scripts/setup.sh installs it)")
    out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip().replace("version ", "")[:100]


def compute(path: Path, skip_samples: int = 0) -> tuple[np.ndarray, float]:
    """The raw fingerprint of ``path`` (uint32 items) and the seconds of audio it covers.

    ffmpeg decodes the audio to 11025 Hz mono (what Chromaprint works at) and pipes it to
    ``fpcalc``; ``skip_samples`` drops that many samples first, which shifts the item grid
    (the matcher queries a few such phases, so a passage placed at any sub-item offset
    inside another recording still lines up with the archive's grid)."""
    exe, ffmpeg = shutil.which("fpcalc"), shutil.which("ffmpeg")
    if exe is None:
        fpcalc_version()  # raises with the reason
    if ffmpeg is None:
        raise FingerprintError("ffmpeg is not installed")
    if not path.is_file():
        raise FingerprintError(f"media file {path} is missing")
    trim = ["-af", f"atrim=start_sample={int(skip_samples)}"] if skip_samples else []
    decode = subprocess.Popen([ffmpeg, "-v", "error", "-nostdin", "-i", str(path), "-vn",
                               "-ac", "1", "-ar", str(SAMPLE_RATE), *trim, "-f", "s16le", "-"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out = subprocess.run([exe, "-format", "s16le", "-rate", str(SAMPLE_RATE),
                              "-channels", "1", "-raw", "-length", "0", "-json", "-"],
                             stdin=decode.stdout, capture_output=True, text=True,
                             timeout=FPCALC_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        decode.kill()
        raise FingerprintError(f"fpcalc took longer than {FPCALC_TIMEOUT} s") from exc
    finally:
        if decode.stdout:
            decode.stdout.close()
    decode_error = decode.stderr.read().decode("utf-8", "replace") if decode.stderr else ""
    decode.wait()
    # fpcalc exits 3 after "Error decoding audio frame (End of file)" at the end of a pipe
    # and still prints the whole fingerprint; only output without one is a failure.
    try:
        doc = json.loads(out.stdout or "{}")
    except json.JSONDecodeError:
        doc = {}
    items = doc.get("fingerprint")
    if not isinstance(items, list) or not items:
        reason = (decode_error or out.stderr or "").strip().splitlines()
        raise FingerprintError("no audio to fingerprint"
                               + (f": {reason[-1][:300]}" if reason else ""))
    array = np.asarray(items, dtype=np.int64).astype(np.uint32)
    return array, len(array) * ITEM_SECONDS


def to_bytes(items: np.ndarray) -> bytes:
    return items.astype("<u4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)


def posting_keys(items: np.ndarray) -> list[tuple[int, int]]:
    """(key, position) pairs posted for ``items`` (``matching.sub_hashes``), silence and
    held sounds (``matching.stationary``) left out."""
    keys = sub_hashes(items)
    held = stationary(keys)
    return [(int(k), i) for i, (k, h) in enumerate(zip(keys.tolist(), held.tolist(),
                                                       strict=True))
            if k not in SILENT_KEYS and not h]
