"""The one evidence writer: files stored untouched in the data dir, and their catalog rows.

Every capture ends the same way, whoever made it (``crawler.capture`` for a downloaded
broadcast, ``crawler.live_store`` for a recorded live chunk):

1. ``store_evidence_file`` moves each side file (yt-dlp's info.json, a WARC of the item
   page, captions, a live recording manifest) to its place under ``captures/``, read-only,
   and hashes it there: an ``Evidence``. ``discard_evidence`` removes them again when the
   capture fails before its transaction.
2. ``commit_capture`` stores the media file once by sha256 at
   ``media/<sha[:2]>/<sha256><ext>`` (read-only; an identical file already there is
   reused, a different one under that name is refused with ``StoredFileMismatch``, never
   overwritten) and then, in one transaction: the ``MediaFile`` (get or create by sha256),
   one ``EvidenceFile`` row per side file, the custody event (``captured``, or ``linked``
   when the same bytes were already stored for another item, unless the caller fixes the
   action) and the caller's ``link`` of the broadcast to the media. Nothing is marked done
   here: the pipeline does that after this commit.

This module belongs to the catalog layer: it imports Django and ``catalog`` only. To keep
another kind of side file: give it an ``EvidenceFile`` kind and pass it as an
``Evidence``; to record more about a capture: add it to the custody ``details``.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog import dbclock, fencing
from catalog import sightings as sightings_
from catalog.hashing import sha256_file
from catalog.models import Broadcast, CustodyEvent, EvidenceFile, MediaFile


class EvidenceError(Exception):
    """Storing evidence would overwrite or duplicate evidence already kept; not retryable."""


class StoredFileMismatch(EvidenceError):
    """A file already stored under a sha256 name no longer has that sha256."""


class EvidenceAlreadyRecorded(EvidenceError):
    """An evidence file's place is taken by a file the catalog already records."""


def file_extension(path: Path) -> str:
    """The lower-cased extension of ``path`` when it is a plain one (".mp4"), else ""."""
    ext = path.suffix.lower()
    return ext if re.fullmatch(r"\.[a-z0-9]{1,10}", ext) else ""


def store_media_file(path: Path, sha: str, data_dir: Path) -> Path:
    """Move ``path`` (whose sha256 is ``sha``) into the evidence store, read-only, unless
    an identical file is already there; return its path relative to the data dir."""
    rel = Path("media") / sha[:2] / f"{sha}{file_extension(path)}"
    dest = data_dir / rel
    if dest.exists():
        # Stored by another broadcast, or left by a capture killed before its database
        # write: reuse it only if it is byte-identical, never overwrite evidence.
        if sha256_file(dest) != sha:
            raise StoredFileMismatch(f"stored file {rel} does not match its sha256; refusing "
                                     "to overwrite evidence")
        return rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.move(path, tmp)  # a rename when the work dir is on the same filesystem
    tmp.chmod(0o444)
    os.replace(tmp, dest)  # atomic: media/ never holds a partial file under its final name
    return rel


@dataclass(frozen=True)
class Evidence:
    """A side file stored read-only under the data dir (``rel``), not yet in the catalog."""

    kind: str  # an EvidenceFile kind
    rel: Path
    sha256: str
    size: int

    def record(self) -> dict[str, Any]:
        """How the custody event lists it."""
        return {"kind": self.kind, "path": self.rel.as_posix(), "sha256": self.sha256,
                "size": self.size}


def store_evidence_file(src: Path, kind: str, rel: Path, data_dir: Path) -> Evidence:
    """Move ``src`` to ``data_dir / rel``, read-only, and hash it there. A file left at
    ``rel`` by a capture killed before its transaction is replaced; one the catalog
    records is not (EvidenceAlreadyRecorded)."""
    dest = data_dir / rel
    if dest.exists():
        if EvidenceFile.objects.filter(path=rel.as_posix()).exists():
            raise EvidenceAlreadyRecorded(f"evidence file {rel} already recorded")
        # Left by a capture killed before its transaction: not evidence of anything yet.
        dest.chmod(0o644)
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(src, dest)
    dest.chmod(0o444)
    return Evidence(kind, rel, sha256_file(dest), dest.stat().st_size)


def discard_evidence(evidence: Iterable[Evidence], data_dir: Path) -> None:
    """Remove evidence files of a capture whose transaction did not happen."""
    for e in evidence:
        path = data_dir / e.rel
        with contextlib.suppress(OSError):
            path.chmod(0o644)
            path.unlink()


@dataclass
class MediaToStore:
    """The captured media file (still in the work dir) and what the MediaFile row says."""

    path: Path
    sha256: str
    size: int
    duration: float | None = None
    info_json_path: str = ""  # relative to the data dir


@dataclass
class Custody:
    """The custody event of a capture. ``details`` is called with the MediaFile row and
    whether it is new (``stored_as``, ``already_stored``...). ``action`` empty: "captured"
    for new bytes, "linked" for bytes already stored for another item."""

    actor: str
    source_url: str
    final_url: str
    http_status: int | None
    tool_versions: dict[str, str]
    details: Callable[[MediaFile, bool], dict[str, Any]]
    action: str = ""
    host: str = field(default_factory=socket.gethostname)


def commit_capture(broadcast: Broadcast | Callable[[], Broadcast], media: MediaToStore,
                   evidence: Sequence[Evidence], custody: Custody, data_dir: Path,
                   link: Callable[[Broadcast, MediaFile], None], *,
                   sightings: bool = False) -> tuple[Broadcast, MediaFile]:
    """Store the media file once by sha256, then write its MediaFile, the EvidenceFile
    rows, the custody event and ``link(broadcast, media_file)`` (the caller's update of
    the broadcast) in one transaction. ``broadcast`` may be a callable run inside the
    transaction (a live chunk's Broadcast is created there). Under a claim it commits
    only while the claim is still this worker's (``catalog.fencing``): a worker that lost
    it writes no custody event. Raises StoredFileMismatch or ClaimLost.

    ``sightings``: when another broadcast holds these bytes already, the capture is a
    sighting of it (``catalog.sightings``): the broadcast's page fields become a
    ``Sighting`` of the kept one, the evidence files and the custody event (``sighted``)
    are the kept broadcast's, ``link`` is not called and the broadcast row is deleted.
    Returns the kept broadcast then."""
    media_rel = store_media_file(media.path, media.sha256, data_dir)
    with fencing.atomic():
        target = broadcast() if callable(broadcast) else broadcast
        row, created = MediaFile.objects.get_or_create(
            sha256=media.sha256,
            defaults={"path": media_rel.as_posix(), "size": media.size,
                      "mime_type": mimetypes.guess_type(media_rel.name)[0] or "",
                      "info_json_path": media.info_json_path, "duration": media.duration},
        )
        kept = (sightings_.kept_broadcast(row.pk, exclude=target.pk)
                if sightings and not created else None)
        if kept is not None:
            _record_sighting(target, kept, row, evidence, custody)
            return kept, row
        for e in evidence:
            EvidenceFile.objects.get_or_create(
                path=e.rel.as_posix(),
                defaults={"broadcast": target, "kind": e.kind, "sha256": e.sha256,
                          "size": e.size})
        CustodyEvent.objects.create(
            action=custody.action or ("captured" if created else "linked"),
            actor=custody.actor, broadcast=target, media=row, sha256=media.sha256,
            source_url=custody.source_url, final_url=custody.final_url,
            http_status=custody.http_status, host=custody.host,
            tool_versions=custody.tool_versions, details=custody.details(row, created),
        )
        link(target, row)
    return target, row


def _record_sighting(target: Broadcast, kept: Broadcast, row: MediaFile,
                     evidence: Sequence[Evidence], custody: Custody) -> None:
    """The capture of ``target`` as a sighting of ``kept`` (inside the capture's
    transaction): the Sighting, its evidence files, its custody event on the kept
    broadcast's record, and ``target`` merged away."""
    event = CustodyEvent(
        action=custody.action or sightings_.SIGHTED_ACTION, actor=custody.actor,
        broadcast=kept, media=row, sha256=row.sha256, source_url=custody.source_url,
        final_url=custody.final_url, http_status=custody.http_status, host=custody.host,
        tool_versions=custody.tool_versions)
    sighting = sightings_.sighting_from(target, kept, sha256=row.sha256, media_id=row.pk,
                                        seen_at=dbclock.now())
    for e in evidence:
        EvidenceFile.objects.get_or_create(
            path=e.rel.as_posix(),
            defaults={"broadcast": kept, "sighting": sighting, "kind": e.kind,
                      "sha256": e.sha256, "size": e.size})
    event.details = {**custody.details(row, False), "sighting": sighting.pk,
                     "source": target.source.name, "external_id": target.external_id,
                     "url": target.url, "former_broadcast_id": target.pk}
    event.save()
    # A discovered item has nothing of its own yet; whatever it has (a tag put on it
    # before its download) moves onto the kept broadcast like a merged duplicate's.
    report = sightings_.MergeReport(kept=kept.pk, dropped=target.pk, sighting=sighting.pk,
                                    sha256=row.sha256)
    sightings_.move_rows(target, kept, sighting, None, "default", report)
    Broadcast.objects.filter(pk=target.pk).delete()
