"""A real ``raqib serve`` in a subprocess for the live API tests (schemathesis, the worked
example of docs/api.md): its own data dir and configuration, a free port, seeded by
``live_seed.py``.

    with live_raqib(tmp_path) as live:
        live.url, live.seed["tokens"]["lead"]
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Live:
    url: str
    seed: dict[str, Any]
    env: dict[str, str]
    log: Path


def server_env(root: Path, **extra: str) -> dict[str, str]:
    (root / "raqib.toml").write_text("")
    env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
           "RAQIB_CONFIG": str(root / "raqib.toml"), "PYTHONUNBUFFERED": "1",
           "RAQIB_API_RATE_LIMIT": "100000/min", **extra}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND", "RAQIB_WEB_WORKERS",
                "DJANGO_SETTINGS_MODULE", "REDIS_URL"):
        env.pop(var, None)
    return env


@contextlib.contextmanager
def live_raqib(root: Path, workers: int = 1, **env_extra: str) -> Iterator[Live]:
    env = server_env(root, **env_extra)
    seeded = subprocess.run([sys.executable, str(ROOT / "tests" / "api" / "live_seed.py")],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    log = root / "serve.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "raqib", "serve", "--workers",
                                 str(workers), "--port", "0", "--host", "127.0.0.1"],
                                env=env, cwd=ROOT, text=True, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        match = None
        while match is None and time.monotonic() < deadline and proc.poll() is None:
            match = re.search(r"(http://127\.0\.0\.1:\d+)/", log.read_text())
            time.sleep(0.1)
        assert match, log.read_text()[-3000:]
        yield Live(match.group(1), seed, env, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
