"""Compare faster-whisper (int8) and openai-whisper (fp32) on the same audio and weights.

Run:  .venv/bin/python benchmarks/asr_engines.py --seconds 90
      (validate quickly with --seconds 10; --engines to run one; --threads N to pin threads)

The audio is espeak-ng Arabic (``raqib.demo.speech.synthesize``) of the sentences below,
repeated to about ``--seconds``. Both engines use the bundled Whisper base weights:
faster-whisper the CTranslate2 model, openai-whisper the checkpoint converted from it
(conversion time reported, not counted). Each engine runs in its own subprocess so its
peak memory (``ru_maxrss``) is its own; inside, the model is loaded (``load_s``) and a short
warm-up decode is done (``warmup_s``: first-call compilation) before the timed decode.
Figures: audio seconds per wall second (``speed``), the ratio of the two, peak RSS, the
character agreement of the two transcripts (1 − CER of one against the other after
``transcribe.evaluation`` normalisation) and each engine's WER/CER against the script.
It prints a Markdown table, then the JSON. To add an engine: add its name to ``ENGINES``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENGINES = ("faster-whisper", "openai-whisper")
SENTENCES = (
    "قال الرئيس إن الحكومة السورية مستمرة في مكافحة الإرهاب.",
    "أماني",
    "ابنتي الدكتورة أماني كانت في مستشفى",
    "وأضاف أن الشعب السوري صامد.",
    "رحلات مطار دمشق الدولي عادت إلى العمل.",
    "حفل موسيقى في دار الأوبرا.",
    "والحمد لله رب العالمين.",
)


def _duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def make_audio(dest: Path, seconds: float) -> tuple[Path, str]:
    """An Arabic clip of at least ``seconds`` (whole sentences) and its script."""
    from raqib.demo.speech import synthesize

    one = synthesize(SENTENCES, dest.with_name("cycle.wav"))
    repeats = max(1, round(seconds / _duration(one)))
    if seconds < _duration(one):  # a short validation run: fewer sentences
        sentences = list(SENTENCES[:max(1, int(len(SENTENCES) * seconds / _duration(one)))])
    else:
        sentences = list(SENTENCES) * repeats
    synthesize(sentences, dest)
    return dest, " ".join(sentences)


def worker(engine_name: str, audio: Path, warmup: Path) -> dict:
    """Runs in its own process: load, warm up, then time one decode."""
    from raqib.config import load_config
    from transcribe.registry import get_engine

    started = time.perf_counter()
    engine = get_engine(load_config(), engine=engine_name, model="bundled-base")
    if engine_name == "faster-whisper":
        from transcribe.faster_whisper_engine import load_model

        load_model(engine.model.source, engine.device, engine.compute_type, engine.threads)
        precision = engine.compute_type
    else:
        from transcribe.openai_whisper_engine import load_checkpoint

        load_checkpoint(engine.checkpoint, engine.device)
        precision = "float16" if engine.device == "cuda" else "float32"
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    engine.transcribe(warmup, language="ar")
    warmup_s = time.perf_counter() - started
    started = time.perf_counter()
    result = engine.transcribe(audio, language="ar")
    decode_s = time.perf_counter() - started
    return {"engine": engine_name, "device": engine.device, "precision": precision,
            "threads": engine.threads, "load_s": round(load_s, 2),
            "warmup_s": round(warmup_s, 2), "decode_s": round(decode_s, 2),
            "audio_s": round(result.duration, 2),
            "speed": round(result.duration / decode_s, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "segments": len(result.segments), "model_sha256": result.model_sha256,
            "text": " ".join(s.text for s in result.segments)}


def _run_worker(engine: str, audio: Path, warmup: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", engine, "--audio", str(audio),
                           "--warmup", str(warmup)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{engine} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _table(runs: list[dict], summary: dict) -> str:
    lines = ["| engine | precision | threads | audio s | load s | warm-up s | decode s | "
             "audio s / wall s | peak RSS MB | WER vs script | CER vs script |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['engine']} | {r['precision']} | {r['threads']} | {r['audio_s']} | "
              f"{r['load_s']} | {r['warmup_s']} | {r['decode_s']} | {r['speed']} | "
              f"{r['peak_rss_mb']} | {r['wer_vs_script']:.1%} | {r['cer_vs_script']:.1%} |"
              for r in runs]
    lines += ["", *(f"- {k}: {v}" for k, v in summary.items())]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="audio length (default 90)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--threads", type=int, default=0, help="0: all cores (default)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--audio", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.audio, args.warmup), ensure_ascii=False))
        return 0

    work = Path(tempfile.mkdtemp(prefix="raqib-asr-bench-"))
    os.environ.setdefault("RAQIB_DATA_DIR", str(work / "data"))
    (work / "raqib.toml").write_text("")  # defaults only: no local raqib.toml applies
    os.environ.update(RAQIB_CONFIG=str(work / "raqib.toml"), RAQIB_LOG_LEVEL="WARNING",
                      RAQIB_TRANSCRIBE_THREADS=str(args.threads))
    from raqib.config import load_config
    from transcribe.evaluation import character_agreement, score
    from transcribe.model_resolver import models_dir, resolve_model

    audio, script = make_audio(work / "speech.wav", args.seconds)
    from raqib.demo.speech import synthesize

    warmup = synthesize(SENTENCES[:1], work / "warmup.wav")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    summary: dict = {"audio_s": round(_duration(audio), 2), "machine": platform.platform(),
                     "cpu_cores": os.cpu_count()}
    if "openai-whisper" in engines:  # convert once, outside the timed workers
        from transcribe.ct2_convert import cached_conversion

        model = resolve_model("bundled-base", load_config().data_dir)
        started = time.perf_counter()
        cached_conversion(Path(model.source), model.sha256,
                          models_dir(load_config().data_dir) / "openai")
        summary["conversion_s"] = round(time.perf_counter() - started, 2)
    runs = []
    for engine in engines:
        print(f"running {engine} on {summary['audio_s']} s of audio...", file=sys.stderr)
        run = _run_worker(engine, audio, warmup)
        got = score(script, run["text"])
        run.update(wer_vs_script=round(got.wer, 4), cer_vs_script=round(got.cer, 4))
        runs.append(run)
    by = {r["engine"]: r for r in runs}
    if set(ENGINES) <= set(by):
        fw, oa = by["faster-whisper"], by["openai-whisper"]
        summary["speed_ratio_faster_over_openai"] = round(fw["speed"] / oa["speed"], 2)
        summary["character_agreement"] = round(character_agreement(fw["text"], oa["text"]), 4)
    print(_table(runs, summary))
    print(json.dumps({"summary": summary, "runs": runs}, ensure_ascii=False, indent=2))
    shutil.rmtree(work, ignore_errors=True)  # audio and (unless RAQIB_DATA_DIR) the models
    return 0


if __name__ == "__main__":
    sys.exit(main())
