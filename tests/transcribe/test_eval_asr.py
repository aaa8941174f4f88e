"""``raqib eval-asr`` on generated Arabic clips, and the scoring normalisation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from transcribe_helpers import speak

from raqib.demo.speech import spoken_text
from transcribe.evaluation import EmptyReference, normalize_for_scoring, score

AMANI = spoken_text("tunnel-to-light-part-1")  # "أماني ابنتي الدكتورة أماني كانت في مستشفى"
MUSIC = spoken_text("bulletin-2021-04-22")  # "موسيقى حفل موسيقى"
WRONG = "قال الرئيس إن الحكومة مستمرة في عملها اليوم"


def test_normalisation_folds_spelling_variants() -> None:
    assert normalize_for_scoring("إنّ الحكومةَ ـــ مستمرةٌ، أليس كذلك؟ ٱلله") == \
        "ان الحكومه مستمره اليس كذلك الله"
    assert normalize_for_scoring("مستشفى ١٢٣ ۴") == "مستشفي 123 4"
    assert normalize_for_scoring("«أماني»  Amani!") == "اماني amani"


def test_score_counts_errors_against_the_reference() -> None:
    same = score("ابنتي الدكتورة أماني", "إبنتي الدكتوره اماني.")
    assert (same.wer, same.cer) == (0.0, 0.0)
    one = score("ابنتي الدكتورة أماني", "ابنتي الدكتور أماني")
    assert (one.ref_words, one.word_errors, one.substitutions) == (3, 1, 1)
    assert one.wer == pytest.approx(1 / 3) and 0 < one.cer < one.wer
    assert score("a b", "").deletions == 2
    total = one + score("a b", "a")
    assert total.wer == pytest.approx((1 + 1) / (3 + 2))
    with pytest.raises(EmptyReference):
        score("؟ ،", "anything")


@pytest.fixture(scope="module")
def refs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("refs")
    speak(AMANI, root / "amani.wav")
    speak(MUSIC, root / "music.wav")
    shutil.copy(root / "amani.wav", root / "amani-wrong.wav")  # same audio, wrong reference
    (root / "amani.txt").write_text(AMANI + "\n", encoding="utf-8")
    (root / "music.txt").write_text(MUSIC, encoding="utf-8")
    (root / "amani-wrong.txt").write_text(WRONG, encoding="utf-8")
    return root


def eval_asr(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", "eval-asr", *args],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=300)


@pytest.mark.slow
def test_eval_asr_scores_each_file_and_overall(bundled_model: Path, refs_dir: Path) -> None:
    proc = eval_asr("--refs", str(refs_dir), "--model", "bundled-base", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    files = {f["file"]: f for f in data["files"]}
    assert set(files) == {"amani.wav", "amani-wrong.wav", "music.wav"}
    assert data["engine"] == "faster-whisper" and data["model_sha256"]
    right, wrong = files["amani.wav"], files["amani-wrong.wav"]
    assert right["hypothesis"] == wrong["hypothesis"]  # same audio, same transcript
    assert right["wer"] < 1.0 and wrong["wer"] > right["wer"]
    assert wrong["cer"] > right["cer"]
    overall = data["overall"]
    errors = sum(f["substitutions"] + f["deletions"] + f["insertions"] for f in files.values())
    words = sum(f["ref_words"] for f in files.values())
    assert overall["ref_words"] == words
    assert overall["wer"] == pytest.approx(errors / words, abs=1e-4)
    assert (overall["files"], overall["failed"]) == (3, 0)
    assert proc.stderr.count("[raqib ") == 3 and "WER" in proc.stderr  # progress lines


@pytest.mark.slow
def test_eval_asr_reports_bad_files_and_goes_on(bundled_model: Path, refs_dir: Path,
                                                tmp_path: Path) -> None:
    shutil.copy(refs_dir / "music.wav", tmp_path / "music.wav")
    shutil.copy(refs_dir / "music.txt", tmp_path / "music.txt")
    shutil.copy(refs_dir / "amani.wav", tmp_path / "noref.wav")
    (tmp_path / "broken.mp4").write_text("not a video\n")
    (tmp_path / "broken.txt").write_text(MUSIC, encoding="utf-8")
    (tmp_path / "orphan.txt").write_text(MUSIC, encoding="utf-8")
    proc = eval_asr("--refs", str(tmp_path), "--model", "bundled-base")
    assert proc.returncode == 1
    out = proc.stdout
    assert "missing reference noref.txt" in out
    assert "cannot transcribe: ffmpeg cannot read it" in out
    assert "no media file for this reference" in out
    assert "overall: WER" in out and "in 1 file(s); 3 failed" in out


def test_eval_asr_usage_errors(tmp_path: Path) -> None:
    proc = eval_asr("--refs", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "is not a directory" in proc.stderr
    proc = eval_asr("--refs", str(tmp_path))
    assert proc.returncode == 2 and "no media files in" in proc.stderr
