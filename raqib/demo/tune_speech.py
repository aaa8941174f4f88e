"""A tool for whoever edits the demo's spoken texts: print what Whisper base hears for
each text of ``raqib.demo.speech.SPEECH`` at several speeds and lead-ins.

Run ``python -m raqib.demo.tune_speech``. It lives apart from ``speech`` (what is said)
and ``fixture_site`` (the outlet built from it) because it needs both.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from raqib.demo.fixture_site import make_mp4
from raqib.demo.speech import LEAD_IN_S, SPEECH, synthesize
from transcribe.bundled_model import ensure_bundled_model
from transcribe.faster_whisper_engine import FasterWhisperEngine


def measure() -> None:  # pragma: no cover - a tool for whoever edits the texts
    """Print what Whisper base hears for each text at several speeds and lead-ins."""
    work = Path(tempfile.mkdtemp(prefix="raqib-speech-"))
    engine = FasterWhisperEngine(ensure_bundled_model(work / "models"), device="cpu",
                                 compute_type="int8")
    for slug, sentences in SPEECH.items():
        for speed in (125, 135, 145):
            for lead in (0.0, LEAD_IN_S, 1.5):
                wav = synthesize(sentences, work / "a.wav", speed=speed, lead_in_s=lead)
                mp4 = make_mp4(wav, work / "a.mp4")
                text = " ".join(s.text for s in engine.transcribe(mp4, "ar").segments)
                print(f"{slug} speed={speed} lead={lead}: {text}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    measure()
