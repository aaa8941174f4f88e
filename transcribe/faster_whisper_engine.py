"""The faster-whisper (CTranslate2) engine: Whisper transcription with timed segments.

Decoding choices, all recorded in ``TranscriptionResult.params`` so a transcript can be
reproduced and audited: the task is always "transcribe" (never translate: the words said
on air are the evidence); the language is the caller's hint or else detected; Silero VAD
skips silence and music; word timestamps tighten segment boundaries;
``condition_on_previous_text`` is off so one misheard phrase does not derail the rest;
temperature fallback (0.0…1.0, retried when a window's compression ratio, average
log-probability or no-speech probability crosses its threshold) is spelled out; CTranslate2's
random seed is fixed before each run so sampling at higher temperatures is repeatable.
``auto`` picks CUDA with float16 when a GPU is visible, else CPU with int8; threads default
to every core this process may use. Word timestamps and each segment's compression ratio are
kept on the ``SegmentResult``. ``hotwords`` (the persons registry's names and watchlist
words, ``raqib.hotwords``) go to faster-whisper's ``hotwords`` option, a prompt before
every window, and are recorded in the params; none, and the option is left out.

On CUDA (only), ``BatchedInferencePipeline`` decodes ``batch_size`` VAD chunks at once; the
CPU path is the sequential one. That branch is ``_run_batched`` and is recorded as
``"batched": true`` with its ``batch_size`` in the params.

Language detection (``detect_language``, declared with ``detects_language``) runs Whisper's
detector with the VAD on the first ``DETECT_OPENING_S`` seconds only (a few 30 s windows, so
a musical opening is skipped), read straight from the chunker's WAV.

Models are loaded once per process and shared (keyed by weights, device, precision, threads).
To tune decoding, add a constructor argument and put it in ``_options``; it is then
recorded automatically.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from catalog.components import Settings
from transcribe.audio import SAMPLE_RATE, opening_samples, prepared_audio
from transcribe.base import (
    Engine,
    Progress,
    ResolvedModel,
    SegmentResult,
    TranscriptionError,
    TranscriptionResult,
)
from transcribe.bundled_model import ModelError
from transcribe.hardware import available_cores
from transcribe.model_resolver import describe_directory

ENGINE_NAME = "faster-whisper"
SEED = 20210420
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's own default fallback
COMPRESSION_RATIO_THRESHOLD = 2.4  # above: the window is repetitive, retry hotter
LOG_PROB_THRESHOLD = -1.0  # below: the window is unlikely, retry hotter
NO_SPEECH_THRESHOLD = 0.6  # above (with a low log-probability): the window is silence
DETECT_OPENING_S = 120  # seconds of audio language detection looks at (VAD picks speech)

_models: dict[tuple[str, str, str, int], Any] = {}
_models_lock = threading.Lock()


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def pick_compute_type(compute_type: str, device: str) -> str:
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


def load_model(source: str, device: str, compute_type: str, threads: int) -> Any:
    """Return a cached ``WhisperModel``; loading takes seconds, so do it once per process."""
    key = (source, device, compute_type, threads)
    with _models_lock:
        if key not in _models:
            from faster_whisper import WhisperModel

            try:
                _models[key] = WhisperModel(source, device=device, compute_type=compute_type,
                                            cpu_threads=threads)
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(f"cannot load the Whisper model {source} on {device} "
                                 f"({compute_type}): {exc}") from exc
        return _models[key]


def _as_resolved(model: ResolvedModel | str | Path) -> ResolvedModel:
    if isinstance(model, ResolvedModel):
        return model
    if Path(model).is_dir():
        return describe_directory(Path(model))
    return ResolvedModel(str(model), str(model), "", "named")


class FasterWhisperEngine(Engine):
    """``Engine`` implementation over faster-whisper."""

    name = ENGINE_NAME
    detects_language = True

    @classmethod
    def from_config(cls, config: Settings, model: ResolvedModel) -> FasterWhisperEngine:
        """Build the engine from ``transcribe.*`` settings (the registry calls this)."""
        return cls(model, device=config.get("transcribe.device"),
                   compute_type=config.get("transcribe.compute_type"),
                   beam_size=config.get("transcribe.beam_size"),
                   vad=config.get("transcribe.vad"),
                   threads=config.get("transcribe.threads"),
                   batch_size=config.get("transcribe.batch_size"))

    def __init__(self, model: ResolvedModel | str | Path, device: str = "auto",
                 compute_type: str = "auto", beam_size: int = 5, vad: bool = True,
                 threads: int = 0, seed: int = SEED, batch_size: int = 8) -> None:
        super().__init__(_as_resolved(model))
        if self.model.kind == "checkpoint":
            raise ModelError(f"{self.model.source} is an openai-whisper checkpoint; the "
                             f"faster-whisper engine needs a CTranslate2 model directory "
                             f"(use --engine openai-whisper for .pt files)")
        self.device = pick_device(device)
        self.compute_type = pick_compute_type(compute_type, self.device)
        self.beam_size = beam_size
        self.vad = vad
        # 0 means "all cores" in Raqib's settings; CTranslate2 would read it as 4.
        self.threads = threads or available_cores()
        self.seed = seed
        self.batch_size = batch_size
        self.batched = self.device == "cuda" and batch_size > 1

    def _options(self, language: str | None) -> dict[str, Any]:
        return {
            "task": "transcribe",
            "language": language,
            "beam_size": self.beam_size,
            "vad_filter": self.vad,
            "word_timestamps": True,
            "condition_on_previous_text": False,
            "temperature": list(TEMPERATURES),
            "compression_ratio_threshold": COMPRESSION_RATIO_THRESHOLD,
            "log_prob_threshold": LOG_PROB_THRESHOLD,
            "no_speech_threshold": NO_SPEECH_THRESHOLD,
            **({"hotwords": self.hotwords} if self.hotwords else {}),
        }

    def params(self, language: str | None) -> dict[str, Any]:
        import ctranslate2
        import faster_whisper

        return {**self._options(language), "language_hint": language, "seed": self.seed,
                "device": self.device, "compute_type": self.compute_type,
                "cpu_threads": self.threads, "batched": self.batched,
                **({"batch_size": self.batch_size} if self.batched else {}),
                "faster_whisper_version": faster_whisper.__version__,
                "ctranslate2_version": ctranslate2.__version__}

    def transcribe(self, media: Path, language: str | None = None, *,
                   progress: Progress | None = None) -> TranscriptionResult:
        """Transcribe ``media``; ``progress(done_seconds, total_seconds)`` after each segment."""
        language = (language or "").strip() or None
        with prepared_audio(Path(media)) as samples:
            duration = len(samples) / SAMPLE_RATE
            whisper = load_model(self.model.source, self.device, self.compute_type, self.threads)
            segments, language_found, probability = self._run(whisper, samples, language,
                                                              duration, progress)
        return TranscriptionResult(
            language=language_found, language_probability=probability, duration=duration,
            segments=segments, engine=self.name, model_id=self.model_id,
            model_sha256=self.model_sha256, params=self.params(language))

    def detect_language(self, media: Path) -> tuple[str, float] | None:
        """Whisper's language detection (with the VAD) on the opening of ``media``."""
        # A few windows' worth, so the VAD can skip a musical opening; never the whole file.
        with opening_samples(Path(media), DETECT_OPENING_S) as samples:
            whisper = load_model(self.model.source, self.device, self.compute_type,
                                 self.threads)
            try:
                lang, prob, _ = whisper.detect_language(samples, vad_filter=True)
            except (RuntimeError, ValueError) as exc:
                raise TranscriptionError(f"language detection failed: {exc}") from exc
        return str(lang), float(prob)

    def _run(self, whisper: Any, samples: Any, language: str | None, duration: float,
             progress: Progress | None) -> tuple[list[SegmentResult], str, float | None]:
        import ctranslate2

        ctranslate2.set_random_seed(self.seed)
        try:
            if self.batched:
                produced, info = self._run_batched(whisper, samples, language)
            else:
                produced, info = whisper.transcribe(samples, **self._options(language))
            segments = [self._segment(seg, duration, progress) for seg in produced]
        except (RuntimeError, ValueError) as exc:
            raise TranscriptionError(f"the speech engine failed: {exc}") from exc
        probability = None if info.language_probability is None \
            else float(info.language_probability)
        return segments, info.language, probability

    def _run_batched(self, whisper: Any, samples: Any, language: str | None) -> Any:
        """CUDA only: decode ``batch_size`` VAD chunks at a time (same options)."""
        from faster_whisper import BatchedInferencePipeline

        options = {k: v for k, v in self._options(language).items() if k != "vad_filter"}
        return BatchedInferencePipeline(whisper).transcribe(
            samples, batch_size=self.batch_size, vad_filter=self.vad, **options)

    @staticmethod
    def _segment(seg: Any, duration: float, progress: Progress | None) -> SegmentResult:
        end = min(float(seg.end), duration)
        if progress is not None:
            progress(end, duration)
        words = None if seg.words is None else [
            {"start": round(float(w.start), 3), "end": round(min(float(w.end), duration), 3),
             "word": w.word.strip(), "p": round(float(w.probability), 4)} for w in seg.words]
        return SegmentResult(start=float(seg.start), end=end, text=seg.text.strip(),
                             avg_logprob=float(seg.avg_logprob),
                             no_speech_prob=float(seg.no_speech_prob), words=words,
                             compression_ratio=float(seg.compression_ratio))
