"""Evidence packages (review.evidence): a bag made from a few seconds of generated media is
verified by ``raqib evidence verify``, by the bag's own stdlib ``verify.py`` and by the
``bagit`` library; one byte changed, a file removed or added and a timestamp token swapped
are each detected and named. Timestamps come from a local ``openssl ts`` TSA started here
(tests/evidence/local_tsa.py), with a CA made at test time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import bagit
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.roles import set_role
from catalog.models import (
    Broadcast,
    CustodyEvent,
    EvidenceFile,
    MediaFile,
    Outlet,
    Segment,
    Source,
    Transcript,
)
from raqib.cli import main
from review.evidence import tsa
from review.evidence.package import EvidenceExportError, export_bag
from review.models import Clip, Incident, IncidentPerson, Person
from tests.cli_persons import as_person
from tests.evidence.local_tsa import LocalTSA

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def local_tsa(tmp_path_factory: pytest.TempPathFactory):
    with LocalTSA(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture(scope="module")
def media_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "tone.m4a"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=6", "-c:a", "aac", "-b:a", "32k", str(path)],
                   check=True, timeout=60)
    return path


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def incident(tmp_path: Path, media_file: Path) -> tuple[Incident, Path]:
    data_dir = tmp_path / "data"
    sha = _sha(media_file)
    stored = data_dir / "media" / sha[:2] / f"{sha}.m4a"
    stored.parent.mkdir(parents=True)
    shutil.copyfile(media_file, stored)
    info = data_dir / "captures" / "1" / "info.json"
    info.parent.mkdir(parents=True)
    info.write_text('{"id": "ep-1", "title": "حلقة"}')
    vtt = data_dir / "captures" / "1" / "captions.ar.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nأنا أتبرأ\n")
    outlet = Outlet.objects.create(name="الإخبارية السورية")
    source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site")
    media = MediaFile.objects.create(sha256=sha, path=stored.relative_to(data_dir).as_posix(),
                                     size=stored.stat().st_size, duration=6.0)
    b = Broadcast.objects.create(source=source, outlet=outlet, external_id="ep-1",
                                 url="https://example.org/ep/1", title="حلقة", media=media)
    for kind, path in (("info_json", info), ("captions", vtt)):
        EvidenceFile.objects.create(broadcast=b, kind=kind, sha256=_sha(path),
                                    path=path.relative_to(data_dir).as_posix(),
                                    size=path.stat().st_size)
    CustodyEvent.objects.create(action="captured", actor="raqib-worker@test", broadcast=b,
                                media=media, sha256=sha, source_url=b.url)
    t = Transcript.objects.create(broadcast=b, engine="faster-whisper", model_id="base",
                                  params={"beam_size": 5})
    Segment.objects.create(transcript=t, number=0, start=1.0, end=3.0, text="أنا أتبرأ من ابني")
    Segment.objects.create(transcript=t, number=1, start=4.5, end=5.5, text="خارج المقطع")
    lead = get_user_model().objects.create_user("lina", password="pw-123456789")
    set_role(lead, "lead")  # who exports it from the command line (a lead's token)
    incident = Incident.objects.create(title="تبرؤ أب", outlet=outlet, proposed_by=lead,
                                       last_edited_by=lead, notes="ملاحظة خاصة")
    father = Person.objects.create(name="أبو محمد")
    son = Person.objects.create(name="محمد السري", restricted=True)
    IncidentPerson.objects.create(incident=incident, person=father, role="disowns",
                                  relation="father of", targeted=son)
    Clip.objects.create(incident=incident, broadcast=b, start=1.0, end=4.0, added_by=lead)
    return incident, data_dir


def _verify_cli(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code = main(["evidence", "verify", str(path), "--format", "json", *extra])
    result = json.loads(capsys.readouterr().out)
    assert (code == 0) == result["ok"]
    return result


def _script(bag: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The bag's verify.py, run by a bare interpreter (-I: no Raqib on the path)."""
    return subprocess.run([sys.executable, "-I", str(bag / "verify.py"), *args],
                          capture_output=True, text=True, timeout=120)


def test_the_local_tsa_issues_tokens_that_verify_and_refuses_other_bytes(
        tmp_path: Path, local_tsa: LocalTSA) -> None:
    data = tmp_path / "manifest.txt"
    data.write_text("abc")
    stamp = tsa.request_timestamp(data, local_tsa.url)
    reply = tmp_path / "r.tsr"
    reply.write_bytes(stamp.reply)
    assert stamp.gen_time and "BEGIN CERTIFICATE" in stamp.certificates
    assert tsa.check_reply(data, reply, local_tsa.ca_pem) is None
    other = tmp_path / "other.txt"
    other.write_text("abd")
    assert "imprint mismatch" in (tsa.check_reply(other, reply, local_tsa.ca_pem) or "")
    stranger = LocalTSA(tmp_path / "stranger", name="Another TSA")  # not the signer's CA
    assert tsa.check_reply(data, reply, stranger.ca_pem) is not None


def test_a_bag_verifies_three_ways_and_every_tampering_is_named(
        incident: tuple[Incident, Path], local_tsa: LocalTSA, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    inc, data_dir = incident
    bag = tmp_path / "out" / "incident-bag"
    result = export_bag(inc.pk, bag, data_dir=data_dir, tsa_urls=[local_tsa.url])
    assert result.timestamps == [local_tsa.url]

    # What is inside: the original byte for byte, a stream-copied cut with its command.
    media = MediaFile.objects.get()
    original = bag / "data" / "media" / f"{media.sha256}.m4a"
    assert _sha(original) == media.sha256
    record = json.loads((bag / "data" / "clips" / f"clip-{inc.clips.get().pk}.json").read_text())
    assert record["parent_sha256"] == media.sha256 and "-c" in record["command"]
    assert record["command"][record["command"].index("-c") + 1] == "copy"
    assert record["clip_sha256"] == _sha(bag / record["clip_path"])
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "csv=p=0", str(bag / record["clip_path"])],
                           capture_output=True, text=True, check=True)
    assert 2.5 < float(probe.stdout) < 4.0
    transcript = next((bag / "data" / "transcripts").glob("*.json"))
    segments = json.loads(transcript.read_text())["segments"]
    assert [s["text"] for s in segments] == ["أنا أتبرأ من ابني"]  # the range only, exact
    assert "00:00:00.000 --> 00:00:02.000" in transcript.with_suffix(".vtt").read_text()
    assert len(list((bag / "data" / "captures").rglob("*"))) == 3  # dir + 2 files
    summary = (bag / "data" / "incident" / "summary.html").read_text()
    assert 'dir="rtl"' in summary and "محمد السري" in summary and local_tsa.url in summary
    chain_doc = json.loads((bag / "data" / "custody" / "audit-chain.json").read_text())
    assert {"captured"} <= {e["action"] for e in chain_doc["events"]}
    assert CustodyEvent.objects.filter(action="evidence-exported").count() == 1

    # Three independent checks agree it is intact.
    ok = _verify_cli(bag, capsys, "--tsa-ca", str(local_tsa.ca_pem))
    assert ok["ok"] and ok["timestamps"] == 1 and ok["bagit_validator"] == "ok"
    script = _script(bag)
    assert script.returncode == 0, script.stdout + script.stderr
    assert "valid RFC 3161 timestamp" in script.stdout
    bagit.Bag(str(bag)).validate()

    def tampered(change) -> dict:  # noqa: ANN001
        copy = tmp_path / f"t{len(list(tmp_path.iterdir()))}"
        shutil.copytree(bag, copy)
        named = change(copy)
        found = _verify_cli(copy, capsys)
        assert not found["ok"]
        failing = {f["file"] for f in found["failures"]}
        assert named in failing, found["failures"]
        out = _script(copy)
        assert out.returncode == 1 and named in out.stdout
        return found

    def flip_byte(root: Path) -> str:
        target = root / record["clip_path"]
        target.chmod(0o644)
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        target.write_bytes(bytes(raw))
        return record["clip_path"]

    def remove(root: Path) -> str:
        name = next(p for p in (root / "data" / "captures").rglob("*") if p.is_file())
        name.unlink()
        return name.relative_to(root).as_posix()

    def add(root: Path) -> str:
        (root / "data" / "incident" / "extra.txt").write_text("planted")
        return "data/incident/extra.txt"

    def swap_token(root: Path) -> str:
        other = tmp_path / "other-manifest.txt"
        other.write_text("a different tag manifest")
        (root / "timestamps" / "tsa-1.tsr").write_bytes(
            tsa.request_timestamp(other, local_tsa.url).reply)
        return "timestamps/tsa-1.tsr"

    def edit_tag_file(root: Path) -> str:  # a tag-level file, covered by the tag manifest
        (root / "verify.py").write_text((root / "verify.py").read_text() + "\n# edited\n")
        return "verify.py"

    for change in (flip_byte, remove, add, swap_token, edit_tag_file):
        tampered(change)
    with pytest.raises(bagit.BagValidationError):
        copy = tmp_path / "for-bagit"
        shutil.copytree(bag, copy)
        flip_byte(copy)
        bagit.Bag(str(copy)).validate()


def test_zip_public_profile_and_refusals(incident: tuple[Incident, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    inc, data_dir = incident
    monkeypatch.setitem(settings.CONFIG.values, "raqib.data_dir", str(data_dir))
    monkeypatch.setitem(settings.CONFIG.values, "evidence.tsa_urls", [])
    out = tmp_path / "public"
    assert main(["evidence", "export", str(inc.pk), "--out", str(out), "--zip", "--profile",
                 "public", *as_person("lina"), "--format", "json"]) == 0
    made = json.loads(capsys.readouterr().out)
    zipped = Path(made["path"])
    assert zipped == tmp_path / "public.zip" and not out.exists()
    assert made["timestamps"] == [] and made["withheld"]
    with zipfile.ZipFile(zipped) as archive:
        incident_doc = json.loads(archive.read("public/data/incident/incident.json"))
        summary = archive.read("public/data/incident/summary.html").decode()
    assert "محمد السري" not in json.dumps(incident_doc, ensure_ascii=False)
    assert "محمد السري" not in summary and "ملاحظة خاصة" not in summary
    assert "no RFC 3161 timestamp" in summary
    assert _verify_cli(zipped, capsys)["ok"]

    # Never overwritten; a missing incident or a tampered original is refused by name.
    assert main(["evidence", "export", str(inc.pk), "--out", str(out), "--zip",
                 *as_person("lina")]) == 1
    assert "never overwritten" in capsys.readouterr().err
    assert main(["evidence", "export", "99999", "--out", str(tmp_path / "x"),
                 *as_person("lina")]) == 1
    assert "no incident with id 99999" in capsys.readouterr().err
    dead = f"http://127.0.0.1:{_closed_port()}/tsa"  # a TSA that cannot be reached
    with pytest.raises(EvidenceExportError, match="unreachable"):
        export_bag(inc.pk, tmp_path / "unstamped", data_dir=data_dir, tsa_urls=[dead])
    assert not (tmp_path / "unstamped").exists()
    stored = data_dir / MediaFile.objects.get().path
    stored.write_bytes(stored.read_bytes()[:-1] + b"\0")
    with pytest.raises(EvidenceExportError, match="no longer has its recorded SHA-256"):
        export_bag(inc.pk, tmp_path / "bad", data_dir=data_dir)
    assert not list(tmp_path.glob(".bad.partial-*")) and not (tmp_path / "bad").exists()
