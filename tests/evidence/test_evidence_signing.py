"""Bags the organisation vouches for (issue 23, finding 7), tested as the attacker did:

* a transcript, ``incident.json`` or the audit-chain slice changed and the bag re-manifested
  (even re-signed with the attacker's own key) passes neither ``raqib evidence verify`` nor
  the bag's own ``verify.py`` when they are given the organisation's public key;
* a symbolic link (to ``/etc/hostname``) in a bag or its zip is refused by both verifiers,
  and a link or FIFO among the stored files is refused by the export;
* a valid bag in a folder whose name ends in ``tagmanifest-sha256.txt`` verifies;
* ``raqib evidence keygen`` writes a 0600 key and prints what to publish; no key, no export.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import bagit
import pytest
from django.conf import settings

from catalog.models import EvidenceFile, MediaFile
from raqib.cli import main
from review.evidence import signing
from review.evidence.package import EvidenceExportError, export_bag
from review.models import Incident
from tests.cli_persons import as_person
from tests.evidence.test_evidence_package import (  # noqa: F401 (fixtures)
    incident,
    media_file,
)

pytestmark = pytest.mark.django_db

ORG_KEY = Path(os.environ["RAQIB_EVIDENCE_SIGNING_KEY"])  # tests/conftest.py made it
ORG_PUB = signing.public_path(ORG_KEY)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--format", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {"err": captured.err}


def _script(bag: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The bag's verify.py, run by a bare interpreter (-I: no Raqib on the path)."""
    return subprocess.run([sys.executable, "-I", str(bag / "verify.py"), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def bag(incident: tuple[Incident, Path], tmp_path: Path) -> Path:  # noqa: F811
    inc, data_dir = incident
    out = tmp_path / "bags" / "incident"
    result = export_bag(inc.pk, out, data_dir=data_dir)
    assert result.signing_key == signing.fingerprint(ORG_PUB.read_bytes())
    return out


def _remanifest(root: Path) -> None:
    """What the attacker does after a change: recompute both manifests and Payload-Oxum
    (following links, as a naive tool would)."""
    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    payload = sorted(p for p in (root / "data").rglob("*") if p.is_file())
    (root / "manifest-sha256.txt").write_text("".join(
        f"{sha(p)}  {p.relative_to(root).as_posix()}\n" for p in payload))
    info = root / "bag-info.txt"
    oxum = f"{sum(p.stat().st_size for p in payload)}.{len(payload)}"
    info.write_text("".join(f"Payload-Oxum: {oxum}\n" if line.startswith("Payload-Oxum:")
                            else line + "\n" for line in info.read_text().splitlines()))
    tags = sorted(p for p in root.iterdir() if p.is_file() and p.name not in (
        "tagmanifest-sha256.txt", "tagmanifest-sha256.txt.sig"))
    (root / "tagmanifest-sha256.txt").write_text("".join(
        f"{sha(p)}  {p.name}\n" for p in tags))


def _resign(root: Path, tmp: Path) -> None:
    """...and sign the new tag manifest with a key of their own, put in the bag."""
    key_path = tmp / f"attacker-{len(list(tmp.iterdir()))}.pem"
    _pub, pem = signing.generate_key(key_path)
    (root / "signing-key.pub.pem").write_bytes(pem)
    _remanifest(root)
    key = signing.load_private_key(key_path)
    (root / "tagmanifest-sha256.txt.sig").write_bytes(
        signing.sign(root / "tagmanifest-sha256.txt", key))


def test_a_signed_bag_verifies_against_the_published_key(
        bag: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fingerprint = signing.fingerprint(ORG_PUB.read_bytes())
    info = (bag / "bag-info.txt").read_text()
    assert f"Raqib-Signing-Key-SHA256: {fingerprint}" in info
    assert len((bag / "tagmanifest-sha256.txt.sig").read_bytes()) == 64

    code, result = _cli(capsys, "evidence", "verify", str(bag), "--public-key", str(ORG_PUB))
    assert code == 0 and result["signature"] == "verified", result
    code, result = _cli(capsys, "evidence", "verify", str(bag), "--key-fingerprint",
                        fingerprint)
    assert code == 0 and result["signature"] == "verified", result
    for args in (("--public-key", str(ORG_PUB)), ("--key-fingerprint", fingerprint)):
        out = _script(bag, *args)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"signed by the organisation's key {fingerprint}" in out.stdout

    # Without the organisation's key, both say plainly that this is self-consistency only.
    code, result = _cli(capsys, "evidence", "verify", str(bag))
    assert code == 0 and result["signature"] == "self-consistent"
    assert any("NO PUBLIC KEY GIVEN" in n for n in result["notes"])
    out = _script(bag)
    assert out.returncode == 0 and "self-consistent only" in out.stdout
    main(["evidence", "verify", str(bag)])
    assert "self-consistent only" in capsys.readouterr().out


@pytest.mark.parametrize("target", ["transcript", "incident", "chain"])
def test_a_changed_and_remanifested_bag_fails_against_the_key(
        bag: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str) -> None:
    def change(root: Path) -> None:
        if target == "transcript":
            path = next((root / "data" / "transcripts").glob("*.json"))
            path.write_text(path.read_text().replace("أتبرأ", "أحب"))
        elif target == "incident":
            path = root / "data" / "incident" / "incident.json"
            doc = json.loads(path.read_text())
            doc["title"] = "حادثة مزورة"
            path.write_text(json.dumps(doc, ensure_ascii=False))
        else:
            path = root / "data" / "custody" / "audit-chain.json"
            doc = json.loads(path.read_text())
            doc["events"] = [e for e in doc["events"] if e["action"] != "captured"]
            path.write_text(json.dumps(doc, ensure_ascii=False))

    fingerprint = signing.fingerprint(ORG_PUB.read_bytes())
    remanifested = tmp_path / "remanifested"
    shutil.copytree(bag, remanifested)
    change(remanifested)
    _remanifest(remanifested)
    resigned = tmp_path / "resigned"
    shutil.copytree(bag, resigned)
    change(resigned)
    _resign(resigned, tmp_path)

    for copy in (remanifested, resigned):
        bagit.Bag(str(copy)).validate()  # the hashes agree: only the signature can tell
        for args in (("--public-key", str(ORG_PUB)), ("--key-fingerprint", fingerprint)):
            code, result = _cli(capsys, "evidence", "verify", str(copy), *args)
            assert code == 1 and result["signature"] == "invalid", result
            out = _script(copy, *args)
            assert out.returncode == 1, out.stdout
            assert "FAILED:" in out.stdout and "does not verify" in out.stdout
    # A bag re-signed by the attacker is self-consistent, and says that is all it is.
    out = _script(resigned)
    assert out.returncode == 0 and "self-consistent only" in out.stdout
    # With the stale signature it fails even without a key.
    code, result = _cli(capsys, "evidence", "verify", str(remanifested))
    assert code == 1 and {"tagmanifest-sha256.txt.sig"} <= {f["file"] for f in
                                                             result["failures"]}
    # An unsigned bag (signature removed) fails when a key is given.
    unsigned = tmp_path / "unsigned"
    shutil.copytree(bag, unsigned)
    (unsigned / "tagmanifest-sha256.txt.sig").unlink()
    code, result = _cli(capsys, "evidence", "verify", str(unsigned), "--public-key",
                        str(ORG_PUB))
    assert code == 1 and "not signed" in json.dumps(result)
    assert _script(unsigned, "--public-key", str(ORG_PUB)).returncode == 1


def test_symlinks_are_refused_by_both_verifiers(
        bag: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    linked = tmp_path / "linked"
    shutil.copytree(bag, linked)
    (linked / "data" / "incident" / "hostname").symlink_to("/etc/hostname")
    _resign(linked, tmp_path)  # listed in the manifest: the hashes alone agree
    assert "data/incident/hostname" in (linked / "manifest-sha256.txt").read_text()

    code, result = _cli(capsys, "evidence", "verify", str(linked))
    assert code == 1, result
    assert any(f["file"] == "data/incident/hostname" and "symbolic link" in f["reason"]
               for f in result["failures"])
    out = _script(linked)
    assert out.returncode == 1 and "data/incident/hostname: symbolic link" in out.stdout

    # A linked folder too, and a link inside a zip.
    folder = tmp_path / "folder-link"
    shutil.copytree(bag, folder)
    (folder / "data" / "etc").symlink_to("/etc", target_is_directory=True)
    assert _script(folder).returncode == 1
    zipped = tmp_path / "linked.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            archive.write(path, f"incident/{path.relative_to(bag).as_posix()}")
        link = zipfile.ZipInfo("incident/data/incident/hostname")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/hostname")
    code, result = _cli(capsys, "evidence", "verify", str(zipped))
    assert code == 1 and "symbolic link" in json.dumps(result)
    out = subprocess.run([sys.executable, "-I", str(bag / "verify.py"), str(zipped)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "symbolic link" in out.stdout


def test_the_export_refuses_links_and_special_files_among_stored_files(
        incident: tuple[Incident, Path], tmp_path: Path) -> None:  # noqa: F811
    inc, data_dir = incident
    evidence = EvidenceFile.objects.filter(kind="info_json").get()
    stored = data_dir / evidence.path
    content = stored.read_bytes()
    stored.unlink()
    stored.symlink_to("/etc/hostname")
    with pytest.raises(EvidenceExportError, match="symbolic link"):
        export_bag(inc.pk, tmp_path / "linked", data_dir=data_dir)
    stored.unlink()
    os.mkfifo(stored)  # a FIFO would hang a plain open(): refused without reading
    with pytest.raises(EvidenceExportError, match="not a regular file"):
        export_bag(inc.pk, tmp_path / "fifo", data_dir=data_dir)
    stored.unlink()
    stored.write_bytes(content)
    media = MediaFile.objects.get()
    MediaFile.objects.filter(pk=media.pk).update(path="../../etc/hostname")
    with pytest.raises(EvidenceExportError, match="outside the data dir"):
        export_bag(inc.pk, tmp_path / "dotdot", data_dir=data_dir)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".linked", ".fifo",
                                                                    "linked", "fifo"))]


def test_a_bag_in_a_folder_named_like_a_tag_manifest_verifies(
        incident: tuple[Incident, Path], tmp_path: Path,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    inc, data_dir = incident
    out = tmp_path / "x-tagmanifest-sha256.txt"
    export_bag(inc.pk, out, data_dir=data_dir)
    code, result = _cli(capsys, "evidence", "verify", str(out), "--public-key", str(ORG_PUB))
    assert code == 0 and result["bagit_validator"] == "ok", result
    zipped = tmp_path / "z-tagmanifest-sha256.txt"
    export_bag(inc.pk, zipped, data_dir=data_dir, zip_output=True)
    code, result = _cli(capsys, "evidence", "verify", str(zipped) + ".zip")
    assert code == 0, result


def test_keygen_writes_a_private_key_only_its_owner_reads(
        incident: tuple[Incident, Path], tmp_path: Path,  # noqa: F811
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    inc, data_dir = incident
    key = tmp_path / "org" / "evidence.pem"
    code, made = _cli(capsys, "evidence", "keygen", "--out", str(key))
    assert code == 0, made
    assert key.stat().st_mode & 0o777 == 0o600
    pub = Path(made["public_key"])
    assert pub == tmp_path / "org" / "evidence.pub.pem"
    assert made["public_key_pem"] == pub.read_text()
    assert made["fingerprint"] == signing.fingerprint(pub.read_bytes())
    assert "PRIVATE" not in json.dumps(made)
    code, again = _cli(capsys, "evidence", "keygen", "--out", str(key))
    assert code == 1 and "never overwritten" in again["err"]
    main(["evidence", "keygen", "--out", str(tmp_path / "text.pem")])
    printed = capsys.readouterr().out
    assert "BEGIN PUBLIC KEY" in printed and "fingerprint: SHA256:" in printed

    # The default place is under the data dir; the setting names another.
    monkeypatch.setitem(settings.CONFIG.values, "raqib.data_dir", str(data_dir))
    monkeypatch.setitem(settings.CONFIG.values, "evidence.signing_key", "")
    code, made = _cli(capsys, "evidence", "keygen")
    assert code == 0 and made["private_key"] == str(
        data_dir / "keys" / "evidence-signing-key.pem")
    monkeypatch.setitem(settings.CONFIG.values, "evidence.signing_key", str(key))
    code, exported = _cli(capsys, "evidence", "export", str(inc.pk), "--out",
                          str(tmp_path / "signed"), *as_person("lina"))
    assert code == 0 and exported["signing_key"] == made_fp(pub)
    code, result = _cli(capsys, "evidence", "verify", str(tmp_path / "signed"),
                        "--public-key", str(pub))
    assert code == 0 and result["signature"] == "verified"
    code, result = _cli(capsys, "evidence", "verify", str(tmp_path / "signed"),
                        "--public-key", str(key))  # the private key is refused as input
    assert code == 1 and "holds a private key" in result["err"]

    # No key, or one others can read: no export, and nothing written.
    key.chmod(0o644)
    code, refused = _cli(capsys, "evidence", "export", str(inc.pk), "--out",
                         str(tmp_path / "loose"), *as_person("lina"))
    assert code == 1 and "readable by group or others" in refused["err"]
    monkeypatch.setitem(settings.CONFIG.values, "evidence.signing_key",
                        str(tmp_path / "none.pem"))
    code, refused = _cli(capsys, "evidence", "export", str(inc.pk), "--out",
                         str(tmp_path / "nokey"), *as_person("lina"))
    assert code == 1 and "raqib evidence keygen" in refused["err"]
    assert not (tmp_path / "loose").exists() and not (tmp_path / "nokey").exists()


def made_fp(pub: Path) -> str:
    return signing.fingerprint(pub.read_bytes())
