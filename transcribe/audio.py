"""Audio for the engines: probe a media file, extract 16 kHz mono PCM, read its samples.

Media files are evidence: ffmpeg only ever reads them, and the extracted WAV goes to a
temporary directory (or a ``work_dir`` the caller owns), never beside or over the original.
Every way a file can be unusable becomes a ``TranscriptionError`` whose message is a reason
a monitor understands: "file not found", "empty file (0 bytes)", "ffmpeg cannot read it:
<reason>", "no audio stream", "zero-length audio".

The extracted WAV can be read in part (``wav_info``, ``read_frames``, ``read_samples``), so
the chunker and language detection never hold a three-hour broadcast in memory, and
``opening_samples`` gives the first seconds of any media (read straight from such a WAV).

To support another input kind (a URL, a stream), probe it here and keep the same errors.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transcribe.base import TranscriptionError

SAMPLE_RATE = 16_000
_PREFIX = re.compile(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*")


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    format_name: str
    duration: float | None  # as the container states it; None when it does not
    audio_streams: int
    video_streams: int


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise TranscriptionError(f"{name} is not installed; install ffmpeg (it provides "
                                 f"ffmpeg and ffprobe)")
    return found


def check_file(media: Path) -> Path:
    """Raise TranscriptionError unless ``media`` is an existing, non-empty regular file."""
    media = Path(media)
    if not media.exists():
        raise TranscriptionError(f"file not found: {media}")
    if not media.is_file():
        raise TranscriptionError(f"not a regular file: {media}")
    if media.stat().st_size == 0:
        raise TranscriptionError("empty file (0 bytes)")
    return media


def _short_reason(stderr: str, media: Path) -> str:
    lines = [_PREFIX.sub("", ln).strip() for ln in stderr.splitlines() if ln.strip()]
    if not lines:
        return "unknown error"
    reason = lines[-1]
    for prefix in (f"{media}: ", f"{media.name}: "):
        reason = reason.removeprefix(prefix)
    return reason[:200]


def probe(media: Path) -> MediaInfo:
    """Describe ``media`` with ffprobe; raise TranscriptionError when it is not readable media."""
    media = check_file(media)
    cmd = [_tool("ffprobe"), "-v", "error", "-show_entries",
           "format=duration,format_name:stream=codec_type", "-of", "json", str(media)]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    if proc.returncode != 0:
        raise TranscriptionError(f"ffmpeg cannot read it: {_short_reason(proc.stderr, media)}")
    try:
        data = json.loads(proc.stdout or "{}")
    except ValueError:
        raise TranscriptionError("ffmpeg cannot read it: unreadable ffprobe output") from None
    fmt = data.get("format") or {}
    kinds = [s.get("codec_type") for s in data.get("streams") or []]
    if not fmt.get("format_name") and not kinds:
        raise TranscriptionError("ffmpeg cannot read it: no recognisable media streams")
    try:
        duration = float(fmt["duration"])
    except (KeyError, TypeError, ValueError):
        duration = None
    return MediaInfo(media, fmt.get("format_name", ""), duration,
                     kinds.count("audio"), kinds.count("video"))


def extract_audio(media: Path, dest: Path, max_seconds: float | None = None) -> Path:
    """Write the first audio stream of ``media`` to ``dest`` as 16 kHz mono 16-bit WAV
    (only its first ``max_seconds`` when given)."""
    media, dest = Path(media), Path(dest)
    if dest.resolve() == media.resolve():
        raise TranscriptionError("refusing to write extracted audio over the original media")
    info = probe(media)
    if info.audio_streams == 0:
        raise TranscriptionError("no audio stream")
    limit = ["-t", f"{max_seconds:.3f}"] if max_seconds else []
    cmd = [_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(media),
           "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE),
           *limit, "-c:a", "pcm_s16le", "-f", "wav", str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    if proc.returncode != 0:
        dest.unlink(missing_ok=True)
        raise TranscriptionError(f"ffmpeg cannot read it: {_short_reason(proc.stderr, media)}")
    if wav_frames(dest) == 0:
        raise TranscriptionError("zero-length audio")
    return dest


def wav_frames(path: Path) -> int:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes()
    except (OSError, EOFError, wave.Error):
        return 0


def load_wav(path: Path) -> np.ndarray:
    """Read a 16-bit mono WAV written by ``extract_audio`` as float32 samples in [-1, 1]."""
    with wave.open(str(path), "rb") as wav:
        if wav.getframerate() != SAMPLE_RATE or wav.getnchannels() != 1:
            raise TranscriptionError(f"{path.name} is not 16 kHz mono audio")
        raw = wav.readframes(wav.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def wav_info(wav: Path) -> int:
    """Frames in a 16 kHz mono WAV written by ``extract_audio``."""
    with wave.open(str(wav), "rb") as w:
        if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1:
            raise TranscriptionError(f"{Path(wav).name} is not 16 kHz mono audio")
        return w.getnframes()


def read_frames(wav: Path, start: int, count: int) -> bytes:
    """The raw 16-bit frames ``start`` to ``start + count`` (clamped to the file)."""
    with wave.open(str(wav), "rb") as w:
        w.setpos(min(max(0, start), w.getnframes()))
        return w.readframes(max(0, count))


def read_samples(wav: Path, start: int, count: int) -> np.ndarray:
    """``count`` samples from frame ``start`` as float32 in [-1, 1] (only those are read)."""
    raw = read_frames(wav, start, count)
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def _is_extracted_wav(path: Path) -> bool:
    """True for a 16 kHz mono 16-bit WAV (what ``extract_audio`` writes)."""
    try:
        with wave.open(str(path), "rb") as w:
            return (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SAMPLE_RATE, 1, 2)
    except (OSError, EOFError, wave.Error):
        return False


@contextmanager
def opening_samples(media: Path, seconds: float) -> Iterator[np.ndarray]:
    """Yield the first ``seconds`` of ``media`` as 16 kHz mono samples: read directly from a
    WAV ``extract_audio`` wrote (the chunker's), extracted with ffmpeg otherwise."""
    media = Path(media)
    if _is_extracted_wav(media):
        samples = read_samples(media, 0, int(seconds * SAMPLE_RATE))
        if samples.size == 0:
            raise TranscriptionError("zero-length audio")
        yield samples
        return
    with prepared_audio(media, max_seconds=seconds) as samples:
        yield samples


@contextmanager
def prepared_audio(media: Path, work_dir: Path | None = None,
                   max_seconds: float | None = None) -> Iterator[np.ndarray]:
    """Yield the 16 kHz mono samples of ``media`` (only the first ``max_seconds`` when
    given, so memory does not grow with the file); the temporary WAV is removed after."""
    with tempfile.TemporaryDirectory(prefix="raqib-audio-", dir=work_dir) as tmp:
        wav = extract_audio(media, Path(tmp) / "audio.wav", max_seconds)
        yield load_wav(wav)
