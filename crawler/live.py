"""The ``live`` source kind: record an HLS live stream in fixed-length chunks, gaps recorded.

A live source (``kind = "live"``, ``url``, ``chunk`` default ``"30m"``) is not crawled on an
interval: a recorder runs continuously (``raqib record --source NAME`` in the foreground,
or one long-running task per live source in the io worker, see ``raqib.tasks``).

How it records:

* **Resolve.** ``url`` may be an HLS master playlist (the variant with the highest
  bandwidth, then the largest picture, is recorded), a media playlist, or a page: anything
  that is not a playlist is handed to yt-dlp's extractors (``download=False``), which find
  the stream's HLS URL. yt-dlp does the resolving, but not the recording: its live HLS
  download neither reports which media sequence numbers it missed nor cuts at wall-clock
  boundaries, and both are needed to account for every second of air time. So the
  recorder polls the media playlist itself (every half target duration, as RFC 8216
  advises) and fetches each new segment by media sequence number.
* **Air time.** A segment's air time is its ``#EXT-X-PROGRAM-DATE-TIME`` when the stream
  announces one; otherwise it follows the previous segment, or, for the first one seen,
  is counted back from the live edge (the poll's time minus the durations after it).
* **Chunks.** Windows are fixed, aligned to the UTC clock (``chunk = "30m"`` gives
  :00–:30 and :30–:00). A segment belongs to the window its air time starts in. A chunk
  is closed when a segment of a later window arrives or, if the stream is silent, when
  the clock passes the window's end plus a grace of three target durations. Closing
  joins the segments losslessly and stores the chunk (see ``crawler.live_store``): one
  Broadcast per chunk, ``aired_at``/``aired_end`` = the window, status ``downloaded``,
  external id ``live:<source>:<window start>`` so a re-run never duplicates.
* **Gaps** are air time in the window no recorded segment covers. Each carries the reasons
  the recorder noted before the next segment: media sequence numbers that left the live
  playlist before they were fetched, a segment answering 404 or failing, a playlist that
  stalled (no new segment for three target durations), the stream unreachable or ended,
  an ``#EXT-X-DISCONTINUITY``, or the recorder not running (started mid-window, killed).
* **Stopping.** ``stop()`` (SIGTERM/SIGINT in ``raqib record``) closes the current chunk as
  a *partial* chunk ending at its last segment (marked in the title, description and
  custody record). A restart in the same window records the rest as a new chunk starting
  where the partial one ended. A killed recorder leaves its work dir
  (``<data_dir>/live/<source>/<start>/``: segments + a journal): the next start resumes it
  if its window is still current (the downtime becomes a gap) or closes it with a gap to
  the window's end — never a duplicate.
* **Failures.** An unreachable stream is recorded on the source (``last_error``, cleared
  when it is back) and retried with back-off up to 30 s; the recorder never crashes for
  an outlet's fault. One recorder per source: a lock file in the data dir refuses a second.

Not supported yet (a clear error on the source): DASH live (MPD), fragmented-MP4 HLS
(``#EXT-X-MAP``) and encrypted HLS. To extend: teach ``crawler.live_playlist`` the new
playlist shape and keep handing ``ChunkWork.add_segment`` whole segments.

The kind's declaration (``LiveCollector``: keys, not scheduled) and the stream helpers
(fetch, resolve, windows) live in ``crawler.live_stream``, which needs no catalog; storing
a closed chunk is ``crawler.live_store``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalog.models import Broadcast, Source
from crawler.base import CrawlSettings
from crawler.live_playlist import HlsSegment, MediaPlaylist, PlaylistError, parse_media_playlist
from crawler.live_store import ChunkError, ChunkWork, finalize_chunk
from crawler.live_stream import (
    DEFAULT_CHUNK,
    KIND,
    FetchError,
    LiveCollector,
    LiveError,
    chunk_seconds,
    fetch,
    iso,
    parse_iso,
    resolve_media_playlist,
    window_of,
)

__all__ = ["DEFAULT_CHUNK", "KIND", "FetchError", "LiveCollector", "LiveError", "LiveRecorder",
           "chunk_seconds", "fetch", "recorder_running", "resolve_media_playlist", "window_of"]

log = logging.getLogger("raqib.crawler.live")

STALL_TARGETS = 3  # a playlist unchanged for this many target durations has stalled
MAX_BACKOFF = 30.0
ERROR_PREFIX = "live: "  # marks the source's last_error as the recorder's own


@dataclass
class _Lock:
    path: Path
    fd: int = -1

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(self.fd, 64).decode(errors="replace").strip()
            os.close(self.fd)
            self.fd = -1
            raise LiveError(f"a recorder for this source is already running (pid {holder})")\
                from None
        os.ftruncate(self.fd, 0)
        os.write(self.fd, str(os.getpid()).encode())

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing drops the flock
            self.fd = -1


def recorder_running(data_dir: Path, source_name: str) -> bool:
    """Whether some process holds the recorder lock of this source."""
    path = Path(data_dir) / "live" / f"{source_name}.lock"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class LiveRecorder:
    """Records one live source; ``run()`` until ``stop()`` or ``max_chunks`` are stored."""

    def __init__(self, source: Source, data_dir: Path, settings: CrawlSettings, actor: str,
                 *, chunk: str | None = None,
                 on_chunk: Callable[[int], None] | None = None,
                 report: Callable[[str], None] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.source = source
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.actor = actor
        self.chunk_seconds = chunk_seconds(source.config, chunk)
        self.on_chunk = on_chunk
        self.report = report or (lambda line: None)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.root = self.data_dir / "live" / source.name
        self.stop_event = threading.Event()
        self.stored: list[int] = []
        self.chunk: ChunkWork | None = None
        self.playlist_url = ""
        self.last_seq: int | None = None
        self.seq_end: dict[int, datetime] = {}
        self.trouble: list[str] = ["recorder not running"]
        self.last_change = time.monotonic()
        self.stalled = False
        self.failures = 0

    # -- public -----------------------------------------------------------------------
    def stop(self) -> None:
        """Ask ``run`` to close the current chunk (partial) and return."""
        self.stop_event.set()

    def run(self, max_chunks: int = 0) -> list[int]:
        """Record until stopped or ``max_chunks`` chunks are stored; return their ids. On
        the way out the open chunk, if any, is stored as a partial chunk (so the list may
        be one longer than ``max_chunks``)."""
        lock = _Lock(self.data_dir / "live" / f"{self.source.name}.lock")
        lock.acquire()
        try:
            self._recover()
            while not self.stop_event.is_set():
                if max_chunks and len(self.stored) >= max_chunks:
                    break
                delay = self.step()
                if max_chunks and len(self.stored) >= max_chunks:
                    break
                self.stop_event.wait(delay)
            if self.chunk is not None:  # what was fetched of the next chunk is kept, partial
                self._close(partial_reason=f"recording stopped at {iso(self.clock())}")
            return self.stored
        finally:
            lock.release()

    def step(self) -> float:
        """One poll: fetch the playlist and any new segments; return the seconds to wait."""
        now = self.clock()
        try:
            playlist = self._load_playlist()
        except LiveError as exc:
            self._set_error(str(exc))
            raise
        except (FetchError, PlaylistError) as exc:
            self._unreachable(str(exc))
            self._close_if_overdue(now, 1.0)
            self.failures += 1
            return min(MAX_BACKOFF, 2.0 ** min(self.failures, 5) / 2)
        self._reachable()
        self._note_playlist(playlist)
        for segment in self._new_segments(playlist):
            if self.stop_event.is_set():
                break
            self._record(segment, playlist, now)
        self._close_if_overdue(self.clock(), playlist.target_duration)
        return max(0.2, playlist.target_duration / 2)

    # -- playlist ---------------------------------------------------------------------
    def _load_playlist(self) -> MediaPlaylist:
        if not self.playlist_url:
            self.playlist_url = resolve_media_playlist(self.source.config["url"], self.settings)
        try:
            body, final_url = fetch(self.playlist_url, self.settings)
        except FetchError:
            self.playlist_url = ""  # re-resolve next time (a rotated variant URL, a token)
            raise
        text = body.decode("utf-8", "replace")
        for tag, what in (("#EXT-X-MAP", "fragmented-MP4 HLS (#EXT-X-MAP)"),
                          ("METHOD=AES", "encrypted HLS")):
            if tag in text:
                raise PlaylistError(f"{what} cannot be recorded yet")
        return parse_media_playlist(text, final_url)

    def _note_playlist(self, playlist: MediaPlaylist) -> None:
        if self.last_seq is not None and playlist.last_seq < self.last_seq - len(
                playlist.segments) - 2:
            self._trouble("media sequence restarted (encoder restart?)")
            self.last_seq = None
        if self.last_seq is None or playlist.last_seq > self.last_seq:
            self.last_change = time.monotonic()
            self.stalled = False
        elif not self.stalled and (time.monotonic() - self.last_change
                                   > STALL_TARGETS * playlist.target_duration):
            self.stalled = True
            self._trouble(f"playlist stalled: no new segment for over "
                          f"{STALL_TARGETS * playlist.target_duration:g} s")
        if playlist.ended:
            self._trouble("stream ended (#EXT-X-ENDLIST)")

    def _new_segments(self, playlist: MediaPlaylist) -> list[HlsSegment]:
        if self.last_seq is None:
            return list(playlist.segments)
        new = [s for s in playlist.segments if s.seq > self.last_seq]
        if new and new[0].seq > self.last_seq + 1:
            first, last = self.last_seq + 1, new[0].seq - 1
            span = f"{first}" if first == last else f"{first}–{last}"
            self._trouble(f"media sequence {span} left the live playlist before it was "
                          "fetched")
        return new

    def _air_time(self, segment: HlsSegment, playlist: MediaPlaylist,
                  polled_at: datetime) -> datetime:
        if segment.program_date_time is not None:
            return segment.program_date_time.astimezone(UTC)
        if segment.seq - 1 in self.seq_end and not segment.discontinuity:
            return self.seq_end[segment.seq - 1]
        after = sum(s.duration for s in playlist.segments if s.seq >= segment.seq)
        return polled_at - timedelta(seconds=after)

    # -- segments and chunks ----------------------------------------------------------
    def _record(self, segment: HlsSegment, playlist: MediaPlaylist, polled_at: datetime) -> None:
        self.last_seq = segment.seq
        start = self._air_time(segment, playlist, polled_at)
        end = start + timedelta(seconds=segment.duration)
        self.seq_end[segment.seq] = end
        self.seq_end.pop(segment.seq - 64, None)
        if segment.discontinuity:
            self._trouble("discontinuity (#EXT-X-DISCONTINUITY)")
        chunk = self._chunk_for(start, segment.duration)
        if chunk is None:
            return  # already recorded by an earlier (partial) chunk
        try:
            data, _ = fetch(segment.url, self.settings)
        except FetchError as exc:
            try:  # one more try unless the segment is gone
                if exc.status in (404, 410):
                    raise
                data, _ = fetch(segment.url, self.settings)
            except FetchError as again:
                self._trouble(f"segment {segment.seq}: {again}")
                return
        if not data:
            self._trouble(f"segment {segment.seq}: empty")
            return
        chunk.add_segment(segment.seq, segment.url, data, start, segment.duration,
                          "; ".join(dict.fromkeys(self.trouble)), segment.discontinuity)
        self.trouble = []

    def _chunk_for(self, start: datetime, duration: float) -> ChunkWork | None:
        if self.chunk is not None and start >= self.chunk.end:
            self._close(trailing_reason=self._trailing_reason("no segment received"))
        if self.chunk is None:
            window_start, window_end = window_of(start, self.chunk_seconds)
            covered = self._covered_until(window_start, window_end)
            chunk_start = max(window_start, covered)
            if start + timedelta(seconds=duration / 2) <= covered:
                return None
            self.chunk = ChunkWork.create(self.root, self.source.name, chunk_start, window_end,
                                          self.playlist_url)
            self.report(f"record: {self.source.name}: chunk {iso(chunk_start)} – "
                        f"{iso(window_end)} opened")
        return self.chunk

    def _covered_until(self, window_start: datetime, window_end: datetime) -> datetime:
        """The end of what stored chunks of this source already cover in this window."""
        ends = Broadcast.objects.filter(
            source=self.source, aired_at__gte=window_start, aired_at__lt=window_end,
            aired_end__isnull=False, external_id__startswith=f"{KIND}:",
        ).values_list("aired_end", flat=True)
        return max([window_start, *ends])

    def _trailing_reason(self, default: str) -> str:
        return "; ".join(dict.fromkeys(self.trouble)) or default

    def _close_if_overdue(self, now: datetime, target: float) -> None:
        if self.chunk is not None and now >= self.chunk.end + timedelta(
                seconds=STALL_TARGETS * target):
            self._close(trailing_reason=self._trailing_reason(
                "no segment received before the window closed"))

    def _close(self, *, partial_reason: str = "", trailing_reason: str = "") -> None:
        work, self.chunk = self.chunk, None
        if work is None:
            return
        try:
            broadcast_id = finalize_chunk(work, self.source, self.data_dir, self.actor,
                                          partial_reason=partial_reason,
                                          trailing_reason=trailing_reason)
        except ChunkError as exc:
            # Keep the work dir (segments are evidence); the next start retries it.
            self._set_error(f"chunk {iso(work.start)} could not be stored: {exc}")
            self.report(f"record: {self.source.name}: chunk {iso(work.start)} not stored: {exc}")
            return
        if broadcast_id is None:
            return
        self.stored.append(broadcast_id)
        b = Broadcast.objects.get(pk=broadcast_id)
        missing = sum((parse_iso(g["end"]) - parse_iso(g["start"])).total_seconds()
                      for g in b.gaps)
        self.report(f"record: {self.source.name}: stored chunk #{broadcast_id} "
                    f"{iso(b.aired_at)} – {iso(b.aired_end)}"
                    f"{' (partial)' if partial_reason else ''}: {len(work.segments)} "
                    f"segments, {len(b.gaps)} gaps ({missing:g} s missing)")
        if self.on_chunk:
            self.on_chunk(broadcast_id)

    def _recover(self) -> None:
        """Finish work dirs left by a killed recorder; resume the current window's one."""
        if not self.root.is_dir():
            return
        window_start, _ = window_of(self.clock(), self.chunk_seconds)
        for path in sorted(p for p in self.root.iterdir() if (p / "meta.json").is_file()):
            work = ChunkWork.load(path)
            if work.end > window_start and self.chunk is None:
                self.chunk = work  # still the current window: carry on recording into it
                if work.segments:
                    last = work.segments[-1]
                    self.last_seq = last["seq"]
                    self.seq_end[last["seq"]] = work.last_end
                self.report(f"record: {self.source.name}: resuming chunk {iso(work.start)}")
                continue
            self.chunk = work
            self._close(trailing_reason="recorder not running (it stopped before the "
                                        "window closed)")

    # -- source status ----------------------------------------------------------------
    def _trouble(self, reason: str) -> None:
        self.trouble.append(reason)
        log.info("live stream trouble", extra={"source": self.source.name, "error": reason})

    def _set_error(self, message: str) -> None:
        self.source.last_error = ERROR_PREFIX + message
        Source.objects.filter(pk=self.source.pk).update(last_error=self.source.last_error)

    def _unreachable(self, reason: str) -> None:
        message = f"stream unreachable: {reason} (retrying)"
        if not self.trouble or self.trouble[-1] != message:
            self._trouble(message)
        if self.source.last_error != ERROR_PREFIX + message:
            self.report(f"record: {self.source.name}: {message}")
            self._set_error(message)

    def _reachable(self) -> None:
        self.failures = 0
        if self.source.last_error.startswith(ERROR_PREFIX + "stream unreachable"):
            self.source.last_error = ""
            Source.objects.filter(pk=self.source.pk).update(last_error="")
