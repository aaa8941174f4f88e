"""A worker killed in the middle of a long transcription: ``raqib process`` runs in a
subprocess on ~15 s of speech cut into 5 s chunks and is SIGKILLed once the first chunk is
saved. Nothing of the transcript is in the catalog or the index; the re-run reuses the
saved chunks (the log says so), transcribes only the rest, and leaves one transcript,
without duplicate segments, searchable."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from transcribe_helpers import DETECT_TEXT, ffmpeg, speak

pytestmark = pytest.mark.slow

SETUP = """
import hashlib, shutil, sys
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from catalog.models import Broadcast, MediaFile, Outlet, Source
media = Path(sys.argv[1])
rel = Path("media") / media.name
dest = Path(settings.DATA_DIR) / rel
dest.parent.mkdir(parents=True, exist_ok=True)
shutil.copy(media, dest)
outlet = Outlet.objects.create(name="Kill TV")
source = Source.objects.create(name="kill", outlet=outlet, kind="site")
mf = MediaFile.objects.create(sha256=hashlib.sha256(dest.read_bytes()).hexdigest(),
                              path=rel.as_posix(), size=dest.stat().st_size)
Broadcast.objects.create(source=source, outlet=outlet, external_id="long", url="https://e.org/l",
                         title="long", language="ar", media=mf, status="downloaded")
"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, bundled_model: Path) -> dict:
    base = tmp_path_factory.mktemp("kill")
    raw = speak(DETECT_TEXT, base / "speech.wav")
    media = base / "long.m4a"
    ffmpeg("-i", str(raw), "-af", "apad=pad_dur=2", "-c:a", "aac", str(media))  # ~15 s
    data = base / "data"
    (data / "models").mkdir(parents=True)
    # Share the session's assembled model instead of assembling it again.
    (data / "models" / bundled_model.name).symlink_to(bundled_model)
    (base / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(data), "RAQIB_CONFIG": str(base / "raqib.toml"),
           "RAQIB_TRANSCRIBE_MODEL": "bundled-base", "RAQIB_TRANSCRIBE_CHUNK_SECONDS": "5",
           "RAQIB_TRANSCRIBE_BEAM_SIZE": "1",
           "DJANGO_SETTINGS_MODULE": "raqib.settings", "RAQIB_LOG_FORMAT": "text"}
    subprocess.run([sys.executable, "-c", SETUP, str(media)], env=env, check=True, timeout=120)
    return {"env": env, "db": data / "raqib.sqlite3"}


def count(db: Path, table: str, where: str = "1") -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def indexed(env: dict) -> dict[int, int]:
    """{transcript id: segments} in the search index (Tantivy, beside the database)."""
    code = ("import json, django; django.setup(); from index.registry import get_backend; "
            "print(json.dumps(get_backend().indexed_transcripts()))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return {int(k): v for k, v in json.loads(out).items()}


def chunk_lines(stderr: str, word: str) -> list[str]:
    return re.findall(rf"chunk {word} \[broadcast=\d+ chunk=(\d+)/(\d+)", stderr)


def test_killed_transcription_resumes_from_saved_chunks(deployment: dict) -> None:
    env, db = deployment["env"], deployment["db"]
    proc = subprocess.Popen([sys.executable, "-m", "raqib", "process"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    try:
        while count(db, "raqib_transcriptionchunk") < 1:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no chunk was saved in time"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    saved = count(db, "raqib_transcriptionchunk")
    assert count(db, "raqib_transcript") == 0 and count(db, "raqib_segment") == 0
    assert indexed(env) == {}  # nothing searchable
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM raqib_broadcast").fetchone()[0] == "downloaded"

    rerun = subprocess.run([sys.executable, "-m", "raqib", "process"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    reused, done = chunk_lines(rerun.stderr, "reused"), chunk_lines(rerun.stderr, "transcribed")
    total = int((reused + done)[0][1])
    assert total >= 3 and len(reused) == saved >= 1
    assert sorted(int(n) for n, _ in reused + done) == list(range(1, total + 1))
    assert {int(n) for n, _ in reused} == set(range(1, saved + 1))

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM raqib_broadcast").fetchone()[0] == "indexed"
        rows = conn.execute("SELECT number, text FROM raqib_segment ORDER BY number").fetchall()
        params = json.loads(conn.execute("SELECT params FROM raqib_transcript").fetchone()[0])
    assert count(db, "raqib_transcript") == 1 and count(db, "raqib_transcriptionchunk") == 0
    assert [n for n, _ in rows] == list(range(len(rows))) and len(rows) >= 2
    assert params["chunks"] == total
    assert sum(indexed(env).values()) == len(rows)
    word = max(rows[0][1].split(), key=len).strip(".،,؟?")
    found = subprocess.run([sys.executable, "-m", "raqib", "search", word, "--format", "json"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    assert word in found.stdout
