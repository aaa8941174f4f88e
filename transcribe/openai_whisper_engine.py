"""The openai-whisper engine: the reference PyTorch implementation, for those who want it.

Weights: a CTranslate2 model (``bundled-base``, a local faster-whisper directory or a named
model faster-whisper can fetch) is converted once by ``transcribe.ct2_convert`` and cached
as ``<data_dir>/models/openai/<model.bin sha256>.pt``; an openai-whisper ``.pt`` checkpoint
path is used as is. The transcript records the checkpoint's SHA-256 (and the source's).

Decoding mirrors the faster-whisper engine so both can be compared: task always
"transcribe"; the caller's language hint, else ``model.detect_language`` on the first 30 s
of speech; Silero VAD (faster-whisper's) keeps only speech, which is decoded as one
concatenated signal and its timestamps mapped back to the original timeline; word
timestamps; ``condition_on_previous_text`` off; temperature fallback 0.0…1.0 with the
compression-ratio / log-probability / no-speech thresholds; ``torch.manual_seed`` before
each run; fp32 on CPU and fp16 on CUDA; torch's intra-op threads = ``transcribe.threads``,
or ``DEFAULT_THREADS`` (1) when it is 0: on a busy machine torch's threads spin waiting for
each other (issue 27: two threads spent 3.1x the CPU time of one on a loaded 2-core
machine), so more than one is for a machine kept idle for it; inter-op threads are set to 1
once per process (``configure_torch_threads``), before any parallel work.
``hotwords`` (``raqib.hotwords``) go to openai-whisper as its ``initial_prompt`` with
``carry_initial_prompt`` (the prompt before every 30 s window, as faster-whisper's
``hotwords`` are; without it only the first window would see them).
Every choice is in ``TranscriptionResult.params``. ``model_sha256`` is the checkpoint's
(the weights that run), the source model's is in the params as ``source_model_sha256``.

To tune decoding: add a constructor argument and put it in ``_options`` (recorded).
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import numpy as np

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
from transcribe.model_resolver import cached_sha256, describe_directory

ENGINE_NAME = "openai-whisper"
SEED = 20210420
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
COMPRESSION_RATIO_THRESHOLD = 2.4
LOGPROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
DETECT_OPENING_S = 120  # seconds of audio language detection looks at (VAD picks speech)
DEFAULT_THREADS = 1  # torch threads when transcribe.threads is 0 (see the module docstring)

_models: dict[tuple[str, str], Any] = {}
_models_lock = threading.Lock()
_interop_lock = threading.Lock()
_interop_done = False


def configure_torch_threads(threads: int) -> None:
    """Set torch's intra-op threads to ``threads`` and, once per process, its inter-op
    threads to 1. ``torch.set_num_interop_threads`` may only be called once and before any
    inter-op work has started; when something else already started it, torch's error is
    swallowed and its pool left as it is (the intra-op threads are what decoding uses)."""
    global _interop_done
    import torch

    with _interop_lock:
        if not _interop_done:
            _interop_done = True
            with contextlib.suppress(RuntimeError):  # already set or running: leave it
                torch.set_num_interop_threads(1)
    torch.set_num_threads(threads)


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def checkpoint_for(model: ResolvedModel, cache_dir: Path) -> tuple[Path, str]:
    """The openai-whisper checkpoint for ``model`` and its SHA-256, converting if needed."""
    source = Path(model.source)
    if source.is_file() and source.suffix == ".pt":
        return source, model.sha256 or cached_sha256(source, cache_dir.parent)
    if not (source / "model.bin").is_file():
        raise ModelError(f"the openai-whisper engine needs a local model; {model.source} is "
                         f"neither a CTranslate2 directory nor a .pt checkpoint")
    from transcribe.ct2_convert import cached_conversion

    path, report = cached_conversion(source, model.sha256 or cached_sha256(source / "model.bin"),
                                     cache_dir)
    return path, report["output_sha256"]


def load_checkpoint(path: Path, device: str) -> Any:
    """Return a cached ``whisper.model.Whisper`` for the checkpoint ``path`` on ``device``."""
    key = (str(path), device)
    with _models_lock:
        if key not in _models:
            import torch
            from whisper.model import ModelDimensions, Whisper

            try:
                checkpoint = torch.load(path, map_location="cpu", weights_only=True)
                model = Whisper(ModelDimensions(**checkpoint["dims"]))
                model.load_state_dict(checkpoint["model_state_dict"])
                if checkpoint.get("alignment_heads"):
                    model.set_alignment_heads(checkpoint["alignment_heads"])
                _models[key] = model.to(device).eval()
            except (RuntimeError, ValueError, OSError, KeyError, TypeError) as exc:
                raise ModelError(f"cannot load the openai-whisper checkpoint {path} on "
                                 f"{device}: {str(exc).splitlines()[0][:200]}") from exc
        return _models[key]


class OpenAIWhisperEngine(Engine):
    """``Engine`` implementation over openai-whisper."""

    name = ENGINE_NAME
    detects_language = True

    @classmethod
    def from_config(cls, config: Settings, model: ResolvedModel) -> OpenAIWhisperEngine:
        """Build the engine from ``transcribe.*`` settings (the registry calls this)."""
        from transcribe.model_resolver import models_dir

        try:
            import torch  # noqa: F401
            import whisper  # noqa: F401
        except ImportError as exc:
            raise TranscriptionError(f"the openai-whisper engine is not installed ({exc.name} is "
                                     f"missing); install it with: pip install -e '.[openai]'"
                                     ) from None
        return cls(model, cache_dir=models_dir(config.data_dir) / "openai",
                   device=config.get("transcribe.device"),
                   beam_size=config.get("transcribe.beam_size"),
                   vad=config.get("transcribe.vad"),
                   threads=config.get("transcribe.threads"))

    def __init__(self, model: ResolvedModel | str | Path, cache_dir: Path, device: str = "auto",
                 beam_size: int = 5, vad: bool = True, threads: int = 0,
                 seed: int = SEED) -> None:
        if not isinstance(model, ResolvedModel):
            path = Path(model)
            model = describe_directory(path) if path.is_dir() else \
                ResolvedModel(str(path), path.stem, "", "checkpoint")
        super().__init__(model)
        self.checkpoint, self.checkpoint_sha256 = checkpoint_for(model, Path(cache_dir))
        self.device = pick_device(device)
        self.beam_size = beam_size
        self.vad = vad
        self.threads = threads or DEFAULT_THREADS
        self.seed = seed

    def _options(self, language: str) -> dict[str, Any]:
        return {
            "task": "transcribe",
            "language": language,
            "beam_size": self.beam_size,
            "best_of": self.beam_size,
            "word_timestamps": True,
            "condition_on_previous_text": False,
            "temperature": TEMPERATURES,
            "compression_ratio_threshold": COMPRESSION_RATIO_THRESHOLD,
            "logprob_threshold": LOGPROB_THRESHOLD,
            "no_speech_threshold": NO_SPEECH_THRESHOLD,
            "fp16": self.device.startswith("cuda"),
            "verbose": None,
            **({"initial_prompt": self.hotwords, "carry_initial_prompt": True}
               if self.hotwords else {}),
        }

    @property
    def model_sha256(self) -> str:
        return self.checkpoint_sha256

    def params(self, language: str | None, detected: str | None = None) -> dict[str, Any]:
        """Every decoding choice; ``language`` is the hint, ``detected`` what was used."""
        import torch
        import whisper

        options = {k: v for k, v in self._options(detected or language).items()
                   if k != "verbose"}
        return {**options, "temperature": list(TEMPERATURES), "language_hint": language,
                "vad_filter": self.vad, "seed": self.seed, "device": self.device,
                "precision": "float16" if options["fp16"] else "float32",
                "cpu_threads": self.threads, "checkpoint": self.checkpoint.name,
                "checkpoint_sha256": self.checkpoint_sha256,
                "source_model_sha256": self.model.sha256,
                "openai_whisper_version": whisper.__version__,
                "torch_version": torch.__version__}

    def transcribe(self, media: Path, language: str | None = None, *,
                   progress: Progress | None = None) -> TranscriptionResult:
        """Transcribe ``media``; ``progress(done_seconds, total_seconds)`` per segment."""
        hint = (language or "").strip() or None
        with prepared_audio(Path(media)) as samples:
            duration = len(samples) / SAMPLE_RATE
            model = load_checkpoint(self.checkpoint, self.device)
            try:
                segments, found, probability = self._run(model, samples, hint, duration,
                                                         progress)
            except (RuntimeError, ValueError) as exc:
                raise TranscriptionError(f"the speech engine failed: {exc}") from exc
        return TranscriptionResult(
            language=found, language_probability=probability, duration=duration,
            segments=segments, engine=self.name, model_id=self.model_id,
            model_sha256=self.model_sha256, params=self.params(hint, found))

    def detect_language(self, media: Path) -> tuple[str, float] | None:
        """Whisper's language detection on the first 30 s of speech in ``media`` (None when
        the VAD finds no speech)."""
        # Only the opening is extracted and read: a 3-hour file costs no more than a clip.
        with opening_samples(Path(media), DETECT_OPENING_S) as samples:
            speech, _ = self._speech(samples)
            model = load_checkpoint(self.checkpoint, self.device)
            configure_torch_threads(self.threads)
            try:
                language, probability = _detect_language(model, speech)
            except (RuntimeError, ValueError) as exc:
                raise TranscriptionError(f"language detection failed: {exc}") from exc
        return None if probability is None else (language, probability)

    def _run(self, model: Any, samples: np.ndarray, hint: str | None, duration: float,
             progress: Progress | None) -> tuple[list[SegmentResult], str, float | None]:
        import torch
        import whisper

        configure_torch_threads(self.threads)
        torch.manual_seed(self.seed)
        speech, time_map = self._speech(samples)
        if hint is None:
            language, probability = _detect_language(model, speech)
        else:
            language, probability = hint, None
        if len(speech) == 0:
            return [], language, probability
        with torch.inference_mode():
            result = whisper.transcribe(model, speech, **self._options(language))
        segments = []
        for seg in result["segments"]:
            made = _segment(seg, time_map, duration)
            if made is None:
                continue
            segments.append(made)
            if progress is not None:
                progress(made.end, duration)
        return segments, language, probability

    def _speech(self, samples: np.ndarray) -> tuple[np.ndarray, Any]:
        """Only the speech (Silero VAD), and a map from its timeline back to the original."""
        if not self.vad:
            return samples, None
        from faster_whisper.vad import SpeechTimestampsMap, VadOptions, get_speech_timestamps

        chunks = get_speech_timestamps(samples, VadOptions(), sampling_rate=SAMPLE_RATE)
        if not chunks:
            return np.zeros(0, dtype=np.float32), None
        speech = np.concatenate([samples[c["start"]:c["end"]] for c in chunks])
        return speech, SpeechTimestampsMap(chunks, SAMPLE_RATE)


def _detect_language(model: Any, speech: np.ndarray) -> tuple[str, float | None]:
    import whisper

    if len(speech) == 0:
        return "", None
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(speech), model.dims.n_mels)
    _, probs = model.detect_language(mel.to(model.device))
    language = max(probs, key=probs.get)
    return language, float(probs[language])


def _original(time_map: Any, seconds: float, is_end: bool = False) -> float:
    if time_map is None:
        return float(seconds)
    index = time_map.get_chunk_index(seconds, is_end)
    return float(time_map.get_original_time(seconds, index))


def _segment(seg: dict[str, Any], time_map: Any, duration: float) -> SegmentResult | None:
    text = seg["text"].strip()
    if not text:
        return None
    start = min(_original(time_map, seg["start"]), duration)
    end = min(max(_original(time_map, seg["end"], is_end=True), start), duration)
    words = []
    for w in seg.get("words") or []:
        w_start = min(_original(time_map, w["start"]), duration)
        w_end = min(max(_original(time_map, w["end"], is_end=True), w_start), duration)
        words.append({"start": round(w_start, 3), "end": round(w_end, 3),
                      "word": w["word"].strip(), "p": round(float(w["probability"]), 4)})
    return SegmentResult(start=start, end=end, text=text,
                         avg_logprob=float(seg["avg_logprob"]),
                         no_speech_prob=float(seg["no_speech_prob"]), words=words,
                         compression_ratio=float(seg["compression_ratio"]))
