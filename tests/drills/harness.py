"""Fault-drill harness: a generated outlet on the fault-injecting server, restartable
PostgreSQL and Redis on loopback, worker processes to SIGKILL, and a catalog audit.

Everything is real: ``raqib worker`` processes (each in its own process group, so a kill
takes its Scrapy and ffmpeg children too, like a machine going away), redis-server,
PostgreSQL via pg_ctl, ``raqib.demo.server.StaticServer`` with its ``Fault`` injection.
The drills (``test_drills.py``) and the scale benchmark (``benchmarks/scale_out.py``)
share it. To add a fault: give ``build_outlet`` a new kind of ``Fault`` or give
``Cluster`` a new way to break a process.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from raqib.demo.fixture_site import build_fixture_site
from raqib.demo.server import Fault
from tests.services import _pg_bin, _wait_for_port, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outlet:
    root: Path
    slugs: list[str]
    missing: set[str]  # media answers 404 for good: failed at download, with the reason
    faults: dict[str, Fault]
    words: tuple[str, ...]  # words the speech contains (for a watchlist)

    def source(self, base_url: str, name: str = "drill") -> dict:
        return {"name": name, "outlet": "Drill TV", "kind": "site",
                "start_urls": [f"{base_url}/list-0.html"],
                "item_links": "a.item", "next_page": "a.next",  # bare elements (issue 13)
                "title": "h1", "aired_at": "time::attr(datetime)",
                "media": "video source::attr(src)", "interval": "1h", "language": "ar",
                "robots": False}


def _page(body: str) -> str:
    return (f'<!doctype html><html lang="ar"><head><meta charset="utf-8"></head>'
            f"<body>{body}</body></html>")


def build_outlet(root: Path, items: int, seed: int, per_page: int = 10) -> Outlet:
    """``items`` item pages with unique MP4s (the demo's speech, remuxed with an item
    tag so each has its own SHA-256), listing pages of ``per_page``, and seeded faults:
    503 and 429 with Retry-After on pages, dropped connections, truncated bodies and
    stalls on media (each once, then normal), one video gone for good."""
    rng = random.Random(seed)
    base = build_fixture_site(root.parent / f"{root.name}-speech")
    voices = [i for i in base.items if i.sha256]
    (root / "media").mkdir(parents=True, exist_ok=True)
    (root / "items").mkdir(exist_ok=True)
    slugs = [f"item-{k:03d}" for k in range(items)]
    for k, slug in enumerate(slugs):
        target = root / "media" / f"{slug}.mp4"
        if not target.exists():
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(voices[k % 3].media_path),
                            "-c", "copy", "-metadata", f"comment=drill {slug}", str(target)],
                           check=True)
        (root / "items" / f"{slug}.html").write_text(_page(
            f"<h1>حلقة {k}</h1><time datetime='2026-11-{1 + k % 28:02d}T20:00:00+03:00'>"
            f"</time><video><source src='/media/{slug}.mp4' type='video/mp4'></video>"),
            encoding="utf-8")
    pages = [slugs[i:i + per_page] for i in range(0, len(slugs), per_page)]
    for n, page in enumerate(pages):
        links = "".join(f'<a class="item" href="/items/{s}.html">{s}</a>' for s in page)
        nxt = f'<a class="next" href="/list-{n + 1}.html">التالي</a>' if n + 1 < len(pages) else ""
        (root / f"list-{n}.html").write_text(_page(links + nxt), encoding="utf-8")
    shuffled = slugs[:]
    rng.shuffle(shuffled)
    missing = {shuffled[0]}
    faults: dict[str, Fault] = {f"/media/{shuffled[0]}.mp4": Fault(status=404)}
    kinds = [Fault(status=503, times=1), Fault(status=429, retry_after=1, times=1),
             Fault(drop=True, times=1), Fault(truncate=True, times=1),
             Fault(stall=1.5, times=1)]
    for k, slug in enumerate(shuffled[1:1 + max(5, items // 4)]):
        fault = kinds[k % len(kinds)]
        on_page = fault.status in (503, 429)
        faults[f"/items/{slug}.html" if on_page else f"/media/{slug}.mp4"] = fault
    words = tuple(w for i in voices for w in i.search_words)
    return Outlet(root, slugs, missing, faults, words)


class Redis:
    """redis-server on a fixed loopback port, stoppable and restartable (not persistent:
    a restart loses the queue, the worst case for lost work)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server not installed (scripts/setup.sh installs it)"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def queued_tasks(self) -> int:
        """How many tasks the huey queues hold now (what a restart would lose)."""
        import redis

        client = redis.Redis.from_url(self.url)
        total = 0
        for key in client.scan_iter("huey*"):
            kind = client.type(key)
            if kind == b"zset":
                total += client.zcard(key)
            elif kind == b"list":
                total += client.llen(key)
        client.close()
        return total

    def restart(self) -> None:
        self.stop()
        self.start()


class Postgres:
    """A throwaway PostgreSQL cluster (as tests.services makes one) that can restart."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        assert self.initdb and self.pg_ctl, "PostgreSQL binaries not installed"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.root = Path(tempfile.mkdtemp(prefix="raqib-drill-pg-"))
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.data, self.port = self.root / "data", free_port()

    @property
    def url(self) -> str:
        return f"postgres://raqib@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*self.as_user, self.pg_ctl, "-D", str(self.data), "-o", options,
                        "-l", str(self.root / "log"), "-w", *args],
                       check=True, capture_output=True)

    def start(self) -> None:
        if not self.data.exists():
            subprocess.run([*self.as_user, self.initdb, "-D", str(self.data), "-A", "trust",
                            "-U", "raqib", "-E", "UTF8", "--locale=C.UTF-8"],
                           check=True, capture_output=True)
        self._ctl("start")
        _wait_for_port(self.port)

    def restart(self) -> None:
        self._ctl("-m", "fast", "restart")
        _wait_for_port(self.port)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def backends() -> Iterator[tuple[Postgres, Redis]]:
    pg, redis = Postgres(), Redis()
    pg.start()
    redis.start()
    try:
        yield pg, redis
    finally:
        stop_audits()
        redis.stop()
        pg.stop()


def write_config(path: Path, source: dict) -> None:
    lines = ["[[sources]]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}"
                               for k, v in source.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def raqib(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "raqib", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


@dataclass
class Worker:
    name: str
    argv: list[str]
    prefix: list[str] = field(default_factory=list)  # e.g. faketime -f +7m
    proc: subprocess.Popen | None = None
    starts: int = 0


class Cluster:
    """Named worker processes: start, SIGKILL (the whole process group), restart."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env, self.logdir = env, logdir
        self.workers: dict[str, Worker] = {}
        logdir.mkdir(parents=True, exist_ok=True)

    def add(self, name: str, *args: str, prefix: list[str] | None = None) -> Worker:
        worker = Worker(name, [sys.executable, "-m", "raqib", *args], prefix or [])
        self.workers[name] = worker
        self.start(name)
        return worker

    def start(self, name: str) -> None:
        worker = self.workers[name]
        worker.starts += 1
        log = open(self.logdir / f"{name}.{worker.starts}.log", "w")  # noqa: SIM115
        worker.proc = subprocess.Popen([*worker.prefix, *worker.argv], env=self.env, cwd=ROOT,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)

    def kill(self, name: str) -> None:
        proc = self.workers[name].proc
        if proc and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def restart(self, name: str) -> None:
        self.kill(name)
        self.start(name)

    def by_pid(self, pid: int) -> str | None:
        """The worker whose process (group) ``pid`` is: under a ``faketime`` prefix the
        Python process is a child of the one started, in its process group."""
        try:
            group = os.getpgid(pid)
        except ProcessLookupError:
            group = None
        for name, worker in self.workers.items():
            if worker.proc and worker.proc.pid in (pid, group):
                return name
        return None

    def stop(self) -> None:
        for worker in self.workers.values():
            if worker.proc and worker.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.proc.pid, signal.SIGINT)
        deadline = time.monotonic() + 20
        for name, worker in self.workers.items():
            if worker.proc is None:
                continue
            try:
                worker.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(name)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logdir.glob("*.log")))


AUDIT = ROOT / "tests" / "drills" / "audit.py"


# A running ``audit.py --serve`` per env, with the file its stderr goes to.
_AUDITORS: dict[tuple, tuple[subprocess.Popen, typing.IO[bytes]]] = {}


def audit(env: dict[str, str], timeout: float = 120) -> dict:
    """The catalog as the drill checks it (``audit.py``, run under the drill's env): one
    ``audit.py --serve`` process per env answers every poll, each audit in its own fresh
    snapshot (Django starts once, not once a poll). A failed audit (the database
    restarting) raises AssertionError, as a failed ``audit.py`` run did; one that takes
    over ``timeout`` seconds raises ``subprocess.TimeoutExpired``, as it did."""
    key = tuple(sorted(env.items()))
    proc, errors = _AUDITORS.get(key, (None, None))
    if proc is None or proc.poll() is not None:
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen([sys.executable, str(AUDIT), "--serve"], env=env, cwd=ROOT,
                                text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=errors)
        _AUDITORS[key] = proc, errors
    try:
        proc.stdin.write("audit\n")
        proc.stdin.flush()
    except OSError:
        pass  # it exited: its status and stderr say why, below
    if not select.select([proc.stdout], [], [], timeout)[0]:
        proc.kill()
        raise subprocess.TimeoutExpired(proc.args, timeout)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        errors.seek(0)
        raise AssertionError(f"audit.py exited {proc.returncode}: "
                             f"{errors.read().decode(errors='replace')[-3000:]}")
    state = json.loads(line)
    assert "error" not in state, state["error"]
    return state


@atexit.register
def stop_audits() -> None:
    """End every ``audit.py --serve`` this process started (before the databases they
    read stop: ``backends``; the drills' fixture after each drill)."""
    while _AUDITORS:
        _, (proc, errors) = _AUDITORS.popitem()
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        errors.close()


def _progress(state: dict) -> tuple:
    """What moves when the pipeline makes progress: each broadcast's status, failed
    stage, media, transcripts and segments, and which claims are live."""
    return (tuple((b["id"], b["status"], b["failed_stage"], b["media_id"], b["transcripts"],
                   b["segments"]) for b in state.get("broadcasts", [])),
            tuple(sorted(state.get("claims", {}))))


def wait_settled(env: dict[str, str], expected: int, timeout: float,
                 on_poll=None, cap: float | None = None) -> dict:  # noqa: ANN001
    """Poll the audit until ``expected`` broadcasts are all indexed or failed and no
    stage is claimed, the same on two polls in a row; ``on_poll`` injects faults
    between polls.

    A loaded machine makes the drill slow, not wrong, so time alone fails nothing:
    ``timeout`` is how long the catalog may go WITHOUT PROGRESS (no status, transcript,
    media or claim changing) before the drill fails as stalled (lost work: a defect);
    ``cap`` (default 4 x ``timeout``) bounds the whole wait while progress continues."""
    start = last_change = time.monotonic()
    cap = cap or 4 * timeout
    state: dict = {}
    seen: tuple | None = None
    settled_before = False
    while True:
        now = time.monotonic()
        if now - last_change > timeout or now - start > cap:
            why = ("stalled: no progress" if now - last_change > timeout
                   else "still progressing at the cap")
            busy = [(b["external_id"].rsplit("/", 1)[-1], b["status"], b["failed_stage"])
                    for b in state.get("broadcasts", [])
                    if b["status"] not in ("indexed", "failed")]
            raise AssertionError(
                f"not settled ({why}) after {now - start:.0f}s, last change "
                f"{now - last_change:.0f}s ago: {state.get('statuses')} "
                f"({len(state.get('broadcasts', []))}/{expected} broadcasts); unsettled "
                f"{busy}; claims {state.get('claims')}")
        try:
            state = audit(env)
        except AssertionError:  # the database restarting under us
            time.sleep(1)
            continue
        if on_poll:
            on_poll(time.monotonic() - start, state)
        progress = _progress(state)
        if progress != seen:
            seen, last_change = progress, time.monotonic()
            settled_before = False
        statuses = state["statuses"]
        settled = (len(state["broadcasts"]) == expected and not state["claims"]
                   and set(statuses) <= {"indexed", "failed"})
        if settled and settled_before:
            return state
        settled_before = settled
        time.sleep(1.5)
