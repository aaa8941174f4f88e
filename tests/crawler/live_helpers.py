"""A simulated HLS live stream for the live-recorder tests: a loopback server whose media
playlist grows with the wall clock.

Segments are real MPEG-TS made once by ffmpeg (1 s each) and served in a cycle. Media
sequence number ``s`` airs from ``t0 + s * duration`` (``#EXT-X-PROGRAM-DATE-TIME``) and is
listed once it is complete; the playlist shows the last ``window`` segments. Faults:
``skip`` (sequence numbers the encoder lost: never listed, the playlist jumps past them),
``missing`` (listed, but the segment answers 404), ``stall_at``/``stall_for`` (from that
sequence number on, the stream is late by ``stall_for`` seconds: the playlist freezes and
air time jumps) and ``down`` (the playlist answers 503).
"""

from __future__ import annotations

import http.server
import math
import re
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def make_segments(out_dir: Path, seconds: int = 12) -> list[bytes]:
    """``seconds`` one-second H.264/AAC MPEG-TS segments, each starting on a keyframe."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=160x120:rate=10",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-g", "10", "-keyint_min", "10", "-sc_threshold", "0",
         "-c:a", "aac", "-b:a", "32k", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
         "-hls_segment_filename", str(out_dir / "seg%03d.ts"), str(out_dir / "index.m3u8")],
        check=True, timeout=120,
    )
    return [p.read_bytes() for p in sorted(out_dir.glob("seg*.ts"))]


class LiveStream:
    """The stream's timeline; ``playlist(now)`` is what the server answers at ``now``."""

    def __init__(self, segments: list[bytes], *, duration: float = 1.0, window: int = 4,
                 skip: set[int] = frozenset(), missing: set[int] = frozenset(),
                 stall_at: int | None = None, stall_for: float = 0.0,
                 t0: float | None = None) -> None:
        self.segments = segments
        self.duration = duration
        self.window = window
        self.skip = set(skip)
        self.missing = set(missing)
        self.stall_at = stall_at
        self.stall_for = stall_for
        # Whole seconds, so segments line up with chunk windows as a real encoder's would.
        self.t0 = float(math.floor(time.time() if t0 is None else t0))
        self.down = False

    def air_start(self, seq: int) -> float:
        late = self.stall_for if self.stall_at is not None and seq >= self.stall_at else 0.0
        return self.t0 + seq * self.duration + late

    def air_time(self, seq: int) -> datetime:
        return datetime.fromtimestamp(self.air_start(seq), UTC)

    def listed(self, now: float) -> list[int]:
        published = []
        seq = 0
        while self.air_start(seq) + self.duration <= now:
            if seq not in self.skip:
                published.append(seq)
            seq += 1
        if published:
            lost = [k for k in self.skip if k < published[-1]]
            if lost:  # media sequence numbers are implicit: the list restarts past a jump
                published = [s for s in published if s > max(lost)]
        return published[-self.window:]

    def playlist(self, now: float) -> str:
        seqs = self.listed(now)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{math.ceil(self.duration)}",
                 f"#EXT-X-MEDIA-SEQUENCE:{seqs[0] if seqs else 0}"]
        for seq in seqs:
            if seq - 1 in self.skip or (self.stall_at is not None and seq == self.stall_at):
                lines.append("#EXT-X-DISCONTINUITY")
            stamp = self.air_time(seq).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            lines += [f"#EXT-X-PROGRAM-DATE-TIME:{stamp}", f"#EXTINF:{self.duration:.3f},",
                      f"seg/{seq}.ts"]
        return "\n".join(lines) + "\n"

    def seconds_between(self, first: int, last: int) -> timedelta:
        return self.air_time(last) - self.air_time(first)


MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=80x60
low.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=160x120
live.m3u8
"""


class LiveServer:
    """Serves a LiveStream on 127.0.0.1: ``/master.m3u8`` (two variants), ``/live.m3u8``
    (the best one), ``/low.m3u8`` (a decoy that must not be recorded), ``/seg/N.ts``."""

    def __init__(self, stream: LiveStream) -> None:
        self.stream = stream
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                server.hits.append(self.path)
                body, status, ctype = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str) -> tuple[bytes, int, str]:
        stream = self.stream
        hls = "application/vnd.apple.mpegurl"
        if path == "/master.m3u8":
            return MASTER.encode(), 200, hls
        if path in ("/live.m3u8", "/low.m3u8"):
            if stream.down:
                return b"down", 503, "text/plain"
            return stream.playlist(time.time()).encode(), 200, hls
        match = re.fullmatch(r"/seg/(\d+)\.ts", path)
        if match and int(match.group(1)) not in stream.missing:
            seq = int(match.group(1))
            return stream.segments[seq % len(stream.segments)], 200, "video/mp2t"
        return b"not found", 404, "text/plain"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def live_source(base_url: str, name: str = "tv-live", chunk: str = "3s") -> dict:
    return {"name": name, "outlet": "Live TV", "kind": "live", "language": "ar",
            "robots": True, "enabled": True, "url": f"{base_url}/master.m3u8", "chunk": chunk}
