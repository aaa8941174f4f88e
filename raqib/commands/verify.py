"""``raqib verify``: re-hash every stored evidence file and report what no longer matches.

Every ``MediaFile`` (the captured originals) and ``EvidenceFile`` (info.json, WARC
snapshots, captions) is read back from the data dir and its SHA-256 compared with the
catalog. A missing file or a different hash is a problem; the command exits 1 when there
is any. One ``verified`` custody event per run records the summary (not one per file).
To verify another kind of stored file: add it to ``stored_files``.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from catalog.hashing import sha256_file
from catalog.models import CustodyEvent, EvidenceFile, MediaFile
from raqib.commands.output import Outcome, emit, report_failures
from raqib.logs import progress
from raqib.pipeline import actor


@dataclass
class FileCheck:
    table: str  # media or evidence
    id: int
    kind: str
    path: str
    expected_sha256: str
    status: str  # ok, missing, mismatch
    actual_sha256: str | None = None


def stored_files() -> Iterator[tuple[str, int, str, str, str]]:
    """(table, id, kind, relative path, recorded sha256) of every file to verify."""
    for media in MediaFile.objects.order_by("id").iterator():
        yield "media", media.id, "media", media.path, media.sha256
    for ev in EvidenceFile.objects.order_by("id").iterator():
        yield "evidence", ev.id, ev.kind, ev.path, ev.sha256


def verify_file(data_dir: Path, table: str, row_id: int, kind: str, rel: str,
                sha: str) -> FileCheck:
    path = data_dir / rel
    if not path.is_file():
        return FileCheck(table, row_id, kind, rel, sha, "missing")
    try:
        actual = sha256_file(path)
    except OSError as exc:
        return FileCheck(table, row_id, kind, rel, sha, f"unreadable: {exc.strerror}")
    return FileCheck(table, row_id, kind, rel, sha, "ok" if actual == sha else "mismatch",
                     actual)


def verify_command(args: argparse.Namespace) -> int:
    data_dir = settings.CONFIG.data_dir
    total = MediaFile.objects.count() + EvidenceFile.objects.count()
    results: list[FileCheck] = []
    for n, row in enumerate(stored_files(), 1):
        check = verify_file(data_dir, *row)
        results.append(check)
        progress(f"verify: {check.path}: {check.status}", n, total)
    problems = [r for r in results if r.status != "ok"]
    summary = {"files": len(results), "ok": len(results) - len(problems),
               "missing": sum(r.status == "missing" for r in problems),
               "mismatch": sum(r.status == "mismatch" for r in problems),
               "unreadable": sum(r.status.startswith("unreadable") for r in problems)}
    CustodyEvent.objects.create(
        action="verified", actor=actor(), host=socket.gethostname(),
        details={**summary, "problems": [asdict(p) for p in problems][:1000]})
    outcome = Outcome(done=len(results))
    for p in problems:
        outcome.fail(f"{p.table}:{p.id}", "verify", f"{p.status}: {p.kind} file {p.path}")
    report_failures(outcome, "verify")
    shown = problems if args.problems_only else results
    emit(args, {"summary": summary, "files": [asdict(r) for r in shown],
                "failures": outcome.failures},
         ["status", "table", "kind", "path"], rows=(asdict(r) for r in shown),
         footer=f"{summary['ok']} of {summary['files']} files match; {summary['missing']} "
                f"missing, {summary['mismatch']} modified")
    progress("verify: " + ("all files match" if not problems
                           else f"{len(problems)} problem(s) found"))
    return outcome.exit_code
