"""Compare faster-whisper (int8) and openai-whisper (fp32) on the same audio and weights.

Run:  .venv/bin/python benchmarks/asr_engines.py --seconds 90
      (validate quickly with --seconds 10; --engines to run one; --threads N to pin threads,
      or --threads 0,1,2 to run each engine with each; --busy [N] to run beside N CPU-burning
      processes, one per core by default, started before the runs and stopped after)

The audio is espeak-ng Arabic (``raqib.demo.speech.synthesize``) of the sentences below,
repeated to about ``--seconds``. Both engines use the bundled Whisper base weights:
faster-whisper the CTranslate2 model, openai-whisper the checkpoint converted from it
(conversion time reported, not counted). Each engine runs in its own subprocess so its
peak memory (``ru_maxrss``) is its own; inside, the model is loaded (``load_s``) and a short
warm-up decode is done (``warmup_s``: first-call compilation) before the timed decode.
Figures: audio seconds per wall second (``speed``), the CPU-seconds the decode cost per audio
second (``cpu_per_audio_s``: the worker's process CPU time, user + system of all its threads,
over the timed decode only), the ratio of the two, peak RSS, the
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
import signal
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
    started, cpu_started = time.perf_counter(), time.process_time()
    result = engine.transcribe(audio, language="ar")
    decode_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    return {"engine": engine_name, "device": engine.device, "precision": precision,
            "threads": engine.threads, "load_s": round(load_s, 2),
            "warmup_s": round(warmup_s, 2), "decode_s": round(decode_s, 2),
            "audio_s": round(result.duration, 2),
            "speed": round(result.duration / decode_s, 2), "cpu_s": round(cpu_s, 2),
            "cpu_per_audio_s": round(cpu_s / result.duration, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "segments": len(result.segments), "model_sha256": result.model_sha256,
            "text": " ".join(s.text for s in result.segments)}


def _run_worker(engine: str, audio: Path, warmup: Path, threads: int) -> dict:
    env = os.environ | {"RAQIB_TRANSCRIBE_THREADS": str(threads)}
    proc = subprocess.run([sys.executable, __file__, "--worker", engine, "--audio", str(audio),
                           "--warmup", str(warmup)], capture_output=True, text=True,
                          cwd=ROOT, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{engine} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


BURN = "while True:\n    pass\n"


def start_burners(count: int) -> list[subprocess.Popen]:
    """``count`` processes that each keep one core busy (a machine in service)."""
    return [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(count)]


def stop_burners(burners: list[subprocess.Popen]) -> None:
    for proc in burners:
        proc.terminate()
    for proc in burners:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _table(runs: list[dict], summary: dict) -> str:
    lines = ["| engine | precision | threads (asked) | audio s | load s | warm-up s | decode s | "
             "audio s / wall s | CPU s / audio s | peak RSS MB | WER vs script | "
             "CER vs script |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['engine']} | {r['precision']} | {r['threads']} ({r['threads_asked']}) | "
              f"{r['audio_s']} | {r['load_s']} | {r['warmup_s']} | {r['decode_s']} | "
              f"{r['speed']} | {r['cpu_per_audio_s']} | {r['peak_rss_mb']} | "
              f"{r['wer_vs_script']:.1%} | {r['cer_vs_script']:.1%} |" for r in runs]
    lines += ["", *(f"- {k}: {v}" for k, v in summary.items())]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="audio length (default 90)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--threads", default="0",
                        help="transcribe.threads, comma-separated to run each (default 0: "
                             "each engine's default)")
    parser.add_argument("--busy", type=int, nargs="?", const=os.cpu_count() or 1, default=0,
                        help="run beside N CPU-burning processes (default with no N: one per "
                             "core)")
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
    os.environ.update(RAQIB_CONFIG=str(work / "raqib.toml"), RAQIB_LOG_LEVEL="WARNING")
    try:
        thread_settings = [int(t) for t in args.threads.split(",") if t.strip()]
    except ValueError:
        parser.error("--threads takes whole numbers, comma-separated (e.g. 0,1,2)")
    from raqib.config import load_config
    from transcribe.evaluation import character_agreement, score
    from transcribe.model_resolver import models_dir, resolve_model

    audio, script = make_audio(work / "speech.wav", args.seconds)
    from raqib.demo.speech import synthesize

    warmup = synthesize(SENTENCES[:1], work / "warmup.wav")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    summary: dict = {"audio_s": round(_duration(audio), 2), "machine": platform.platform(),
                     "cpu_cores": os.cpu_count(), "burners": args.busy,
                     "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    if "openai-whisper" in engines:  # convert once, outside the timed workers
        from transcribe.ct2_convert import cached_conversion

        model = resolve_model("bundled-base", load_config().data_dir)
        started = time.perf_counter()
        cached_conversion(Path(model.source), model.sha256,
                          models_dir(load_config().data_dir) / "openai")
        summary["conversion_s"] = round(time.perf_counter() - started, 2)
    runs = []
    # a SIGTERM (``timeout``) ends the run through ``finally``: the burners are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    burners = start_burners(args.busy)
    try:
        for engine in engines:
            for threads in thread_settings:
                print(f"running {engine} (threads {threads}) on {summary['audio_s']} s of "
                      f"audio beside {args.busy} burners...", file=sys.stderr)
                run = _run_worker(engine, audio, warmup, threads)
                got = score(script, run["text"])
                run.update(threads_asked=threads, wer_vs_script=round(got.wer, 4),
                           cer_vs_script=round(got.cer, 4))
                runs.append(run)
                print(json.dumps({k: v for k, v in run.items() if k != "text"}),
                      file=sys.stderr)  # each figure as soon as it exists
    finally:
        stop_burners(burners)
    summary["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    for run in runs:  # the CPU cost against the same engine on one thread
        one = next((r for r in runs if r["engine"] == run["engine"] and r["threads"] == 1), None)
        if one is not None:
            run["cpu_vs_one_thread"] = round(run["cpu_per_audio_s"] / one["cpu_per_audio_s"], 2)
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
