"""Media fixtures for the download tests, made with ffmpeg, and a throttled loopback server.

- ``make_mp4``: a tiny H.264/AAC MP4 (test pattern + tone);
- ``make_hls``: a VOD HLS rendition (``index.m3u8`` + MPEG-TS ``.ts`` segments) of it;
- ``write_vtt``: an Arabic WebVTT caption file;
- ``ThrottledServer``: serves one directory slowly (bytes per second, Range supported),
  counting bytes sent and the Range starts asked for, to kill a download mid-file.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import time
from functools import partial
from pathlib import Path

import pytest


def need_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed; it is needed to generate test media")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True, timeout=120)


def make_mp4(path: Path, seconds: float = 2, size: str = "160x120", freq: int = 440) -> Path:
    """A small MP4; ``freq`` changes the tone, so two calls can give different bytes."""
    need_ffmpeg()
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=10",
           "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}", "-shortest",
           "-c:v", "libx264", "-g", "10", "-c:a", "aac", str(path))
    return path


def make_hls(src: Path, out_dir: Path, segment_seconds: float = 1) -> list[Path]:
    """Cut ``src`` into a VOD HLS playlist ``out_dir/index.m3u8``; return the segments."""
    need_ffmpeg()
    out_dir.mkdir(parents=True, exist_ok=True)
    ffmpeg("-i", str(src), "-c", "copy", "-f", "hls", "-hls_time", str(segment_seconds),
           "-hls_playlist_type", "vod", "-hls_segment_filename", str(out_dir / "seg%03d.ts"),
           str(out_dir / "index.m3u8"))
    return sorted(out_dir.glob("seg*.ts"))


def write_vtt(path: Path, text: str = "أنا أعترف بما نسب إلي") -> Path:
    path.write_text(f"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\n{text}\n", encoding="utf-8")
    return path


class _ThrottledHandler(http.server.SimpleHTTPRequestHandler):
    server_state: ThrottledServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        state = self.server_state
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        size = path.stat().st_size
        start = 0
        header = self.headers.get("Range", "")
        if header.startswith("bytes="):
            first = header[6:].split("-", 1)[0]
            start = int(first) if first else 0
            state.range_starts.append(start)
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(size - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        chunk = max(1, int(state.bytes_per_second / 20))
        with path.open("rb") as fh:
            fh.seek(start)
            while data := fh.read(chunk):
                try:
                    self.wfile.write(data)
                except OSError:
                    return
                state.bytes_sent += len(data)
                time.sleep(0.05)


class ThrottledServer:
    """A loopback server over ``root`` sending at most ``bytes_per_second``."""

    def __init__(self, root: Path, bytes_per_second: int) -> None:
        self.root = root
        self.bytes_per_second = bytes_per_second
        self.bytes_sent = 0
        self.range_starts: list[int] = []

    def __enter__(self) -> ThrottledServer:
        handler = type("Handler", (_ThrottledHandler,), {"server_state": self})
        self._httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(handler, directory=os.fspath(self.root)))
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
