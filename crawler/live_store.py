"""Turn a recorded live chunk (a work dir of HLS segments) into evidence and a Broadcast.

A chunk's work dir (``<data_dir>/live/<source>/<chunk start>/``) holds ``meta.json`` (the
window), ``journal.jsonl`` (one line per fetched segment: sequence number, air time,
duration, sha256, and why there was a hole before it, if any) and the segments as served.
``finalize_chunk``:

1. works out the gaps from the timeline of recorded segments (air time not covered by a
   segment, with the reasons the recorder noted) — recorded, never hidden;
2. joins the segments losslessly with ffmpeg's concat demuxer (stream copy, no re-encode)
   into one MP4, so its duration is the window minus the gaps;
3. writes a recording manifest (per-segment sha256, playlist URLs, gaps) under
   ``captures/live/`` as an ``EvidenceFile`` and hands the chunk to the evidence writer
   ``catalog.evidence`` (the one ``crawler.capture`` uses): the media is stored once by
   sha256 under ``media/`` (read-only), and in one transaction the Broadcast is created
   (status ``downloaded``, so transcription and indexing follow as usual) with the
   MediaFile and a ``captured`` custody record;
4. removes the work dir.

Every step can be re-run: the Broadcast is keyed by (source, ``live:<source>:<start>``), the
media by sha256, so a recorder killed while finalizing finishes the job on its next start
with no duplicate. To record more about a chunk: add it to the manifest or the custody
event's ``details``.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from catalog.evidence import (
    Custody,
    Evidence,
    EvidenceError,
    MediaToStore,
    StoredFileMismatch,
    commit_capture,
    store_evidence_file,
)
from catalog.hashing import sha256_file
from catalog.models import Broadcast, MediaFile, Source
from crawler.capture import tool_versions
from crawler.dates import SECOND, source_timezone, zone_name
from crawler.live_stream import external_id_for, iso, parse_iso

__all__ = ["ChunkError", "ChunkWork", "external_id_for", "finalize_chunk", "gap_seconds", "iso",
           "parse_iso", "probe_duration"]

log = logging.getLogger("raqib.crawler.live")

EVIDENCE_KIND = "live_manifest"
# A hole shorter than this fraction of a segment is timestamp jitter, not a gap.
GAP_TOLERANCE = 0.25


class ChunkError(Exception):
    """A chunk could not be turned into a media file (ffmpeg failed, nothing recorded)."""


@dataclass
class ChunkWork:
    """One chunk being recorded: its window and the segments fetched so far."""

    path: Path
    source: str
    start: datetime
    end: datetime  # the window's end (a partial chunk ends earlier, at its last segment)
    playlist_url: str = ""
    segments: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path, source: str, start: datetime, end: datetime,
               playlist_url: str) -> ChunkWork:
        path = root / iso(start).replace(":", "")
        path.mkdir(parents=True, exist_ok=True)
        work = cls(path=path, source=source, start=start, end=end, playlist_url=playlist_url)
        meta = path / "meta.json"
        if meta.exists():  # resumed after a kill: keep what was recorded
            return cls.load(path)
        meta.write_text(json.dumps({"source": source, "start": iso(start), "end": iso(end),
                                    "playlist_url": playlist_url}))
        return work

    @classmethod
    def load(cls, path: Path) -> ChunkWork:
        meta = json.loads((path / "meta.json").read_text())
        work = cls(path=path, source=meta["source"], start=parse_iso(meta["start"]),
                   end=parse_iso(meta["end"]), playlist_url=meta.get("playlist_url", ""))
        journal = path / "journal.jsonl"
        if journal.exists():
            for line in journal.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:  # a line cut short by a kill
                    continue
                if (path / entry["file"]).is_file():
                    work.segments.append(entry)
        return work

    @property
    def external_id(self) -> str:
        return external_id_for(self.source, self.start)

    @property
    def last_end(self) -> datetime | None:
        if not self.segments:
            return None
        last = self.segments[-1]
        return parse_iso(last["start"]) + timedelta(seconds=last["duration"])

    def add_segment(self, seq: int, url: str, data: bytes, start: datetime, duration: float,
                    gap_reason: str, discontinuity: bool) -> None:
        """Write the segment as served, then journal it (a kill in between loses nothing
        that the journal claims)."""
        import hashlib

        name = f"seg-{seq:09d}.ts"
        part = self.path / (name + ".part")
        part.write_bytes(data)
        part.replace(self.path / name)
        entry = {"seq": seq, "url": url, "file": name, "start": iso(start),
                 "duration": duration, "size": len(data),
                 "sha256": hashlib.sha256(data).hexdigest(), "gap_reason": gap_reason,
                 "discontinuity": discontinuity}
        with (self.path / "journal.jsonl").open("a") as fh:
            fh.write(json.dumps(entry) + "\n")
        self.segments.append(entry)


def compute_gaps(work: ChunkWork, end: datetime, trailing_reason: str) -> list[dict[str, str]]:
    """Air time in [work.start, end) that no recorded segment covers, with reasons."""
    gaps: list[dict[str, str]] = []
    cursor = work.start
    for entry in work.segments:
        start = parse_iso(entry["start"])
        tolerance = timedelta(seconds=entry["duration"] * GAP_TOLERANCE)
        if start - cursor > tolerance:
            gaps.append({"start": iso(cursor), "end": iso(start),
                         "reason": entry.get("gap_reason") or "no segment received"})
        elif entry.get("discontinuity") and entry is not work.segments[0]:
            gaps.append({"start": iso(start), "end": iso(start),
                         "reason": "discontinuity (#EXT-X-DISCONTINUITY): the stream "
                                   "restarted or changed encoding here"})
        cursor = max(cursor, start + timedelta(seconds=entry["duration"]))
    last = work.segments[-1]["duration"] if work.segments else 0
    if end - cursor > timedelta(seconds=last * GAP_TOLERANCE):
        gaps.append({"start": iso(cursor), "end": iso(end), "reason": trailing_reason})
    return gaps


def gap_seconds(gaps: list[dict[str, str]]) -> float:
    return sum((parse_iso(g["end"]) - parse_iso(g["start"])).total_seconds() for g in gaps)


def ffmpeg_version() -> str:
    try:
        out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.split("\n", 1)[0].removeprefix("ffmpeg version ").split(" ", 1)[0]


def probe_duration(path: Path) -> float | None:
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                              "-of", "default=nw=1:nk=1", str(path)],
                             capture_output=True, text=True, timeout=60).stdout.strip()
        return float(out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def concat_segments(work: ChunkWork) -> Path:
    """Join the segments losslessly (stream copy) into ``chunk.mp4``; raise ChunkError."""
    listing = work.path / "concat.txt"
    # The playlist's EXTINF durations place each segment: a segment's own container
    # duration is often longer (audio packets lead video), which would drift the timeline.
    listing.write_text("".join(f"file '{e['file']}'\nduration {e['duration']:.6f}\n"
                               for e in work.segments))
    out = work.path / "chunk.mp4"
    part = work.path / "chunk.mp4.part"
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
           "-i", str(listing), "-map", "0:v?", "-map", "0:a?", "-c", "copy",
           "-fflags", "+bitexact", "-movflags", "+faststart", "-f", "mp4", str(part)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ChunkError(f"ffmpeg could not join the segments: {exc}") from exc
    if proc.returncode != 0 or not part.is_file() or part.stat().st_size == 0:
        raise ChunkError("ffmpeg could not join the segments: "
                         + (proc.stderr.strip().splitlines() or ["no output"])[-1][:300])
    part.replace(out)
    return out


def _write_manifest(work: ChunkWork, data_dir: Path, manifest: dict[str, Any]) -> Evidence:
    """Write the recording manifest and store it read-only under ``captures/live/``."""
    rel = Path("captures") / "live" / work.source / f"{iso(work.start).replace(':', '')}.json"
    written = work.path / "manifest.json"
    written.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    try:  # a manifest left by a finalize killed before its database write is replaced
        return store_evidence_file(written, EVIDENCE_KIND, rel, data_dir)
    except EvidenceError as exc:
        raise ChunkError(str(exc)) from exc


def _title(source: Source, start: datetime, end: datetime, partial: bool) -> str:
    title = f"{source.name} · بث مباشر {start:%Y-%m-%d %H:%M:%S}–{end:%H:%M:%S} UTC"
    return title + (" (جزئي · partial)" if partial else "")


def finalize_chunk(work: ChunkWork, source: Source, data_dir: Path, actor: str, *,
                   partial_reason: str = "", trailing_reason: str = "") -> int | None:
    """Store the chunk as evidence and a ``downloaded`` Broadcast; return its id.

    ``partial_reason`` set: the recorder stopped inside the window, so the chunk ends at its
    last segment and is marked partial. Otherwise it ends at the window's end and missing
    air time at the end is a gap with ``trailing_reason``. Returns None (and removes the
    work dir) when no segment was recorded."""
    existing = Broadcast.objects.filter(source=source, external_id=work.external_id,
                                        media__isnull=False).values_list("id", flat=True).first()
    if existing:  # stored by a run killed before it removed the work dir
        shutil.rmtree(work.path, ignore_errors=True)
        return existing
    if not work.segments:
        shutil.rmtree(work.path, ignore_errors=True)
        return None
    work.segments.sort(key=lambda e: (e["start"], e["seq"]))
    end = work.last_end if partial_reason else work.end
    gaps = compute_gaps(work, end, trailing_reason or "no segment received")
    chunk = concat_segments(work)
    duration = probe_duration(chunk)
    sha = sha256_file(chunk)
    size = chunk.stat().st_size
    versions = {**tool_versions(), "ffmpeg": ffmpeg_version()}
    manifest = {
        "source": source.name, "source_url": source.config.get("url", ""),
        "playlist_url": work.playlist_url, "external_id": work.external_id,
        "window": {"start": iso(work.start), "end": iso(work.end)},
        "aired_at": iso(work.start), "aired_end": iso(end),
        "partial": bool(partial_reason), "partial_reason": partial_reason,
        "gaps": gaps, "missing_seconds": round(gap_seconds(gaps), 3),
        "media": {"sha256": sha, "size": size, "duration": duration,
                  "made_with": "ffmpeg concat demuxer, stream copy (no re-encode)"},
        "segments": work.segments, "tool_versions": versions,
        "recorded_on": socket.gethostname(),
    }
    manifest_file = _write_manifest(work, data_dir, manifest)
    manifest_rel = manifest_file.rel

    def create_broadcast() -> Broadcast:
        broadcast, _ = Broadcast.objects.get_or_create(
            source=source, external_id=work.external_id,
            defaults={"outlet": source.outlet, "url": source.config.get("url", ""),
                      "media_url": work.playlist_url, "language": source.language,
                      "title": _title(source, work.start, end, bool(partial_reason))},
        )
        return broadcast

    def details(media: MediaFile, created: bool) -> dict[str, Any]:
        return {"recorder": "live", "size": size, "stored_as": media.path,
                "already_stored": not created, "manifest": manifest_rel.as_posix(),
                "segments": len(work.segments), "first_seq": work.segments[0]["seq"],
                "last_seq": work.segments[-1]["seq"], "gaps": len(gaps),
                "missing_seconds": manifest["missing_seconds"],
                "partial": bool(partial_reason)}

    def link(broadcast: Broadcast, media: MediaFile) -> None:
        broadcast.media = media
        broadcast.aired_at = work.start
        broadcast.aired_precision = SECOND  # a recorded window: to the second
        broadcast.aired_tz = zone_name(source.config)
        broadcast.aired_date = work.start.astimezone(source_timezone(source.config)).date()
        broadcast.aired_end = end
        broadcast.gaps = gaps
        broadcast.description = (f"Partial chunk: {partial_reason}" if partial_reason
                                 else broadcast.description)
        broadcast.status = Broadcast.Status.DOWNLOADED
        broadcast.failed_stage = ""
        broadcast.error = ""
        broadcast.save()
        Source.objects.filter(pk=source.pk).update(last_crawl_at=datetime.now(UTC))

    try:
        broadcast, _ = commit_capture(
            create_broadcast,
            MediaToStore(chunk, sha, size, duration=duration,
                         info_json_path=manifest_rel.as_posix()),
            [manifest_file],
            Custody(actor=actor, source_url=source.config.get("url", ""),
                    final_url=work.playlist_url, http_status=200, tool_versions=versions,
                    details=details, action="captured"),
            data_dir, link)
    except StoredFileMismatch as exc:
        raise ChunkError(str(exc)) from exc
    shutil.rmtree(work.path, ignore_errors=True)
    log.info("live chunk stored", extra={"source": source.name, "broadcast": broadcast.id,
                                         "sha256": sha, "gaps": len(gaps)})
    return broadcast.id
