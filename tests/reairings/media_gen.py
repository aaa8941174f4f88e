"""Generated media for the re-airing and OCR tests and ``benchmarks/reairings_eval.py``:
speech from espeak-ng, tones and noise from ffmpeg's lavfi sources, banners drawn with
Pango (pango-view shapes the Arabic), all joined and transformed with ffmpeg.

Everything is written under the directory passed in; nothing is downloaded.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

RATE = 22050


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def speech(path: Path, text: str, *, voice: str = "ar", speed: int = 150,
           pitch: int = 50) -> Path:
    run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), text])
    return path


def tone(path: Path, seconds: float, freqs: tuple[float, ...] = (220, 277, 330),
         volume: float = 0.2) -> Path:
    """A chord (background music stand-in), ``seconds`` long."""
    expr = "+".join(f"sin({f}*2*PI*t)" for f in freqs)
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"aevalsrc={volume / len(freqs):g}*({expr})*(0.6+0.4*sin(2*PI*t/3)):s={RATE}:d={seconds}",
         "-ac", "1", str(path)])
    return path


def jingle(path: Path, seed: int = 1) -> Path:
    """A 6-second station ident: a rising arpeggio over pink noise."""
    notes = [262, 330, 392, 523, 392, 659][seed % 3:] + [262, 330, 392][: seed % 3]
    expr = "+".join(f"sin({f}*2*PI*t)*between(t\\,{i}\\,{i + 1.2})" for i, f in enumerate(notes))
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"aevalsrc=0.25*({expr}):s={RATE}:d=6", "-f", "lavfi", "-i",
         f"anoisesrc=d=6:c=pink:a=0.05:r={RATE}:seed={seed}", "-filter_complex",
         "amix=inputs=2:normalize=0", "-ac", "1", str(path)])
    return path


def noise(path: Path, seconds: float, seed: int = 7, amplitude: float = 0.05) -> Path:
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         f"anoisesrc=d={seconds}:c=brown:a={amplitude}:r={RATE}:seed={seed}", "-ac", "1",
         str(path)])
    return path


def concat(path: Path, parts: list[Path], *, codec: list[str] | None = None) -> Path:
    """Join audio ``parts`` (any rate) into ``path``, encoded with ``codec``."""
    inputs: list[str] = []
    for part in parts:
        inputs += ["-i", str(part)]
    chain = "".join(f"[{i}]aresample={RATE},aformat=channel_layouts=mono[a{i}];"
                    for i in range(len(parts)))
    chain += "".join(f"[a{i}]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=0:a=1"
    run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", chain,
         *(codec or ["-c:a", "pcm_s16le"]), str(path)])
    return path


def transform(path: Path, source: Path, *, gain_db: float = 0.0, music: Path | None = None,
              music_db: float = -10.0, start: float = 0.0, duration: float | None = None,
              codec: list[str] | None = None) -> Path:
    """A re-broadcast copy of ``source``: cut to [start, start + duration), ``gain_db``
    louder or quieter, ``music`` mixed under at ``music_db``, re-encoded with ``codec``."""
    cut = ["-ss", f"{start:g}"] + (["-t", f"{duration:g}"] if duration else [])
    inputs = [*cut, "-i", str(source)]
    graph = f"[0]aresample={RATE},volume={gain_db:g}dB[s]"
    if music is not None:
        inputs += ["-stream_loop", "-1", "-i", str(music)]
        graph += (f";[1]aresample={RATE},volume={music_db:g}dB[m];"
                  "[s][m]amix=inputs=2:duration=first:normalize=0")
    else:
        graph += ";[s]anull"
    run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-ac", "1",
         *(codec or ["-c:a", "pcm_s16le"]), str(path)])
    return path


def banner_png(path: Path, text: str, *, font: str = "Noto Sans Arabic Bold 28") -> Path:
    """A lower-third banner: ``text`` white on dark blue, laid out and shaped by Pango
    (``pango-view``, Debian pango1.0-tools) with a Debian Arabic font (fonts-noto-core)."""
    run(["pango-view", f"--font={font}", "--background=#102a5c", "--foreground=white",
         "--margin=20", "-q", "-o", str(path), "--text", text])
    return path


def video_with_banner(path: Path, banner: Path, *, seconds: float = 6.0,
                      banner_from: float = 1.0, banner_to: float = 5.0,
                      audio: Path | None = None, size: str = "640x360") -> Path:
    """A video of ``seconds`` (a grainy studio-grey picture) with ``banner`` over its lower third
    from ``banner_from`` to ``banner_to`` seconds."""
    inputs = ["-f", "lavfi", "-i",
              f"color=c=0x4a5a6a:size={size}:rate=10:duration={seconds},noise=alls=12:allf=t",
              "-i", str(banner)]
    if audio is not None:
        inputs += ["-i", str(audio)]
    w, h = (int(x) for x in size.split("x"))
    overlay = (f"[0][1]overlay=x=(W-w)/2:y=H-h-{max(4, h // 40)}:"
               f"enable='between(t,{banner_from:g},{banner_to:g})'")
    run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", overlay,
         *(["-map", "2:a", "-c:a", "aac", "-shortest"] if audio is not None else []),
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-t",
         f"{seconds:g}", str(path)])
    return path


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                          "csv=p=0", str(path)], capture_output=True, text=True, timeout=60)
    return float(out.stdout.strip())
