"""``raqib evidence export|verify|keygen``: write an incident's BagIt evidence package,
check one, make the organisation's signing key.

``export`` acts as a person (``raqib.commands.acting``: a lead's token with the
``review`` scope, or a lead's sign-in) who may see the incident, as in the web UI, and runs
``review.evidence.package.export_bag`` with ``evidence.tsa_urls`` and the
``evidence.signing_key``; ``verify`` runs the bag's own checks (``review.evidence.verify_bag``,
the code every bag carries as ``verify.py``, with the signature checked by
``review.evidence.signing``) and then the ``bagit`` library's validator; ``keygen`` runs
``review.evidence.signing.generate_key``. To check more: add it to ``verify_bag`` so
recipients get it too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import bagit
from django.conf import settings

from raqib.commands.acting import person_from_args
from raqib.commands.output import CommandError, Outcome, emit
from review.evidence import signing, verify_bag
from review.evidence.files import bagit_path
from review.evidence.package import EvidenceExportError, export_bag


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def export_command(args: argparse.Namespace) -> int:
    user = person_from_args(args, "review")
    _may_export(user, args.incident_id)
    try:
        result = export_bag(args.incident_id, Path(args.out), profile=args.profile,
                            zip_output=args.zip, user=user, data_dir=settings.CONFIG.data_dir,
                            tsa_urls=settings.CONFIG.get("evidence.tsa_urls"),
                            signing_key=configured_key(), progress=_say)
    except EvidenceExportError as exc:
        raise CommandError(str(exc), code=1) from exc
    data = result.as_dict()
    lines = [f"evidence package of incident {result.incident_id}: {result.path}",
             f"{result.files} payload file(s), {result.bytes} bytes; tag manifest SHA-256 "
             f"{result.tagmanifest_sha256}",
             f"signed by the organisation's key {result.signing_key}",
             (f"timestamped by {', '.join(result.timestamps)}" if result.timestamps else
              "no TSA configured (evidence.tsa_urls): no timestamp")]
    lines += [f"left out: {w}" for w in result.withheld]
    emit(args, data, footer=lines)
    return 0


def _may_export(user: Any, incident_id: int) -> None:
    """The web UI's rule for an export: a lead who may see the incident."""
    from accounts.roles import has_role
    from review.incidents import IncidentError, get_incident

    if not has_role(user, "lead"):
        raise CommandError(f"{user.get_username()} may not export evidence: it needs the "
                           "lead role; nothing written", code=1)
    try:
        get_incident(incident_id, user)
    except IncidentError as exc:
        raise CommandError(f"{exc}; nothing written", code=1) from exc


def configured_key() -> Path:
    """The private key's path from ``evidence.signing_key`` (else under the data dir)."""
    return signing.key_path(settings.CONFIG.get("evidence.signing_key"),
                            settings.CONFIG.data_dir)


def keygen_command(args: argparse.Namespace) -> int:
    path = Path(args.out).expanduser() if args.out else configured_key()
    try:
        public_path, pem = signing.generate_key(path)
    except signing.SigningError as exc:
        raise CommandError(str(exc), code=1) from exc
    fingerprint = signing.fingerprint(pem)
    emit(args, {"private_key": str(path), "public_key": str(public_path),
                "fingerprint": fingerprint, "public_key_pem": pem.decode("ascii")},
         footer=[f"private key (keep it secret, back it up offline): {path}",
                 f"public key: {public_path}",
                 f"fingerprint: {fingerprint}",
                 "publish the public key and its fingerprint (docs/security.md):",
                 pem.decode("ascii").rstrip()])
    return 0


def _bagit_problems(path: Path) -> list[dict[str, Any]]:
    """bagit's validator over a folder (a zip is extracted first)."""
    def check(folder: Path) -> list[dict[str, Any]]:
        with bagit_path(folder) as neutral:  # a folder named "...tagmanifest-..." too
            return _validate(neutral, folder.name)

    def _validate(folder: Path, name: str) -> list[dict[str, Any]]:
        try:
            bagit.Bag(str(folder)).validate(processes=1)
        except bagit.BagValidationError as exc:
            details = getattr(exc, "details", None) or []
            if details:
                return [{"file": getattr(d, "path", str(d)), "reason": f"bagit: {d}"}
                        for d in details]
            return [{"file": name, "reason": f"bagit: {exc}"}]
        except bagit.BagError as exc:
            return [{"file": name, "reason": f"bagit: {exc}"}]
        return []

    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="raqib-bag-") as tmp:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                if any(n.startswith("/") or ".." in Path(n).parts for n in names):
                    return [{"file": str(path), "reason": "unsafe path in the zip"}]
                archive.extractall(tmp)
            roots = [p for p in Path(tmp).iterdir() if (p / "bagit.txt").is_file()]
            return check(roots[0] if len(roots) == 1 else Path(tmp))
    return check(path)


def verify_command(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.exists():
        raise CommandError(f"{path} does not exist", code=1)
    try:
        public_key = signing.read_public_key(Path(args.public_key)) if args.public_key else None
    except signing.SigningError as exc:
        raise CommandError(str(exc), code=1) from exc
    result = verify_bag.verify(path, Path(args.tsa_ca) if args.tsa_ca else None,
                               public_key=public_key, fingerprint=args.key_fingerprint,
                               signature_checker=signing.check)
    seen = {f["file"] for f in result["failures"]}
    refused = any("refused" in f["reason"] for f in result["failures"])
    extra = [] if refused else [p for p in _bagit_problems(path) if p["file"] not in seen]
    result["bagit_validator"] = "ok" if not extra and result["ok"] else "failed"
    result["failures"] += extra
    outcome = Outcome()
    for f in result["failures"]:  # each keeps "file"; the shared fields are added
        outcome.fail(f["file"], "verify", f["reason"])
    result["failures"] = [{**f, **shared} for f, shared in
                          zip(result["failures"], outcome.failures, strict=True)]
    result["ok"] = not result["failures"]
    lines = [f"ok: {n}" for n in result["notes"]]
    lines += [f"FAILED: {f['file']}: {f['reason']}" for f in result["failures"]]
    lines.append(("evidence package verified" + (
        " against the organisation's key" if result["signature"] == "verified" else
        " as self-consistent only: no organisation key given (--public-key)"))
        if result["ok"] else
        f"{len(result['failures'])} problem(s): the package does not verify")
    emit(args, result, footer=lines)
    return outcome.exit_code
