"""Convert a CTranslate2 (faster-whisper) Whisper model into an openai-whisper checkpoint.

No model can be downloaded in an air-gapped deployment, but the faster-whisper model the
project already ships (``bundled-base``) holds the same weights openai-whisper needs.

Reading ``model.bin`` is ``transcribe.ct2_format``'s job; this module maps its variables.

Mapping onto ``whisper.model.Whisper``'s state dict: ``layer_N/self_attention/linear_0``
is the fused query/key/value projection (split in three), ``linear_1`` the output;
``attention/linear_0`` is cross-attention's query and ``attention/linear_1`` its fused
key/value; ``ffn/linear_0|1`` are ``mlp.0|2``; ``*/layer_norm/gamma|beta`` are LayerNorm
``weight|bias``. openai-whisper's key projections have no bias: CTranslate2 stores zeros
there, and a bias on keys would not change attention anyway (softmax is invariant to a
per-query constant), so it is dropped. Dimensions come from the shapes (mel filters from
``conv1``: 80 for base, 128 for large-v3).

Word timestamps need the decoder's alignment heads. They come from ``config.json``
(``alignment_heads``) when present, else openai-whisper's own table when the dimensions
match an official model, else the last half of the decoder layers (openai-whisper's default).
They are stored in the checkpoint as ``alignment_heads`` (its base85 format); openai-whisper's
``load_model`` ignores that key, Raqib's engine applies it.

The output is deterministic (same source, same bytes); ``ConversionReport`` records the
SHA-256 of source and output. To support another architecture, add a mapping function
like ``_whisper_state`` and pick it by ``spec_name``.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from catalog.hashing import sha256_file
from transcribe.ct2_format import ConversionError, CT2Model, read_model_bin, weight

CONVERTER_VERSION = 1


@dataclass
class ConversionReport:
    source: str
    source_sha256: str
    output: str
    output_sha256: str
    dims: dict[str, int]
    source_dtype: str
    output_dtype: str
    alignment_heads_from: str
    converter_version: int = CONVERTER_VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _layers(model: CT2Model, prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    found = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    if not found or found != set(range(len(found))):
        raise ConversionError(f"the model has no complete {prefix} layers")
    return len(found)


def whisper_dims(model: CT2Model) -> dict[str, int]:
    """openai-whisper's ``ModelDimensions`` read from the variable shapes."""
    if model.spec_name != "WhisperSpec":
        raise ConversionError(f"not a Whisper model: CTranslate2 spec is {model.spec_name!r}")
    conv1 = model.get("encoder/conv1/weight")
    audio_pos = model.get("encoder/position_encodings/encodings")
    embed = model.get("decoder/embeddings/weight")
    text_pos = model.get("decoder/position_encodings/encodings")
    return {"n_mels": int(conv1.shape[1]), "n_audio_ctx": int(audio_pos.shape[0]),
            "n_audio_state": int(audio_pos.shape[1]),
            "n_audio_head": model.scalar("encoder/num_heads"),
            "n_audio_layer": _layers(model, "encoder"), "n_vocab": int(embed.shape[0]),
            "n_text_ctx": int(text_pos.shape[0]), "n_text_state": int(text_pos.shape[1]),
            "n_text_head": model.scalar("decoder/num_heads"),
            "n_text_layer": _layers(model, "decoder")}


def _linear(model: CT2Model, src: str, dest: str, out: dict[str, np.ndarray],
            bias: bool = True) -> None:
    out[f"{dest}.weight"] = weight(model, f"{src}/weight")
    if bias:
        out[f"{dest}.bias"] = weight(model, f"{src}/bias")


def _norm(model: CT2Model, src: str, dest: str, out: dict[str, np.ndarray]) -> None:
    out[f"{dest}.weight"] = weight(model, f"{src}/gamma")
    out[f"{dest}.bias"] = weight(model, f"{src}/beta")


def _split(model: CT2Model, src: str, dests: list[str], out: dict[str, np.ndarray]) -> None:
    """A fused projection (rows = the parts stacked); key parts get no bias."""
    w, b = weight(model, f"{src}/weight"), weight(model, f"{src}/bias")
    if w.shape[0] % len(dests) or b.shape[0] != w.shape[0]:
        raise ConversionError(f"{src} has shape {w.shape}; cannot split it in {len(dests)}")
    for dest, w_part, b_part in zip(dests, np.split(w, len(dests)), np.split(b, len(dests)),
                                    strict=True):
        out[f"{dest}.weight"] = w_part
        if not dest.endswith(".key"):
            out[f"{dest}.bias"] = b_part


def _whisper_state(model: CT2Model, dims: dict[str, int]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        _linear(model, f"encoder/{conv}", f"encoder.{conv}", out)
    out["encoder.positional_embedding"] = weight(model, "encoder/position_encodings/encodings")
    _norm(model, "encoder/layer_norm", "encoder.ln_post", out)
    for i in range(dims["n_audio_layer"]):
        src, dest = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        _block(model, src, dest, out)
    embed = weight(model, "decoder/embeddings/weight")
    if model.has("decoder/projection/weight") and \
            not np.array_equal(weight(model, "decoder/projection/weight"), embed):
        raise ConversionError("the output projection differs from the token embedding; "
                              "openai-whisper ties them, so this model cannot be converted")
    out["decoder.token_embedding.weight"] = embed
    out["decoder.positional_embedding"] = weight(model, "decoder/position_encodings/encodings")
    _norm(model, "decoder/layer_norm", "decoder.ln", out)
    for i in range(dims["n_text_layer"]):
        src, dest = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        _block(model, src, dest, out)
        _linear(model, f"{src}/attention/linear_0", f"{dest}.cross_attn.query", out)
        _split(model, f"{src}/attention/linear_1",
               [f"{dest}.cross_attn.key", f"{dest}.cross_attn.value"], out)
        _linear(model, f"{src}/attention/linear_2", f"{dest}.cross_attn.out", out)
        _norm(model, f"{src}/attention/layer_norm", f"{dest}.cross_attn_ln", out)
    return out


def _block(model: CT2Model, src: str, dest: str, out: dict[str, np.ndarray]) -> None:
    """Self-attention and feed-forward of one encoder or decoder layer."""
    _split(model, f"{src}/self_attention/linear_0",
           [f"{dest}.attn.query", f"{dest}.attn.key", f"{dest}.attn.value"], out)
    _linear(model, f"{src}/self_attention/linear_1", f"{dest}.attn.out", out)
    _norm(model, f"{src}/self_attention/layer_norm", f"{dest}.attn_ln", out)
    _linear(model, f"{src}/ffn/linear_0", f"{dest}.mlp.0", out)
    _linear(model, f"{src}/ffn/linear_1", f"{dest}.mlp.2", out)
    _norm(model, f"{src}/ffn/layer_norm", f"{dest}.mlp_ln", out)


def alignment_heads(dims: dict[str, int], config: dict[str, Any]) -> tuple[bytes, str]:
    """The alignment-head mask as openai-whisper's base85 dump, and where it came from."""
    layers, heads = dims["n_text_layer"], dims["n_text_head"]
    mask = np.zeros((layers, heads), dtype=bool)
    pairs = config.get("alignment_heads")
    if pairs and all(0 <= int(layer) < layers and 0 <= int(head) < heads
                     for layer, head in pairs):
        for layer, head in pairs:
            mask[int(layer), int(head)] = True
        return _dump(mask), "config.json"
    official = _official_heads(dims)
    if official is not None:
        return official
    mask[layers // 2:] = True
    return _dump(mask), "last half of the decoder layers (default)"


def _official_heads(dims: dict[str, int]) -> tuple[bytes, str] | None:
    from whisper import _ALIGNMENT_HEADS

    official = {  # n_mels, n_text_layer, n_text_state, n_vocab -> openai-whisper name
        (80, 4, 384, 51865): "tiny", (80, 6, 512, 51865): "base",
        (80, 12, 768, 51865): "small", (80, 24, 1024, 51865): "medium",
        (80, 32, 1280, 51865): "large-v2", (128, 32, 1280, 51866): "large-v3",
        (128, 4, 1280, 51866): "large-v3-turbo"}
    name = official.get((dims["n_mels"], dims["n_text_layer"], dims["n_text_state"],
                         dims["n_vocab"]))
    if name is None:
        return None
    return _ALIGNMENT_HEADS[name], f"openai-whisper table ({name})"


def _dump(mask: np.ndarray) -> bytes:
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0))


def convert(source_dir: Path, dest: Path) -> ConversionReport:
    """Convert the CTranslate2 Whisper model in ``source_dir`` into the checkpoint ``dest``.

    ``dest`` is written atomically (a temporary file renamed into place).
    """
    import torch

    source_dir = Path(source_dir)
    weights = source_dir / "model.bin"
    if not weights.is_file():
        raise ConversionError(f"{source_dir} is not a CTranslate2 model directory: it has no "
                              f"model.bin")
    model = read_model_bin(weights)
    dims = whisper_dims(model)
    state = _whisper_state(model, dims)
    _check_complete(state, dims)
    float_types = {v.dtype.name for k, v in model.variables.items()
                   if v.ndim >= 1 and not k.endswith("_scale")} - {"int8", "int16", "int32"}
    quantized = any(name.endswith("_scale") for name in model.variables)
    out_dtype = torch.float16 if float_types == {"float16"} and not quantized else torch.float32
    config = _read_config(source_dir)
    heads, heads_from = alignment_heads(dims, config)
    checkpoint = {"dims": dims,
                  "model_state_dict": {k: torch.from_numpy(np.ascontiguousarray(v)).to(out_dtype)
                                       for k, v in sorted(state.items())},
                  "alignment_heads": heads}
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        # A file object, not a path: torch names the archive after a path, which would make
        # the bytes depend on the (random) temporary name.
        with os.fdopen(fd, "wb") as handle:
            torch.save(checkpoint, handle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    source_types = sorted(float_types | ({"int8"} if quantized else set()))
    return ConversionReport(str(source_dir), sha256_file(weights), str(dest), sha256_file(dest),
                            dims, "+".join(source_types), str(out_dtype).removeprefix("torch."),
                            heads_from)


def _read_config(source_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((source_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _check_complete(state: dict[str, np.ndarray], dims: dict[str, int]) -> None:
    """Every tensor openai-whisper expects is present with the expected shape."""
    import torch
    from whisper.model import AudioEncoder, TextDecoder

    d = dims
    with torch.device("meta"):  # shapes only, no memory (Whisper itself needs a real device)
        expected = {
            **{f"encoder.{k}": v for k, v in AudioEncoder(
                d["n_mels"], d["n_audio_ctx"], d["n_audio_state"], d["n_audio_head"],
                d["n_audio_layer"]).state_dict().items()},
            **{f"decoder.{k}": v for k, v in TextDecoder(
                d["n_vocab"], d["n_text_ctx"], d["n_text_state"], d["n_text_head"],
                d["n_text_layer"]).state_dict().items()}}
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    wrong = [f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}" for k, v in expected.items()
             if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or extra or wrong:
        raise ConversionError("the converted weights do not fit openai-whisper: " + "; ".join(
            filter(None, [missing and f"missing {missing[:3]}", extra and f"extra {extra[:3]}",
                          wrong and f"shape {wrong[:3]}"])))


def cached_conversion(source_dir: Path, source_sha256: str, cache_dir: Path) -> tuple[Path, dict]:
    """Return the checkpoint for a CTranslate2 model, converting it once into
    ``cache_dir/<source_sha256>.pt`` (with a ``.json`` report beside it)."""
    cache_dir = Path(cache_dir)
    dest = cache_dir / f"{source_sha256}.pt"
    record = cache_dir / f"{source_sha256}.json"
    try:
        report = json.loads(record.read_text(encoding="utf-8"))
        if dest.is_file() and report.get("converter_version") == CONVERTER_VERSION \
                and report.get("output_size") == dest.stat().st_size:
            return dest, report
    except (OSError, ValueError, AttributeError):
        pass
    made = convert(source_dir, dest)
    if made.source_sha256 != source_sha256:
        raise ConversionError(f"{source_dir}/model.bin changed while it was converted "
                              f"(SHA-256 {made.source_sha256}, expected {source_sha256})")
    report = {**made.to_json(), "output_size": dest.stat().st_size}
    fd, tmp = tempfile.mkstemp(prefix=f".{record.name}.", suffix=".tmp", dir=cache_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    os.replace(tmp, record)
    return dest, report
