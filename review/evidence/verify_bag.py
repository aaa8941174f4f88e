#!/usr/bin/env python3
"""Check a Raqib evidence package (a BagIt bag, or a zip of one) with Python's standard
library and the ``openssl`` command only, so a recipient needs nothing from Raqib.

Usage: ``python3 verify.py [BAG_OR_ZIP] [--tsa-ca CA.pem] [--json]`` (default: the folder
this script is in). Checks, each failure naming its file:

1. BagIt: ``bagit.txt``; every file in ``manifest-sha256.txt`` (the payload, ``data/``) and
   ``tagmanifest-sha256.txt`` (the tag files) exists with that SHA-256; no payload or tag
   file is missing from them; ``Payload-Oxum`` matches.
2. Timestamps: every ``timestamps/tsa-N.tsr`` is an RFC 3161 reply over the SHA-256 of
   ``tagmanifest-sha256.txt`` (``openssl ts -verify``), signed by the certificate kept in
   ``timestamps/tsa-N.certs.pem`` (or chaining to ``--tsa-ca`` when given). Compare that
   certificate's fingerprint, printed here, with the one the TSA publishes.
3. The audit-chain slice (``data/custody/audit-chain.json``): every event's hash is
   recomputed from its content and its ``prev_hash``; ask the organisation to confirm the
   ``head`` with ``raqib audit verify --expect SEQ:HASH``.
4. Clip cuts (``data/clips/*.json``): the clip and its parent original are in the bag with
   the SHA-256 the record names.

Exit 0 when everything checks, 1 otherwise. Raqib copies this file into every bag and
``raqib evidence verify`` runs the same ``verify`` function; keep it standard-library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
# The tag files not in the tag manifest: itself and the timestamps made over it.
UNLISTED_TAG_FILES = (TAGMANIFEST,)
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
    return {p.relative_to(bag).as_posix() for p in bag.rglob("*") if p.is_file()}


def _check_manifests(bag: Path, failures: list[tuple[str, str]]) -> dict[str, str]:
    if not (bag / "bagit.txt").is_file():
        failures.append(("bagit.txt", "missing: not a BagIt bag"))
    if not (bag / MANIFEST).is_file():
        failures.append((MANIFEST, "missing"))
        return {}
    payload = read_manifest(bag / MANIFEST)
    tags = read_manifest(bag / TAGMANIFEST) if (bag / TAGMANIFEST).is_file() else {}
    if not tags:
        failures.append((TAGMANIFEST, "missing or empty"))
    for name, digest in sorted({**payload, **tags}.items()):
        path = bag / name
        if not path.is_file():
            failures.append((name, "missing (listed in the manifest)"))
        elif sha256_file(path) != digest:
            failures.append((name, "SHA-256 differs from the manifest (file modified)"))
    for name in sorted(_all_files(bag) - set(payload) - set(tags)):
        if name.startswith("data/"):
            failures.append((name, "not in the payload manifest (file added)"))
        elif name not in UNLISTED_TAG_FILES and not _timestamp_file(name):
            failures.append((name, "not in the tag manifest (file added)"))
    info = bag / "bag-info.txt"
    if info.is_file():
        oxum = next((line.split(":", 1)[1].strip() for line in
                     info.read_text(encoding="utf-8").splitlines()
                     if line.startswith("Payload-Oxum:")), None)
        files = [bag / n for n in payload if (bag / n).is_file()]
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
    if not path.is_file():
        failures.append((rel, "missing"))
        return
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        events = doc["events"]
    except (ValueError, KeyError, TypeError) as exc:
        failures.append((rel, f"unreadable: {exc}"))
        return
    for event in events:
        if event_hash(event, event.get("prev_hash", "")) != event.get("hash"):
            failures.append((rel, f"event seq {event.get('seq')} (id {event.get('id')}) does "
                                  "not match its hash"))
    head = doc.get("head") or {}
    notes.append(f"{rel}: {len(events)} event(s) recomputed; chain head at export: seq "
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
            if not target.is_file():
                failures.append((rel, f"{record[key_path]} missing"))
            elif sha256_file(target) != record.get(key_sha):
                failures.append((str(record[key_path]), f"SHA-256 differs from {rel}"))


def verify(path: Path, tsa_ca: Path | None = None) -> dict:
    """Check a bag folder or a zip of one; ``{"ok", "failures": [{"file", "reason"}],
    "notes", "timestamps"}``."""
    path = Path(path)
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="raqib-bag-") as tmp:
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    target = (Path(tmp) / member).resolve()
                    if not str(target).startswith(str(Path(tmp).resolve()) + os.sep):
                        return {"ok": False, "failures": [{"file": member, "reason":
                                "unsafe path in the zip"}], "notes": [], "timestamps": 0}
                archive.extractall(tmp)
            roots = [p for p in Path(tmp).iterdir() if (p / "bagit.txt").is_file()]
            return verify(roots[0] if len(roots) == 1 else Path(tmp), tsa_ca)
    failures: list[tuple[str, str]] = []
    notes: list[str] = []
    if not path.is_dir():
        return {"ok": False, "failures": [{"file": str(path), "reason": "not a bag folder "
                                           "or zip"}], "notes": [], "timestamps": 0}
    _check_manifests(path, failures)
    stamps = _check_timestamps(path, failures, notes, tsa_ca)
    if not stamps:
        notes.append("no RFC 3161 timestamp in this bag (no TSA was configured)")
    _check_chain(path, failures, notes)
    _check_clips(path, failures)
    return {"ok": not failures, "failures": [{"file": f, "reason": r} for f, r in failures],
            "notes": notes, "timestamps": stamps}


def main(argv: list[str]) -> int:
    args = list(argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    tsa_ca = None
    if "--tsa-ca" in args:
        i = args.index("--tsa-ca")
        tsa_ca = Path(args[i + 1])
        del args[i:i + 2]
    target = Path(args[0]) if args else Path(__file__).resolve().parent
    result = verify(target, tsa_ca)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for note in result["notes"]:
            print(f"ok: {note}")
        for failure in result["failures"]:
            print(f"FAILED: {failure['file']}: {failure['reason']}")
        print("bag verified" if result["ok"] else
              f"{len(result['failures'])} problem(s): the bag does not verify")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
