"""SIGKILL a real download at random points and re-run it: the capture resumes from its
.part file (a Range request past 0), completes once — one MediaFile with the served
file's sha256, one `captured` custody event — and leaves no orphan or partial file in
media/ and nothing in tmp/.

The download runs the pipeline's download stage (real yt-dlp) in a child process with its
own data dir and SQLite catalog, against a loopback server that sends the file slowly."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from media_helpers import ThrottledServer

pytestmark = pytest.mark.slow

SIZE = 1536 * 1024  # 1.5 MB at 512 KB/s: about 3 s per full download
RATE = 512 * 1024

CHILD = """
import os, sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from raqib import pipeline
from catalog.models import Broadcast, Outlet, Source
base = sys.argv[1]
outlet, _ = Outlet.objects.get_or_create(name="Slow TV")
source, _ = Source.objects.get_or_create(name="slow", defaults={"outlet": outlet,
                                                                 "kind": "site"})
b, _ = Broadcast.objects.get_or_create(source=source, external_id="big", defaults={
    "outlet": outlet, "url": base + "/item.html", "media_url": base + "/big.mp4"})
print("started", flush=True)
ok = pipeline.run_stage(b.id, "download", settings.CONFIG)
print("ok" if ok else "failed: " + Broadcast.objects.get(pk=b.id).error, flush=True)
"""


def child(base_url: str, home: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "RAQIB_SEARCH_BACKEND")}
    env.update({"RAQIB_DATA_DIR": str(home / "data"), "RAQIB_CONFIG": str(home / "raqib.toml"),
                "DJANGO_SETTINGS_MODULE": "raqib.settings", "RAQIB_CRAWL_DOWNLOAD_DELAY": "0",
                "RAQIB_CRAWL_TIMEOUT": "10"})
    return subprocess.Popen([sys.executable, "-c", CHILD, base_url], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def part_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "tmp").rglob("*") if ".part" in p.name]


def test_sigkilled_download_resumes_and_completes_once(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    body = os.urandom(SIZE)
    (www / "big.mp4").write_bytes(body)
    (www / "item.html").write_text("<h1>بث طويل</h1>", encoding="utf-8")
    (tmp_path / "raqib.toml").write_text("")
    data_dir = tmp_path / "data"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    killed_with_part = 0
    with ThrottledServer(www, RATE) as server:
        for _ in range(2):
            start = server.bytes_sent
            target = start + int(SIZE * rng.uniform(0.15, 0.6))
            proc = child(server.base_url, tmp_path)
            deadline = time.monotonic() + 60
            while server.bytes_sent < target and proc.poll() is None:
                assert time.monotonic() < deadline, f"no progress (seed {seed})"
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            killed_with_part += bool(part_files(data_dir))
            # Killed mid-download: nothing may appear in the store yet.
            assert not [p for p in (data_dir / "media").rglob("*") if p.is_file()]
        assert killed_with_part, f"no kill landed mid-download (seed {seed})"

        proc = child(server.base_url, tmp_path)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip().endswith("ok"), (out, err[-2000:], seed)
        assert any(start > 0 for start in server.range_starts), \
            f"the re-run did not resume the partial file (seed {seed})"

    sha = hashlib.sha256(body).hexdigest()
    db = sqlite3.connect(data_dir / "raqib.sqlite3")
    try:
        assert db.execute("select sha256, size from raqib_mediafile").fetchall() == [(sha, SIZE)]
        assert db.execute("select action, sha256 from raqib_custodyevent").fetchall() == [
            ("captured", sha)]
        assert db.execute("select status, media_id is not null from raqib_broadcast"
                          ).fetchall() == [("downloaded", 1)]
        assert db.execute("select count(*) from raqib_evidencefile").fetchone()[0] == 2
    finally:
        db.close()
    stored = [p for p in (data_dir / "media").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == [f"{sha}.mp4"]
    assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == sha
    assert list((data_dir / "tmp").iterdir()) == []
    captures = sorted(p.name for p in (data_dir / "captures").rglob("*") if p.is_file())
    assert len(captures) == 2  # the info.json and WARC of the one capture, no orphans
