"""The CTranslate2 → openai-whisper converter on the real bundled base model."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from raqib.config import load_config
from transcribe.ct2_convert import cached_conversion, convert, whisper_dims
from transcribe.ct2_format import ConversionError, read_model_bin
from transcribe.model_resolver import models_dir

torch = pytest.importorskip("torch", reason="the [openai] extra (torch) is not installed")
whisper = pytest.importorskip("whisper", reason="the [openai] extra is not installed")

BASE_DIMS = {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8,
             "n_audio_layer": 6, "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512,
             "n_text_head": 8, "n_text_layer": 6}


def raqib(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], capture_output=True,
                          text=True, env=os.environ.copy(), timeout=120)


@pytest.fixture(scope="module")
def ct2(bundled_model: Path):
    return read_model_bin(bundled_model / "model.bin")


@pytest.fixture(scope="module")
def converted(bundled_model: Path) -> tuple[Path, dict]:
    """The checkpoint the openai-whisper engine uses (shared with its tests)."""
    from transcribe.bundled_model import load_pins

    sha = load_pins()["files"]["model.bin"]["sha256"]
    return cached_conversion(bundled_model, sha, models_dir(load_config().data_dir) / "openai")


@pytest.fixture(scope="module")
def state(converted: tuple[Path, dict]) -> dict:
    return torch.load(converted[0], map_location="cpu", weights_only=True)


def _f32(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float32)


def test_header_and_dimensions(ct2) -> None:
    assert (ct2.spec_name, ct2.binary_version, ct2.revision) == ("WhisperSpec", 6, 3)
    assert ct2.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    assert whisper_dims(ct2) == BASE_DIMS


def test_fused_projections_are_split(ct2, state: dict) -> None:
    sd = state["model_state_dict"]
    assert state["dims"] == BASE_DIMS
    qkv = _f32(ct2.variables["encoder/layer_3/self_attention/linear_0/weight"])
    qkv_bias = _f32(ct2.variables["encoder/layer_3/self_attention/linear_0/bias"])
    for i, part in enumerate(("query", "key", "value")):
        got = sd[f"encoder.blocks.3.attn.{part}.weight"].float().numpy()
        assert np.array_equal(got, qkv[i * 512:(i + 1) * 512])
    assert "encoder.blocks.3.attn.key.bias" not in sd
    assert np.array_equal(sd["encoder.blocks.3.attn.value.bias"].float().numpy(),
                          qkv_bias[1024:])
    assert not qkv_bias[512:1024].any(), "CTranslate2 stores zeros for the key bias"
    kv = _f32(ct2.variables["decoder/layer_5/attention/linear_1/weight"])
    assert np.array_equal(sd["decoder.blocks.5.cross_attn.key.weight"].float().numpy(),
                          kv[:512])
    assert np.array_equal(sd["decoder.blocks.5.cross_attn.value.weight"].float().numpy(),
                          kv[512:])
    assert np.array_equal(sd["decoder.blocks.5.cross_attn.query.weight"].float().numpy(),
                          _f32(ct2.variables["decoder/layer_5/attention/linear_0/weight"]))


def test_embeddings_norms_and_convolutions(ct2, state: dict) -> None:
    sd = state["model_state_dict"]
    pairs = {
        "decoder.token_embedding.weight": "decoder/embeddings/weight",
        "decoder.positional_embedding": "decoder/position_encodings/encodings",
        "encoder.positional_embedding": "encoder/position_encodings/encodings",
        "encoder.conv1.weight": "encoder/conv1/weight",
        "encoder.conv2.bias": "encoder/conv2/bias",
        "encoder.ln_post.weight": "encoder/layer_norm/gamma",
        "decoder.ln.bias": "decoder/layer_norm/beta",
        "decoder.blocks.0.mlp.2.weight": "decoder/layer_0/ffn/linear_1/weight",
        "decoder.blocks.0.cross_attn_ln.weight": "decoder/layer_0/attention/layer_norm/gamma",
        "encoder.blocks.1.mlp_ln.bias": "encoder/layer_1/ffn/layer_norm/beta",
    }
    for ours, theirs in pairs.items():
        assert np.array_equal(sd[ours].float().numpy(), _f32(ct2.variables[theirs])), ours
    assert sd["encoder.conv1.weight"].shape == (512, 80, 3)  # 80 mel filters for base
    assert sd["decoder.token_embedding.weight"].dtype == torch.float16  # source precision


def test_checkpoint_loads_in_openai_whisper(converted: tuple[Path, dict], state: dict) -> None:
    path, report = converted
    model = whisper.load_model(str(path), device="cpu")
    assert model.dims.n_text_layer == 6 and model.is_multilingual
    model.set_alignment_heads(state["alignment_heads"])
    heads = model.alignment_heads.to_dense().nonzero().tolist()
    assert heads == [[3, 1], [4, 2], [4, 3], [4, 7], [5, 1], [5, 2], [5, 4], [5, 6]]
    assert report["alignment_heads_from"] == "config.json"
    assert report["output_sha256"] != report["source_sha256"]
    assert len(report["output_sha256"]) == 64


def test_conversion_is_cached_and_deterministic(bundled_model: Path, converted, tmp_path) -> None:
    path, report = converted
    mtime = path.stat().st_mtime_ns
    again, _ = cached_conversion(bundled_model, report["source_sha256"], path.parent)
    assert again == path and path.stat().st_mtime_ns == mtime  # reused, not rewritten
    other = convert(bundled_model, tmp_path / "elsewhere.pt")
    assert other.output_sha256 == report["output_sha256"]  # same bytes whatever the name


def _copy_model(bundled_model: Path, dest: Path, data: bytes) -> Path:
    dest.mkdir()
    shutil.copy(bundled_model / "config.json", dest / "config.json")
    (dest / "model.bin").write_bytes(data)
    return dest


@pytest.mark.parametrize(("damage", "message"), [
    (lambda b: b[:5_000_000], "truncated"),
    (lambda b: struct.pack("<I", 99) + b[4:], "unsupported binary version 99"),
    (lambda b: b + b"\0\0\0", "unexpected trailing bytes"),
    (lambda b: b"", "empty"),
])
def test_corrupt_model_bin_is_a_clear_error(bundled_model: Path, tmp_path: Path, damage,
                                            message: str) -> None:
    data = (bundled_model / "model.bin").read_bytes()
    bad = _copy_model(bundled_model, tmp_path / "bad", damage(data))
    with pytest.raises(ConversionError, match=message):
        convert(bad, tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()
    assert not list(tmp_path.glob(".out.pt.*")), "a temporary file was left behind"


def test_cli_convert_and_list(bundled_model: Path, converted, tmp_path: Path) -> None:
    bad = _copy_model(bundled_model, tmp_path / "broken",
                      (bundled_model / "model.bin").read_bytes()[:1000])
    proc = raqib("models", "convert", str(bad), str(tmp_path / "x.pt"))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "raqib: cannot convert" in proc.stderr and "truncated" in proc.stderr
    proc = raqib("models", "convert", str(bad), str(tmp_path / "x.bin"))
    assert proc.returncode == 2 and "DEST must be a .pt file" in proc.stderr
    proc = raqib("models", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["models"]
    kinds = {r["kind"]: r for r in rows}
    assert kinds["bundled"]["path"] == str(bundled_model)
    assert kinds["openai-checkpoint"]["sha256"] == converted[1]["output_sha256"]


def test_a_checkpoint_path_is_a_model_for_openai_whisper_only(converted) -> None:
    from transcribe.bundled_model import ModelError
    from transcribe.faster_whisper_engine import FasterWhisperEngine
    from transcribe.model_resolver import resolve_model

    path, report = converted
    resolved = resolve_model(str(path), load_config().data_dir)
    assert (resolved.kind, resolved.sha256) == ("checkpoint", report["output_sha256"])
    with pytest.raises(ModelError, match="openai-whisper checkpoint"):
        FasterWhisperEngine(resolved)
