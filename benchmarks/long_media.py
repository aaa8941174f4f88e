"""Long broadcasts through ``raqib transcribe``: speed, bounded memory, chunks, recall.

Run:  .venv/bin/python benchmarks/long_media.py --minutes 180,30 --every 10
      (validate quickly with --minutes 2,1 --every 1 --chunk-seconds 30; ``--engine
      openai-whisper`` measures the reference engine instead; set RAQIB_DATA_DIR to reuse
      an assembled bundled model instead of assembling it into the temp dir)

For each length it makes, with ffmpeg at run time in a temp dir, a mono 16 kHz AAC ``.m4a``
that is mostly low pink noise (``anoisesrc``) with, every ``--every`` minutes, a short
espeak-ng Arabic clip mixed in ``--offset`` seconds into the period. The clips are the
demo outlet's measured texts (``raqib.demo.speech.SPEECH``, the slugs of ``KEYWORDS``),
synthesised once; each becomes one period-long 16 kHz WAV (clip + silence), the periods are
joined with ffmpeg's concat demuxer and mixed over the noise in one encode, so making three
hours costs one cheap ffmpeg pass, not hundreds of mixes.

Then it runs ``raqib transcribe FILE --language ar --format json`` in a child process
(``RAQIB_TRANSCRIBE_MODEL=bundled-base``, an isolated ``RAQIB_DATA_DIR`` unless one is set,
``TMPDIR`` inside the work dir so the extracted WAV can be watched), reading its
per-chunk progress lines ("[raqib i/N] transcribed chunk to X s") from stderr as they come
(through a pseudo-terminal, so they arrive unbuffered). A sampler polls ``/proc`` every
0.2 s: the transcriber's VmRSS and VmHWM, the summed RSS of its process tree
(ffmpeg/ffprobe included) and the size of the extracted ``audio.wav``; ``wait4`` gives the
kernel's ``ru_maxrss`` as a cross-check.

Reported per length: audio duration, wall time, audio seconds per wall second, peak RSS
of the transcriber (and of the tree, and of any child), extracted WAV size vs that RSS,
chunks (from the JSON ``params.chunks`` and from the progress lines), seconds to the first
chunk, segments kept/dropped, and recall of the placed clips: a clip is *heard* when a kept
segment overlaps [placed − 5 s, clip end + 5 s] and *found* when such a segment also
contains one of its keywords (``transcribe.evaluation`` normalisation, substring); kept
segments overlapping no clip are counted as *spurious* (Whisper talking over noise), and
``clips_found_in_dropped`` counts clips whose keyword only survives in the dropped list.
Bounded memory shows as a flat transcriber RSS across lengths while the WAV grows with
them. It prints a Markdown table, then the JSON. ``--keep`` leaves the work dir (media,
transcripts) and prints its path. To add a measure: compute it in ``_measure_run`` and add
a column to ``COLUMNS``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATE = 16_000
TOLERANCE_S = 5.0
POLL_S = 0.2
MIB = 1 << 20  # every size and RSS figure is in MiB
# slug of raqib.demo.speech.SPEECH -> words that must come back (measured robust there).
# Not "bulletin-2021-04-22": its word موسيقى is in transcribe.hallucination.GENERIC, so a
# doubtful decode of it is rightly dropped and would read as a miss.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "tunnel-to-light-part-1": ("أماني", "مستشفى"),
    "bulletin-2021-04-21": ("مطار",),
}
PROGRESS = re.compile(r"\[raqib (\d+)/(\d+)\] (?:transcribed|reused) chunk to ([\d.]+) s")
COLUMNS = (
    ("audio", lambda r: f"{r['audio_s'] / 60:.1f} min"),
    ("wall", lambda r: f"{r['wall_s']:.1f} s"),
    ("audio s / wall s", lambda r: f"{r['speed']:.2f}"),
    ("transcriber peak RSS", lambda r: f"{r['transcriber_peak_rss_mb']:.0f} MiB"),
    ("tree peak RSS", lambda r: f"{r['tree_peak_rss_mb']:.0f} MiB"),
    ("extracted WAV", lambda r: f"{r['wav_mb']:.0f} MiB"),
    ("RSS / WAV", lambda r: f"{r['rss_over_wav']:.2f}"),
    ("chunks", lambda r: str(r["chunks"])),
    ("first chunk at", lambda r: "-" if r["first_chunk_s"] is None
     else f"{r['first_chunk_s']:.1f} s"),
    ("segments kept/dropped", lambda r: f"{r['segments']}/{r['dropped']}"),
    ("clips heard", lambda r: f"{r['clips_heard']}/{r['clips_placed']}"),
    ("clips found", lambda r: f"{r['clips_found']}/{r['clips_placed']}"),
    ("spurious segs", lambda r: str(r["spurious_segments"])),
)


@dataclass
class Clip:
    slug: str
    wav: Path  # 16 kHz mono, the clip alone
    seconds: float
    keywords: tuple[str, ...]


@dataclass
class Placed:
    slug: str
    start: float
    end: float
    keywords: tuple[str, ...]


@dataclass
class Samples:
    """What the sampler saw while the child ran."""

    rss_mb: float = 0.0  # transcriber VmRSS, peak of the samples
    hwm_mb: float = 0.0  # transcriber VmHWM, last seen (the kernel's own peak)
    tree_mb: float = 0.0  # sum of VmRSS over the process tree, peak
    child_mb: float = 0.0  # the largest single descendant running ffmpeg/ffprobe, peak
    wav_bytes: int = 0  # the extracted audio.wav, largest size seen
    tmp_bytes: int = 0  # everything under the child's TMPDIR, largest seen
    progress: list[dict[str, Any]] = field(default_factory=list)


def _ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"ffmpeg failed ({' '.join(cmd)}): {proc.stderr.strip()[-500:]}")


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def make_clips(work: Path) -> list[Clip]:
    """Synthesise each clip once and resample it to 16 kHz mono."""
    from raqib.demo.speech import SPEECH, synthesize

    clips = []
    for slug, words in KEYWORDS.items():
        raw = synthesize(SPEECH[slug], work / f"{slug}-22k.wav")
        wav = work / f"{slug}.wav"
        _ffmpeg("-i", str(raw), "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le", str(wav))
        clips.append(Clip(slug, wav, _wav_seconds(wav), words))
    return clips


def make_media(work: Path, clips: list[Clip], minutes: float, every: float,
               offset: float) -> tuple[Path, list[Placed], float]:
    """The long .m4a, the clips placed in it, and seconds spent making it."""
    started = time.perf_counter()
    total = minutes * 60.0
    period = every * 60.0
    longest = max(c.seconds for c in clips)
    if offset + longest > period:
        raise SystemExit(f"--offset {offset} s + clip {longest:.1f} s does not fit in a "
                         f"{period:.0f} s period; lower --offset or raise --every")
    periods = []  # one period-long WAV per clip: silence, the clip at offset, silence
    for clip in clips:
        dest = work / f"period-{clip.slug}.wav"
        if not dest.exists():
            _ffmpeg("-i", str(clip.wav), "-af",
                     f"adelay={int(offset * 1000)}:all=1,apad=whole_dur={period}",
                     "-t", f"{period}", "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le",
                     str(dest))
        periods.append(dest)
    count = math.ceil(total / period)
    placed, lines = [], []
    for i in range(count):
        clip = clips[i % len(clips)]
        lines.append(f"file '{periods[i % len(clips)]}'")
        start = i * period + offset
        if start + clip.seconds <= total:
            placed.append(Placed(clip.slug, start, start + clip.seconds, clip.keywords))
    listing = work / f"speech-{minutes:g}.txt"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    media = work / f"broadcast-{minutes:g}min.m4a"
    noise = f"anoisesrc=color=pink:amplitude=0.02:sample_rate={RATE}:seed=7:duration={total}"
    _ffmpeg("-f", "lavfi", "-i", noise, "-f", "concat", "-safe", "0", "-i", str(listing),
            "-filter_complex", "[0:a][1:a]amix=inputs=2:duration=first:normalize=0[a]",
            "-map", "[a]", "-ac", "1", "-ar", str(RATE), "-c:a", "aac", "-b:a", "32k",
            "-movflags", "+faststart", str(media))
    return media, placed, time.perf_counter() - started


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _exe(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def _tree_bytes(path: Path) -> tuple[int, int]:
    """(largest audio.wav, total bytes) under ``path``."""
    wav = total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                size = os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            total += size
            if name == "audio.wav":
                wav = max(wav, size)
    return wav, total


def _sample(pid: int, tmp: Path, samples: Samples, stop: threading.Event) -> None:
    while not stop.is_set():
        rss = _status_kb(pid, "VmRSS")
        samples.rss_mb = max(samples.rss_mb, rss / 1024)
        samples.hwm_mb = max(samples.hwm_mb, _status_kb(pid, "VmHWM") / 1024)
        root = _exe(pid)
        # A child between fork and exec still runs the transcriber's (shared) image and
        # reports its RSS; count children only once they run another program (ffmpeg).
        kids = [_status_kb(k, "VmRSS") for k in _descendants(pid) if _exe(k) != root]
        samples.tree_mb = max(samples.tree_mb, (rss + sum(kids)) / 1024)
        samples.child_mb = max([samples.child_mb, *(k / 1024 for k in kids)])
        wav, total = _tree_bytes(tmp)
        samples.wav_bytes = max(samples.wav_bytes, wav)
        samples.tmp_bytes = max(samples.tmp_bytes, total)
        stop.wait(POLL_S)


def _read_progress(fd: int, started: float, samples: Samples, sink: list[str]) -> None:
    """Collect what the child writes to its terminal; time each chunk progress line."""
    buffer = ""
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal (EIO)
            break
        if not data:
            break
        text = data.decode("utf-8", "replace")
        sink.append(text)
        buffer += text
        *done, buffer = re.split(r"[\r\n]", buffer)
        for part in done:
            match = PROGRESS.search(part)
            if match:
                samples.progress.append({"chunk": int(match[1]), "of": int(match[2]),
                                         "to_s": float(match[3]),
                                         "at_s": round(time.perf_counter() - started, 2)})


def run_transcribe(media: Path, work: Path, env: dict[str, str],
                   engine: str) -> tuple[dict, Samples, float, int, str]:
    """Run ``raqib transcribe`` on ``media``; return its JSON, samples, wall, maxrss KB, tty."""
    tmp = work / f"tmp-{media.stem}"
    tmp.mkdir(exist_ok=True)
    out = work / f"{media.stem}.json"
    errors = work / f"{media.stem}.stderr"
    child_env = {**env, "TMPDIR": str(tmp)}
    cmd = [str(ROOT / ".venv" / "bin" / "raqib"), "transcribe", str(media),
           "--language", "ar", "--format", "json", "--engine", engine]
    if not Path(cmd[0]).exists():
        cmd[0:1] = [sys.executable, "-m", "raqib"]
    master, slave = pty.openpty()
    samples, stop, tty = Samples(), threading.Event(), []
    started = time.perf_counter()
    with open(out, "wb") as stdout:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=slave, stdin=subprocess.DEVNULL,
                                env=child_env, cwd=str(work))
    os.close(slave)
    sampler = threading.Thread(target=_sample, args=(proc.pid, tmp, samples, stop),
                               daemon=True)
    reader = threading.Thread(target=_read_progress, args=(master, started, samples, tty),
                              daemon=True)
    sampler.start()
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    reader.join(timeout=5)
    os.close(master)
    stderr = "".join(tty)
    errors.write_text(stderr, encoding="utf-8")
    if proc.returncode != 0:
        raise SystemExit(f"raqib transcribe exited {proc.returncode} on {media.name}:\n"
                         f"{stderr[-2000:]}")
    return json.loads(out.read_text(encoding="utf-8")), samples, wall, usage.ru_maxrss, stderr


def recall(result: dict, placed: list[Placed]) -> dict[str, Any]:
    from transcribe.evaluation import normalize_for_scoring as norm

    segments = result.get("segments", [])
    heard = found = 0
    near_any = set()
    misses = []
    for clip in placed:
        lo, hi = clip.start - TOLERANCE_S, clip.end + TOLERANCE_S
        near = [i for i, s in enumerate(segments) if s["start"] < hi and s["end"] > lo]
        near_any.update(near)
        text = norm(" ".join(segments[i]["text"] for i in near))
        heard += bool(near)
        if any(norm(word) in text for word in clip.keywords):
            found += 1
        else:
            misses.append({"placed_s": round(clip.start, 1), "slug": clip.slug,
                           "heard": " ".join(segments[i]["text"] for i in near)})
    spurious = [s for i, s in enumerate(segments) if i not in near_any]
    dropped = result.get("dropped", [])
    in_dropped = sum(  # the hallucination filter threw the clip's words away
        any(norm(word) in norm(" ".join(d["text"] for d in dropped
                                        if d["start"] < c.end + TOLERANCE_S
                                        and d["end"] > c.start - TOLERANCE_S))
            for word in c.keywords) for c in placed)
    return {"clips_placed": len(placed), "clips_heard": heard, "clips_found": found,
            "clips_found_in_dropped": in_dropped, "spurious_segments": len(spurious),
            "spurious_examples": [{"start": s["start"], "text": s["text"]}
                                  for s in spurious[:5]],
            "missed_examples": misses[:5]}


def _measure_run(minutes: float, media: Path, placed: list[Placed], make_s: float,
                 work: Path, env: dict[str, str], engine: str) -> dict[str, Any]:
    from transcribe.audio import probe

    audio_s = probe(media).duration or minutes * 60.0
    print(f"transcribing {audio_s / 60:.1f} min ({media.stat().st_size / MIB:.1f} MiB)...",
          file=sys.stderr, flush=True)
    result, samples, wall, maxrss_kb, _ = run_transcribe(media, work, env, engine)
    peak = max(samples.hwm_mb, samples.rss_mb)
    wav_mb = (samples.wav_bytes or audio_s * RATE * 2) / MIB
    first = samples.progress[0]["at_s"] if samples.progress else None
    row = {
        "minutes": minutes, "audio_s": round(audio_s, 1), "media_mb":
            round(media.stat().st_size / MIB, 2), "make_media_s": round(make_s, 1),
        "wall_s": round(wall, 1), "speed": round(audio_s / wall, 2),
        "transcriber_peak_rss_mb": round(peak, 1),
        "transcriber_maxrss_wait4_mb": round(maxrss_kb / 1024, 1),
        "tree_peak_rss_mb": round(samples.tree_mb, 1),
        "largest_child_rss_mb": round(samples.child_mb, 1),
        "wav_mb": round(wav_mb, 1), "wav_seen": bool(samples.wav_bytes),
        "tmp_peak_mb": round(samples.tmp_bytes / MIB, 1),
        "rss_over_wav": round(peak / wav_mb, 3) if wav_mb else 0.0,
        "chunks": result.get("params", {}).get("chunks"),
        "chunk_seconds": result.get("params", {}).get("chunk_seconds"),
        "progress_lines": len(samples.progress), "first_chunk_s": first,
        "chunk_progress": samples.progress,
        "segments": len(result.get("segments", [])), "dropped": len(result.get("dropped", [])),
        "language": result.get("language"),
    }
    row.update(recall(result, placed))
    return row


def _table(rows: list[dict]) -> str:
    head = "| " + " | ".join(name for name, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(fmt(r) for _, fmt in COLUMNS) + " |" for r in rows]
    return "\n".join([head, rule, *body])


def _env(work: Path, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env["RAQIB_TRANSCRIBE_MODEL"] = "bundled-base"
    env.setdefault("RAQIB_DATA_DIR", str(work / "data"))
    env.pop("RAQIB_CONFIG", None)  # built-in defaults plus the variables set here
    if args.chunk_seconds:
        env["RAQIB_TRANSCRIBE_CHUNK_SECONDS"] = str(args.chunk_seconds)
    if args.threads:
        env["RAQIB_TRANSCRIBE_THREADS"] = str(args.threads)
    return env


def _prepare_model(env: dict[str, str], engine: str) -> float:
    """Assemble the bundled model (and the openai-whisper checkpoint) once, untimed."""
    started = time.perf_counter()
    code = ("from pathlib import Path; from raqib.config import load_config; "
            "from transcribe.model_resolver import models_dir, resolve_model; "
            "d = load_config().data_dir; m = resolve_model('bundled-base', d)\n"
            f"if {engine == 'openai-whisper'}:\n"
            "    from transcribe.ct2_convert import cached_conversion\n"
            "    cached_conversion(Path(m.source), m.sha256, models_dir(d) / 'openai')\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=str(ROOT),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"cannot prepare the bundled model: {proc.stderr.strip()[-1000:]}")
    return time.perf_counter() - started


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError("lengths must be positive")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=_floats, default=[180.0, 30.0],
                        help="comma-separated lengths in minutes (default 180,30)")
    parser.add_argument("--every", type=float, default=10.0,
                        help="minutes between placed Arabic clips (default 10)")
    parser.add_argument("--offset", type=float, default=45.0,
                        help="seconds into each period where its clip starts (default 45)")
    parser.add_argument("--chunk-seconds", type=int, default=0,
                        help="override transcribe.chunk_seconds (default: the setting, 600)")
    parser.add_argument("--engine", choices=("faster-whisper", "openai-whisper"),
                        default="faster-whisper", help="speech engine (default faster-whisper)")
    parser.add_argument("--threads", type=int, default=0,
                        help="override transcribe.threads (default: automatic)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work dir (media, JSON transcripts) and print its path")
    args = parser.parse_args()
    if args.every <= 0:
        parser.error("--every must be positive")
    if not shutil.which("ffmpeg") or not shutil.which("espeak-ng"):
        print("long_media: needs ffmpeg and espeak-ng on PATH", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="raqib-long-media-"))
    try:
        env = _env(work, args)
        model_s = _prepare_model(env, args.engine)
        clips = make_clips(work)
        rows = []
        for minutes in args.minutes:
            print(f"making {minutes:g} min of media...", file=sys.stderr, flush=True)
            media, placed, make_s = make_media(work, clips, minutes, args.every, args.offset)
            rows.append(_measure_run(minutes, media, placed, make_s, work, env, args.engine))
        summary = {
            "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores",
            "python": platform.python_version(), "engine": args.engine, "every_min": args.every,
            "offset_s": args.offset, "tolerance_s": TOLERANCE_S,
            "model_prepare_s": round(model_s, 1),
            "clips": {c.slug: round(c.seconds, 2) for c in clips},
        }
        if len(rows) > 1:
            by_len = sorted(rows, key=lambda r: r["audio_s"])
            short, long_ = by_len[0], by_len[-1]
            summary["length_ratio"] = round(long_["audio_s"] / short["audio_s"], 2)
            summary["wav_ratio"] = round(long_["wav_mb"] / short["wav_mb"], 2)
            summary["rss_ratio"] = round(long_["transcriber_peak_rss_mb"]
                                         / short["transcriber_peak_rss_mb"], 2)
        print(_table(rows))
        print(json.dumps({"summary": summary, "runs": rows}, ensure_ascii=False, indent=2))
    finally:
        if args.keep:
            print(f"work dir kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
