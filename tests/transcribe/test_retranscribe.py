"""``raqib retranscribe``: a second model's transcript is added beside the first (both kept
and indexed), the same model again replaces its own, ``--dry-run`` changes nothing, and a
bad selection is a usage error."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Broadcast, MediaFile, Outlet, Source, Transcript
from raqib.cli import build_parser
from raqib.commands.output import CommandError
from raqib.commands.retranscribe import retranscribe_command

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def broadcast(amani_video: Path) -> Broadcast:
    rel = Path("media") / "retranscribe.mp4"
    dest = Path(settings.CONFIG.data_dir) / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(amani_video, dest)
    outlet = Outlet.objects.create(name="Retranscribe TV")
    source = Source.objects.create(name="re", outlet=outlet, kind="site")
    media = MediaFile.objects.create(sha256="b" * 64, path=rel.as_posix(), size=1)
    other = Outlet.objects.create(name="Other TV")
    Broadcast.objects.create(source=source, outlet=other, external_id="x", url="https://e.org/x",
                             media=media, status="indexed")
    return Broadcast.objects.create(source=source, outlet=outlet, external_id="a",
                                    url="https://e.org/a", title="أماني", media=media,
                                    status="indexed")


@pytest.fixture(scope="module")
def model_copy(bundled_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same weights under another name (hard links), so another model id."""
    copy = tmp_path_factory.mktemp("models") / "base-copy"
    copy.mkdir()
    for f in bundled_model.iterdir():
        if f.is_file():
            try:
                os.link(f, copy / f.name)
            except OSError:
                shutil.copy(f, copy / f.name)
    return copy


def run(capsys, *argv: str) -> tuple[int, list]:  # noqa: ANN001
    args = build_parser().parse_args(["retranscribe", *argv, "--format", "json"])
    code = retranscribe_command(args)
    return code, json.loads(capsys.readouterr().out)


def test_retranscribe_keeps_both_models(broadcast: Broadcast, model_copy: Path, capsys) -> None:  # noqa: ANN001
    from index.registry import get_backend

    code, rows = run(capsys, "--outlet", "Retranscribe TV", "--model", "bundled-base")
    assert code == 0 and [r["status"] for r in rows] == ["transcribed"]
    first = Transcript.objects.get(pk=rows[0]["transcript"])

    code, rows = run(capsys, "--broadcast", str(broadcast.id), "--model", str(model_copy),
                     "--dry-run")
    assert code == 0 and rows == [{"broadcast": broadcast.id, "title": "أماني",
                                   "status": "would transcribe"}]
    assert Transcript.objects.count() == 1

    code, rows = run(capsys, "--broadcast", str(broadcast.id), "--model", str(model_copy))
    assert code == 0 and rows[0]["model"] == "base-copy"
    second = Transcript.objects.get(pk=rows[0]["transcript"])
    assert {t.model_id for t in broadcast.transcripts.all()} == {first.model_id, "base-copy"}
    assert first.model_sha256 == second.model_sha256  # same weights, two recorded runs
    assert second.params["language_decision"]["hint"] == "ar"
    backend = get_backend(settings.CONFIG)
    assert backend.count_indexed(first.id) == first.segments.count() > 0
    assert backend.count_indexed(second.id) == second.segments.count() > 0

    code, rows = run(capsys, "--broadcast", str(broadcast.id), "--model", str(model_copy))
    assert code == 0 and Transcript.objects.filter(broadcast=broadcast).count() == 2
    assert not Transcript.objects.filter(pk=second.pk).exists()  # replaced, not duplicated
    assert backend.count_indexed(second.id) == 0
    assert Broadcast.objects.get(pk=broadcast.pk).status == "indexed"  # untouched


def test_bad_selection_is_a_usage_error(broadcast: Broadcast) -> None:
    for argv, message in [([], "choose broadcasts"), (["--broadcast", "99999"], "no broadcast"),
                          (["--source", "nope"], "no source named nope"),
                          (["--outlet", "nope"], "no outlet named nope")]:
        args = build_parser().parse_args(["retranscribe", *argv])
        with pytest.raises(CommandError, match=message) as info:
            retranscribe_command(args)
        assert info.value.code == 2
    args = build_parser().parse_args(["retranscribe", "--broadcast", str(broadcast.id),
                                      "--model", "/no/such/model"])
    with pytest.raises(CommandError, match="does not exist"):
        retranscribe_command(args)
