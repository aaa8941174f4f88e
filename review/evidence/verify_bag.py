#!/usr/bin/env python3
"""Check a Raqib evidence package (a BagIt bag, or a zip of one) with Python's standard
library and the ``openssl`` command only, so a recipient needs nothing from Raqib.

Usage: ``python3 verify.py [BAG_OR_ZIP] [--public-key ORG.pub.pem | --key-fingerprint
SHA256:HEX] [--tsa-ca CA.pem] [--json]`` (default: the folder this script is in). Checks,
each failure naming its file:

0. Only plain files and folders: a symbolic link, device, socket or FIFO anywhere in the
   bag (or a link in its zip) is refused, never followed.
1. BagIt: ``bagit.txt``; every file in ``manifest-sha256.txt`` (the payload, ``data/``) and
   ``tagmanifest-sha256.txt`` (the tag files) exists with that SHA-256; no payload or tag
   file is missing from them; ``Payload-Oxum`` matches.
2. The organisation's signature: ``tagmanifest-sha256.txt.sig`` is an Ed25519 signature
   over ``tagmanifest-sha256.txt`` (``openssl pkeyutl -verify -rawin``) by the public key
   given with ``--public-key`` (or the bag's ``signing-key.pub.pem`` when its fingerprint
   is the one given with ``--key-fingerprint``). With neither, the signature is checked
   against the key kept in the bag, which shows only that the bag is self-consistent:
   anyone who changes a bag can re-sign it with a key of their own.
3. Timestamps: every ``timestamps/tsa-N.tsr`` is an RFC 3161 reply over the SHA-256 of
   ``tagmanifest-sha256.txt`` (``openssl ts -verify``), signed by the certificate kept in
   ``timestamps/tsa-N.certs.pem`` (or chaining to ``--tsa-ca`` when given). Compare that
   certificate's fingerprint, printed here, with the one the TSA publishes.
4. The audit-chain slice (``data/custody/audit-chain.json``): every event's hash is
   recomputed from its content and its ``prev_hash``; ask the organisation to confirm the
   ``head`` with ``raqib audit verify --expect SEQ:HASH``.
5. Clip cuts (``data/clips/*.json``): the clip and its parent original are in the bag with
   the SHA-256 the record names.

Exit 0 when everything checks, 1 otherwise. Raqib copies this file into every bag and
``raqib evidence verify`` runs the same ``verify`` function; keep it standard-library only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = TAGMANIFEST + ".sig"  # raw Ed25519 signature over the tag manifest
PUBLIC_KEY = "signing-key.pub.pem"  # the signer's public key (a tag file)
# The tag files not in the tag manifest: itself and what was made over it.
UNLISTED_TAG_FILES = (TAGMANIFEST, SIGNATURE)
TIMESTAMP_DIR = "timestamps"
CHAINED_FIELDS = ("seq", "at", "action", "actor", "broadcast_id", "media_id", "sha256",
                  "source_url", "final_url", "http_status", "host", "tool_versions", "details")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def event_hash(event: dict, prev_hash: str) -> str:
    """catalog.chain.event_hash, repeated here (format version 1)."""
    body = {name: event.get(name) for name in CHAINED_FIELDS}
    body["prev_hash"] = prev_hash
    body["v"] = 1
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _decode_name(name: str) -> str:
    return name.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def read_manifest(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, name = line.partition(" ")
            entries[_decode_name(name.strip())] = digest.strip().lower()
    return entries


def _timestamp_file(name: str) -> bool:
    """timestamps/tsa-N.tsr|.tsq|.certs.pem: made over the tag manifest, so not in it."""
    folder, _, base = name.partition("/")
    stem, dot, suffix = base.partition(".")
    return (folder == TIMESTAMP_DIR and stem.startswith("tsa-") and stem[4:].isdigit()
            and dot == "." and suffix in ("tsr", "tsq", "certs.pem"))


def _all_files(bag: Path) -> set[str]:
    """Every regular file under ``bag`` (links are never followed: ``_check_special``)."""
    found = set()
    for folder, _dirs, names in os.walk(bag, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if stat.S_ISREG(path.lstat().st_mode):
                found.add(path.relative_to(bag).as_posix())
    return found


def _check_special(bag: Path, failures: list[tuple[str, str]]) -> bool:
    """Refuse symbolic links and special files anywhere in the bag; True when none."""
    clean = True
    for folder, dirs, names in os.walk(bag, followlinks=False):
        for name in dirs + names:
            path = Path(folder) / name
            mode = path.lstat().st_mode
            rel = path.relative_to(bag).as_posix()
            if stat.S_ISLNK(mode):
                failures.append((rel, f"symbolic link (to {os.readlink(path)!r}): refused, "
                                      "a bag holds only plain files"))
                clean = False
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                failures.append((rel, "not a plain file (device, socket or FIFO): refused"))
                clean = False
    return clean


def _plain_file(path: Path) -> bool:
    """A regular file reached without following a link (``Path.is_file`` follows them)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _check_manifests(bag: Path, failures: list[tuple[str, str]]) -> dict[str, str]:
    if not _plain_file(bag / "bagit.txt"):
        failures.append(("bagit.txt", "missing: not a BagIt bag"))
    if not _plain_file(bag / MANIFEST):
        failures.append((MANIFEST, "missing"))
        return {}
    payload = read_manifest(bag / MANIFEST)
    tags = read_manifest(bag / TAGMANIFEST) if _plain_file(bag / TAGMANIFEST) else {}
    if not tags:
        failures.append((TAGMANIFEST, "missing or empty"))
    for name, digest in sorted({**payload, **tags}.items()):
        path = bag / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            failures.append((name, "listed outside the bag: refused"))
        elif not _plain_file(path):
            failures.append((name, "missing (listed in the manifest)"))
        elif sha256_file(path) != digest:
            failures.append((name, "SHA-256 differs from the manifest (file modified)"))
    for name in sorted(_all_files(bag) - set(payload) - set(tags)):
        if name.startswith("data/"):
            failures.append((name, "not in the payload manifest (file added)"))
        elif name not in UNLISTED_TAG_FILES and not _timestamp_file(name):
            failures.append((name, "not in the tag manifest (file added)"))
    info = bag / "bag-info.txt"
    if _plain_file(info):
        oxum = next((line.split(":", 1)[1].strip() for line in
                     info.read_text(encoding="utf-8").splitlines()
                     if line.startswith("Payload-Oxum:")), None)
        files = [bag / n for n in payload if _plain_file(bag / n)]
        actual = f"{sum(f.stat().st_size for f in files)}.{len(files)}"
        if oxum and oxum != actual:
            failures.append(("bag-info.txt", f"Payload-Oxum {oxum} but the payload is "
                                             f"{actual} (bytes.files)"))
    return payload


def _fingerprint(pem_path: Path) -> str:
    done = subprocess.run(["openssl", "x509", "-in", str(pem_path), "-noout", "-subject",
                           "-fingerprint", "-sha256"], capture_output=True, text=True)
    return " ".join(done.stdout.split()) if done.returncode == 0 else "?"


def _check_timestamps(bag: Path, failures: list[tuple[str, str]], notes: list[str],
                      tsa_ca: Path | None) -> int:
    replies = sorted((bag / TIMESTAMP_DIR).glob("tsa-*.tsr")) if (
        bag / TIMESTAMP_DIR).is_dir() else []
    for reply in replies:
        rel = reply.relative_to(bag).as_posix()
        certs = reply.with_suffix(".certs.pem")
        anchor = tsa_ca or certs
        if not anchor.is_file():
            failures.append((rel, f"no certificates to check it with ({certs.name} missing)"))
            continue
        done = subprocess.run(
            ["openssl", "ts", "-verify", "-data", str(bag / TAGMANIFEST), "-in", str(reply),
             "-CAfile", str(anchor), "-partial_chain"], capture_output=True, text=True)
        if done.returncode or "Verification: OK" not in done.stdout:
            reason = (done.stdout + done.stderr).strip().splitlines()
            failures.append((rel, "timestamp does not verify over tagmanifest-sha256.txt: "
                                  + (" ".join(reason[-2:]) if reason else "refused")))
        else:
            notes.append(f"{rel}: valid RFC 3161 timestamp of {TAGMANIFEST}; signer "
                         f"{_fingerprint(certs) if certs.is_file() else '?'}"
                         + ("" if tsa_ca else " (trusted as kept in the bag: compare the "
                            "fingerprint with the TSA's published certificate)"))
    return len(replies)


def _check_chain(bag: Path, failures: list[tuple[str, str]], notes: list[str]) -> None:
    path = bag / "data" / "custody" / "audit-chain.json"
    rel = path.relative_to(bag).as_posix()
    if not _plain_file(path):
        failures.append((rel, "missing"))
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        events = doc["events"]
    except (ValueError, KeyError, TypeError) as exc:
        failures.append((rel, f"unreadable: {exc}"))
        return
    redacted = [e for e in events if e.get("redacted") is True]
    for event in events:
        if event.get("redacted") is True:
            continue  # the public profile left its content out; the hash stays for lookup
        if event_hash(event, event.get("prev_hash", "")) != event.get("hash"):
            failures.append((rel, f"event seq {event.get('seq')} (id {event.get('id')}) does "
                                  "not match its hash"))
    head = doc.get("head") or {}
    if redacted:
        notes.append(f"{rel}: {len(redacted)} event(s) shown without their content (public "
                     "profile): their hashes cannot be recomputed here; the organisation "
                     "can show them by seq")
    notes.append(f"{rel}: {len(events) - len(redacted)} event(s) recomputed; chain head at "
                 f"export: seq "
                 f"{head.get('seq')} {head.get('hash')} (confirm with the organisation: "
                 "raqib audit verify --expect SEQ:HASH)")


def _check_clips(bag: Path, failures: list[tuple[str, str]]) -> None:
    for record_path in sorted((bag / "data" / "clips").glob("*.json")) if (
            bag / "data" / "clips").is_dir() else []:
        rel = record_path.relative_to(bag).as_posix()
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            failures.append((rel, f"unreadable: {exc}"))
            continue
        for key_path, key_sha in (("clip_path", "clip_sha256"), ("parent_path",
                                                                  "parent_sha256")):
            target = bag / str(record.get(key_path, ""))
            if not record.get(key_path):
                continue
            if not _plain_file(target):
                failures.append((rel, f"{record[key_path]} missing"))
            elif sha256_file(target) != record.get(key_sha):
                failures.append((str(record[key_path]), f"SHA-256 differs from {rel}"))


def key_fingerprint(pem: bytes) -> str:
    """``SHA256:<hex>`` of a PEM public key's DER (``review.evidence.signing.fingerprint``)."""
    text = pem.decode("ascii", errors="replace")
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if begin not in text or end not in text:
        raise ValueError("not a PEM public key")
    body = text.split(begin, 1)[1].split(end, 1)[0]
    der = base64.b64decode("".join(body.split()), validate=True)
    return "SHA256:" + hashlib.sha256(der).hexdigest()


def openssl_signature_check(data: Path, signature: bytes, pem: bytes) -> str | None:
    """None when ``signature`` is the Ed25519 signature of ``data`` by the PEM public key."""
    with tempfile.TemporaryDirectory(prefix="raqib-sig-") as tmp:
        key, sig = Path(tmp) / "key.pem", Path(tmp) / "sig"
        key.write_bytes(pem)
        sig.write_bytes(signature)
        done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key),
                               "-rawin", "-in", str(data), "-sigfile", str(sig)],
                              capture_output=True, text=True)
    if done.returncode == 0 and "Signature Verified Successfully" in done.stdout:
        return None
    return "the signature does not verify with this public key"


def _check_signature(bag: Path, failures: list[tuple[str, str]], notes: list[str],
                     public_key: bytes | None, fingerprint: str | None,
                     checker) -> str:  # noqa: ANN001 (a callable: data, signature, pem)
    """The signature's standing: ``verified`` (against the key the caller gave),
    ``self-consistent`` (only against the key kept in the bag), ``unsigned`` or ``invalid``."""
    sig_path, kept = bag / SIGNATURE, bag / PUBLIC_KEY
    given = public_key is not None or fingerprint is not None
    if not _plain_file(sig_path):
        if given:
            failures.append((SIGNATURE, "missing: the bag is not signed, so it cannot be "
                                        "checked against the organisation's key"))
            return "invalid"
        notes.append("NOT SIGNED: no organisation signature in this bag; it is only "
                     "self-consistent (anyone who changes it can recompute the manifests)")
        return "unsigned"
    pem = public_key
    if pem is None:
        if not _plain_file(kept):
            failures.append((PUBLIC_KEY, "missing: no public key to check the signature"))
            return "invalid"
        pem = kept.read_bytes()
    try:
        found = key_fingerprint(pem)
    except ValueError as exc:
        failures.append((PUBLIC_KEY, f"unreadable public key: {exc}"))
        return "invalid"
    if fingerprint is not None and found.lower() != fingerprint.strip().lower():
        failures.append((PUBLIC_KEY, f"the bag's key is {found}, not the key {fingerprint} "
                                     "given: not signed by that organisation"))
        return "invalid"
    problem = checker(bag / TAGMANIFEST, sig_path.read_bytes(), pem)
    if problem:
        failures.append((SIGNATURE, f"{problem} ({found}): {TAGMANIFEST} was changed or "
                                    "signed by another key"))
        return "invalid"
    if given:
        notes.append(f"{TAGMANIFEST} is signed by the organisation's key {found}")
        return "verified"
    notes.append(f"NO PUBLIC KEY GIVEN: the signature was checked only against the key kept "
                 f"in the bag ({found}), which shows only that the bag is self-consistent: "
                 "anyone who changes a bag can re-sign it with a key of their own. Check it "
                 "with the organisation's published key: --public-key ORG.pub.pem or "
                 "--key-fingerprint SHA256:...")
    return "self-consistent"


def _unzip(path: Path, tmp: str) -> str | None:
    """Extract the zip into ``tmp``; the reason it is refused, or None."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            target = (Path(tmp) / member.filename).resolve()
            if not str(target).startswith(str(Path(tmp).resolve()) + os.sep):
                return f"{member.filename}: unsafe path in the zip"
            kind = stat.S_IFMT(member.external_attr >> 16)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                return (f"{member.filename}: a symbolic link or special file in the zip: "
                        "refused, a bag holds only plain files")
        archive.extractall(tmp)
    return None


def _refused(name: str, reason: str) -> dict:
    return {"ok": False, "failures": [{"file": name, "reason": reason}], "notes": [],
            "timestamps": 0, "signature": "invalid"}


def verify(path: Path, tsa_ca: Path | None = None, *, public_key: bytes | None = None,
           fingerprint: str | None = None, signature_checker=None) -> dict:  # noqa: ANN001
    """Check a bag folder or a zip of one; ``{"ok", "failures": [{"file", "reason"}],
    "notes", "timestamps", "signature"}``. ``public_key`` (PEM) or ``fingerprint`` is the
    organisation's published key; ``signature_checker(data, signature, pem)`` replaces the
    ``openssl`` check (Raqib passes its own)."""
    path = Path(path)
    checker = signature_checker or openssl_signature_check
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="raqib-bag-") as tmp:
            problem = _unzip(path, tmp)
            if problem:
                return _refused(str(path), problem)
            roots = [p for p in Path(tmp).iterdir() if _plain_file(p / "bagit.txt")]
            return verify(roots[0] if len(roots) == 1 else Path(tmp), tsa_ca,
                          public_key=public_key, fingerprint=fingerprint,
                          signature_checker=checker)
    failures: list[tuple[str, str]] = []
    notes: list[str] = []
    if not path.is_dir():
        return _refused(str(path), "not a bag folder or zip")
    if not _check_special(path, failures):  # never follow a link out of the bag
        return {"ok": False, "failures": [{"file": f, "reason": r} for f, r in failures],
                "notes": notes, "timestamps": 0, "signature": "invalid"}
    _check_manifests(path, failures)
    signature = _check_signature(path, failures, notes, public_key, fingerprint, checker)
    stamps = _check_timestamps(path, failures, notes, tsa_ca)
    if not stamps:
        notes.append("no RFC 3161 timestamp in this bag (no TSA was configured)")
    _check_chain(path, failures, notes)
    _check_clips(path, failures)
    return {"ok": not failures, "failures": [{"file": f, "reason": r} for f, r in failures],
            "notes": notes, "timestamps": stamps, "signature": signature}


def _option(args: list[str], name: str) -> str | None:
    if name not in args:
        return None
    i = args.index(name)
    if i + 1 >= len(args):
        raise SystemExit(f"{name} needs a value")
    value = args[i + 1]
    del args[i:i + 2]
    return value


def main(argv: list[str]) -> int:
    args = list(argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    tsa_ca = _option(args, "--tsa-ca")
    key_file = _option(args, "--public-key")
    fingerprint = _option(args, "--key-fingerprint")
    try:
        public_key = Path(key_file).read_bytes() if key_file else None
    except OSError as exc:
        print(f"cannot read {key_file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    target = Path(args[0]) if args else Path(__file__).resolve().parent
    result = verify(target, Path(tsa_ca) if tsa_ca else None, public_key=public_key,
                    fingerprint=fingerprint)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for note in result["notes"]:
            print(f"ok: {note}")
        for failure in result["failures"]:
            print(f"FAILED: {failure['file']}: {failure['reason']}")
        print(("bag verified" + ("" if result["signature"] == "verified" else
                                 " (self-consistent only: no organisation key was given)"))
              if result["ok"] else
              f"{len(result['failures'])} problem(s): the bag does not verify")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
