"""How the transcribe.model setting is resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcribe.bundled_model import ModelError
from transcribe.model_resolver import resolve_model

PIN = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"


def test_bundled_base(bundled_model: Path) -> None:
    resolved = resolve_model("bundled-base", bundled_model.parent.parent)
    assert (Path(resolved.source), resolved.sha256, resolved.kind) == (bundled_model, PIN,
                                                                       "bundled")
    assert resolved.model_id == bundled_model.name


def test_local_directory_is_used_as_is_and_its_hash_cached(bundled_model: Path,
                                                           tmp_path: Path) -> None:
    resolved = resolve_model(str(bundled_model), tmp_path)
    assert (Path(resolved.source), resolved.sha256, resolved.kind) == (bundled_model, PIN,
                                                                       "directory")
    assert PIN in (tmp_path / "models" / ".sha256-cache.json").read_text()


def test_directory_without_weights_is_refused(tmp_path: Path) -> None:
    (tmp_path / "not-a-model").mkdir()
    with pytest.raises(ModelError, match="no model.bin"):
        resolve_model(str(tmp_path / "not-a-model"), tmp_path)


def test_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere"), tmp_path)


def test_named_model_offline_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from faster_whisper.utils import download_model

    try:
        download_model("large-v3-turbo", local_files_only=True)
        pytest.skip("large-v3-turbo is in this machine's Hugging Face cache")
    except Exception:
        pass
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as err:
        resolve_model("large-v3-turbo", tmp_path)
    assert str(err.value) == ("model 'large-v3-turbo' is not available offline; set "
                              "transcribe.model to a local directory or 'bundled-base'")


def test_unknown_model_name(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unknown Whisper model 'huge-v9'"):
        resolve_model("huge-v9", tmp_path)

