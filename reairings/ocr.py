"""On-screen text: frames sampled with ffmpeg, the lower third read by Tesseract (Arabic and
English), consecutive repeats merged, stored as an ``ocr`` transcript track with times.

Sampling (``ocr.sampler``): ``interval`` takes a frame every ``ocr.interval`` seconds,
``scene`` one at each scene change (ffmpeg's scene score above ``ocr.scene_threshold``) and
the first frame. ffmpeg's ``showinfo`` gives each sampled frame's time; the bottom
``ocr.region`` of the frame is cropped, denoised, scaled up and made grey, and all frames
go to one ``tesseract`` run per page mode (a list file; pages come back separated by form
feeds). The lines read are
stored exactly as Tesseract gave them; a line that repeats on the next frames is one segment
from its first frame to the last one. ``read_broadcast`` replaces the broadcast's OCR track
and re-indexes it (the search shows it as on-screen text and plays from that second).
To add a language: install Debian's ``tesseract-ocr-<lang>`` and add it to ``ocr.languages``.

Threads: Tesseract runs with ``OMP_THREAD_LIMIT=1`` unless the environment sets it. Its
OpenMP threads spin waiting for each other on a busy machine (as torch's do, issue 27):
``tests/reairings/test_ocr.py`` took 74.7 s of CPU (33 s of it system time) with the
default threads and 17.9 s with one, on a 2-core machine at load 1-1.5, with the same
text read (docs/benchmarks.md, issue 26). An operator with idle cores for it may set
``OMP_THREAD_LIMIT`` higher.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from catalog import fencing
from catalog.models import Broadcast, Segment, Transcript
from index.arabic import normalize_prefix, tokenize
from index.registry import get_backend

TRACK_OCR = "ocr"
ENGINE = "tesseract"
FFMPEG_TIMEOUT = 3 * 3600
TESSERACT_TIMEOUT = 3 * 3600
MAX_FRAMES = 20000
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))
_PTS = re.compile(r"pts_time:\s*([0-9.]+)")
TESSERACT_THREADS = "1"  # OMP_THREAD_LIMIT unless the environment sets it (module docstring)


class OCRError(Exception):
    """Frames could not be sampled or read; the message says why."""


@dataclass
class ScreenLine:
    start: float
    end: float
    text: str


def _tool(name: str, package: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise OCRError(f"{name} is not installed (Debian package {package}; "
                       "scripts/setup.sh installs it)")
    return exe


def tesseract_env() -> dict[str, str]:
    """The environment Tesseract runs in: this process's, with ``OMP_THREAD_LIMIT`` set to
    ``TESSERACT_THREADS`` unless it is already set."""
    return {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT")
            or TESSERACT_THREADS}


def tesseract_version() -> str:
    out = subprocess.run([_tool("tesseract", "tesseract-ocr"), "--version"],
                         capture_output=True, text=True, timeout=30)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip()[:100] if first else "tesseract"


def sample_frames(media: Path, out_dir: Path, *, sampler: str = "interval",
                  interval: float = 2.0, scene_threshold: float = 0.3,
                  region: float = 0.34) -> list[tuple[float, Path]]:
    """Sample frames of ``media`` (cropped to the bottom ``region``) into ``out_dir``;
    return (time in seconds, image) pairs."""
    if not media.is_file():
        raise OCRError(f"media file {media} is missing")
    if sampler == "scene":
        select = f"eq(n\\,0)+gt(scene\\,{scene_threshold:g})"
    elif sampler == "interval":
        if interval <= 0:
            raise OCRError("ocr.interval must be above 0 seconds")
        select = f"isnan(prev_selected_t)+gte(t-prev_selected_t\\,{interval:g})"
    else:
        raise OCRError(f"unknown OCR sampler {sampler!r} (interval or scene)")
    if not 0 < region <= 1:
        raise OCRError("ocr.region must be above 0 and at most 1")
    crop = f"crop=iw:ih*{region:g}:0:ih-ih*{region:g}"
    vf = (f"select='{select}',showinfo,{crop},hqdn3d=8:8:6:6,scale=iw*2:-2:flags=bicubic,"
          "format=gray")
    cmd = [_tool("ffmpeg", "ffmpeg"), "-nostdin", "-hide_banner", "-i", str(media), "-an",
           "-vf", vf, "-fps_mode", "passthrough", "-frames:v", str(MAX_FRAMES),
           str(out_dir / "f%06d.png")]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise OCRError(f"ffmpeg took longer than {FFMPEG_TIMEOUT} s sampling frames") from exc
    if run.returncode != 0:
        tail = run.stderr.strip().splitlines()
        raise OCRError("ffmpeg could not sample frames"
                       + (f": {tail[-1][:300]}" if tail else ""))
    times = [float(t) for t in _PTS.findall(run.stderr)]
    frames = sorted(out_dir.glob("f*.png"))
    return list(zip(times, frames, strict=False))


PAGE_MODES = ("6", "11")  # a block of text; sparse text (a banner over a busy picture)


def read_frames(frames: list[Path], languages: str, work: Path) -> list[str]:
    """The text Tesseract reads in each image (one string per frame, in order), in both
    page modes: neither alone reads every banner (measured in benchmarks/reairings_eval.py);
    ``clean_lines`` drops a line read twice."""
    if not frames:
        return []
    listing = work / "frames.txt"
    listing.write_text("\n".join(str(f) for f in frames) + "\n", encoding="utf-8")
    texts = [""] * len(frames)
    for mode in PAGE_MODES:
        cmd = [_tool("tesseract", "tesseract-ocr"), str(listing), "stdout", "-l", languages,
               "--psm", mode]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=TESSERACT_TIMEOUT,
                                 env=tesseract_env())
        except subprocess.TimeoutExpired as exc:
            raise OCRError(f"tesseract took longer than {TESSERACT_TIMEOUT} s") from exc
        if run.returncode != 0:
            tail = run.stderr.strip().splitlines()
            raise OCRError("tesseract failed" + (f": {tail[-1][:300]}" if tail else ""))
        pages = (run.stdout.split("\f") + [""] * len(frames))[:len(frames)]
        texts = [f"{a}\n{b}" for a, b in zip(texts, pages, strict=True)]
    return texts


def clean_lines(text: str) -> list[str]:
    """The lines of one frame's text worth keeping: mostly letters, two or more of them."""
    kept = []
    for line in text.splitlines():
        # Tesseract wraps runs in LRM/RLM marks: layout hints of its own, not screen text.
        line = " ".join(line.translate(_MARKS).split())
        letters = sum(ch.isalpha() for ch in line)
        if letters >= 3 and letters >= 0.5 * len(line.replace(" ", "")) and not any(
                difflib.SequenceMatcher(None, _key(k), _key(line)).ratio() >= 0.8
                for k in kept):
            kept.append(line)
    return kept


def _key(line: str) -> str:
    return " ".join(normalize_prefix(line[s:e]) for s, e in tokenize(line))


def merge_frames(readings: list[tuple[float, list[str]]], step: float) -> list[ScreenLine]:
    """Consecutive frames showing the same line (normalised, 80 % alike) become one
    segment from the first frame to the last frame plus ``step``."""
    open_lines: dict[str, ScreenLine] = {}
    done: list[ScreenLine] = []
    for at, lines in readings:
        still: dict[str, ScreenLine] = {}
        for line in lines:
            key = _key(line)
            if not key:
                continue
            match = next((k for k in open_lines if k not in still and (
                k == key or difflib.SequenceMatcher(None, k, key).ratio() >= 0.8)), None)
            if match is not None:
                current = open_lines[match]
                current.end = at + step
                still[match] = current
            else:
                still[key] = ScreenLine(at, at + step, line)
        done.extend(v for k, v in open_lines.items() if k not in still)
        open_lines = still
    done.extend(open_lines.values())
    return sorted(done, key=lambda s: (s.start, s.text))


def read_media(media: Path, config: Any) -> list[ScreenLine]:
    """Sample, crop, read and merge the on-screen lines of ``media``."""
    sampler = config.get("ocr.sampler")
    interval = float(config.get("ocr.interval"))
    with tempfile.TemporaryDirectory(prefix="raqib-ocr-") as tmp:
        work = Path(tmp)
        frames = sample_frames(media, work, sampler=sampler, interval=interval,
                               scene_threshold=float(config.get("ocr.scene_threshold")),
                               region=float(config.get("ocr.region")))
        texts = read_frames([f for _, f in frames], config.get("ocr.languages"), work)
    readings = [(at, clean_lines(text)) for (at, _), text in zip(frames, texts, strict=True)]
    return merge_frames(readings, interval if sampler == "interval" else 1.0)


def store_ocr(broadcast: Broadcast, lines: list[ScreenLine], config: Any,
              tool: str) -> tuple[Transcript | None, list[int]]:
    """Replace ``broadcast``'s OCR track with ``lines``; return it (None when nothing was
    read: no empty track beside the speech) and the replaced ids."""
    model_id = f"{ENGINE}-{config.get('ocr.languages')}"
    with transaction.atomic():
        fencing.check()  # a worker whose claim was taken over writes nothing
        old = Transcript.objects.filter(broadcast=broadcast, track=TRACK_OCR)
        replaced = list(old.values_list("id", flat=True))
        old.delete()
        if not lines:
            return None, replaced
        transcript = Transcript.objects.create(
            broadcast=broadcast, media=broadcast.media, track=TRACK_OCR, engine=ENGINE,
            model_id=model_id, params={"tool": tool, "sampler": config.get("ocr.sampler"),
                                       "interval": config.get("ocr.interval"),
                                       "region": config.get("ocr.region")},
            language=broadcast.language or "ar")
        Segment.objects.bulk_create([
            Segment(transcript=transcript, number=i, start=round(s.start, 2),
                    end=round(s.end, 2), text=s.text) for i, s in enumerate(lines)])
    return transcript, replaced


def has_video(media: Path) -> bool:
    """Whether ``media`` has a video stream (audio-only captures have no screen to read)."""
    if not media.is_file():
        raise OCRError(f"media file {media} is missing")
    run = subprocess.run([_tool("ffprobe", "ffmpeg"), "-v", "error", "-select_streams", "v",
                          "-show_entries", "stream=codec_type", "-of", "csv=p=0", str(media)],
                         capture_output=True, text=True, timeout=120)
    return "video" in run.stdout


def read_broadcast(broadcast: Broadcast, config: Any) -> Transcript | None:
    """OCR ``broadcast``'s captured video into its ``ocr`` track (indexed by the caller);
    None for audio-only media or when no text was read."""
    if broadcast.media is None:
        raise OCRError(f"broadcast {broadcast.pk} has no captured media")
    if not has_video(config.data_dir / broadcast.media.path):
        return None
    lines = read_media(config.data_dir / broadcast.media.path, config)
    transcript, replaced = store_ocr(broadcast, lines, config, tesseract_version())
    backend = get_backend(config)
    for transcript_id in replaced:
        backend.remove_transcript(transcript_id)
    return transcript
