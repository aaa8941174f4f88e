"""Speech and media generators shared by the transcription tests (espeak-ng + ffmpeg).

Imported as a top-level module (pytest puts this directory on sys.path), like
tests/crawler/crawl_helpers.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

AMANI_TEXT = "ابنتي الدكتورة أماني"
# Whisper base mistakes plain espeak-ng Arabic for English when detecting the language;
# this text, voice and room-like filter were measured to be detected as "ar" (p≈0.79).
DETECT_TEXT = ("قال الرئيس إن الحكومة السورية مستمرة في مكافحة الإرهاب. "
               "وأضاف أن الشعب السوري صامد. والحمد لله رب العالمين.")
ROOM_FILTER = "aecho=0.8:0.7:40:0.3,highpass=f=200,lowpass=f=3400"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed; it is needed to generate test speech")


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def speak(text: str, dest: Path, speed: int = 135, pitch: int = 50) -> Path:
    _need("espeak-ng")
    run(["espeak-ng", "-v", "ar", "-s", str(speed), "-p", str(pitch), "-w", str(dest), text])
    return dest


def ffmpeg(*args: str) -> None:
    _need("ffmpeg")
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args])
