"""Pipeline commands: ``crawl``, ``process``, ``worker`` and ``run``.

``crawl`` and ``process`` run the stages in this process with progress lines (what a
monitor runs by hand); ``worker`` runs huey consumers (what the scaled deployment runs);
``run`` supervises the workers and the web UI together (the embedded default), restarting
any that dies.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

from raqib.commands.output import CommandError
from raqib.logs import progress


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="crawl sources now, then process what they listed")
    crawl.add_argument("--source", metavar="NAME", help="only this source (default: all enabled)")
    crawl.add_argument("--no-process", action="store_true",
                       help="only discover broadcasts; do not download, transcribe or index")
    crawl.add_argument("--enqueue", action="store_true",
                       help="queue the crawls for the workers (`raqib run`/`raqib worker`) "
                            "instead of running them here")
    crawl.set_defaults(handler=crawl_command)

    proc = sub.add_parser("process", help="download, transcribe and index broadcasts that "
                                          "have work left (resumes where a run stopped)")
    proc.add_argument("--retry-failed", action="store_true",
                      help="also retry failed broadcasts under queue.max_retries")
    proc.add_argument("--limit", type=int, default=0, help="at most N broadcasts")
    proc.set_defaults(handler=process_command)

    worker = sub.add_parser("worker", help="run task-queue workers (and the crawl scheduler)")
    worker.add_argument("--queues", choices=("all", "io", "transcribe"), default=None,
                        help="which queue to consume (default: queue.queues, 'all'); 'io' "
                             "also runs the periodic crawl scheduler")
    worker.add_argument("--workers", type=int, default=0,
                        help="worker threads (default: queue.workers for io, 1 for transcribe)")
    worker.set_defaults(handler=worker_command)

    run = sub.add_parser("run", help="the embedded default: scheduler, workers and web UI together")
    run.add_argument("--host", help="web UI address (default: web.host)")
    run.add_argument("--port", type=int, help="web UI port (default: web.port)")
    run.set_defaults(handler=run_command)


def _config():  # noqa: ANN202
    from django.conf import settings

    return settings.CONFIG


def process_broadcasts(ids: list[int], options=None) -> dict[str, int]:  # noqa: ANN001
    """Advance each broadcast through its remaining stages, printing a line per step."""
    from catalog.models import Broadcast
    from raqib import pipeline

    config = _config()
    counts: dict[str, int] = {}
    for n, broadcast_id in enumerate(ids, 1):
        title = Broadcast.objects.filter(pk=broadcast_id).values_list("title", flat=True).first()

        def show(stage: str, n: int = n, title: str | None = title,
                 broadcast_id: int = broadcast_id) -> None:
            progress(f"{stage}: #{broadcast_id} {title or ''}".rstrip(), n, len(ids))

        status = pipeline.advance(broadcast_id, config, options, on_stage=show)
        counts[status] = counts.get(status, 0) + 1
        if status == Broadcast.Status.FAILED:
            b = Broadcast.objects.get(pk=broadcast_id)
            progress(f"failed: #{broadcast_id} at {b.failed_stage}: {b.error}", n, len(ids))
    return counts


def crawl_sources(names: list[str] | None, do_process: bool, options=None) -> int:  # noqa: ANN001
    """Crawl the named (or all enabled) sources; return 1 if any crawl failed outright."""
    from raqib import pipeline

    config = _config()
    sources = _select_sources(names)
    failed = False
    for n, source in enumerate(sources, 1):
        progress(f"crawl: {source.name}", n, len(sources))
        report = pipeline.crawl_source(source, config)
        if report.failed:
            failed = True
            progress(f"crawl failed: {source.name}: {report.failed}", n, len(sources))
            continue
        progress(f"crawled {source.name}: {report.found} listed, {len(report.new_ids)} new"
                 + (f", {len(report.errors)} page errors" if report.errors else ""),
                 n, len(sources))
        for error in report.errors:
            progress(f"  page error: {error}")
    if do_process:
        ids = pipeline.pending(config)
        counts = process_broadcasts(ids, options)
        progress("done: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                             or "nothing to process"))
    return 1 if failed else 0


def crawl_command(args: argparse.Namespace) -> int:
    names = [args.source] if args.source else None
    if args.enqueue:
        return enqueue_crawls(names)
    return crawl_sources(names, not args.no_process)


def _select_sources(names: list[str] | None) -> list:
    """The enabled configured sources, or the named ones; exits 2 on an unknown name.
    Live sources are recorded (``raqib record``), not crawled: they are left out unless
    named, and a named one is refused by ``crawl_source`` with that advice."""
    from raqib.sources_sync import sync_sources

    sources = [s for s in sync_sources(_config()) if s.enabled]
    live = [s.name for s in sources if s.kind == "live"]
    if not names and live:
        progress(f"skipping live source(s) {', '.join(live)}: use `raqib record`")
        sources = [s for s in sources if s.kind != "live"]
        if not sources:
            raise CommandError("only live sources are configured; they are recorded with "
                               "`raqib record --source NAME` (or by `raqib run`), not crawled")
    if names:
        sources = [s for s in sources if s.name in names]
        missing = set(names) - {s.name for s in sources}
        if missing:
            raise CommandError(f"no enabled source named {', '.join(sorted(missing))}; "
                               "see `raqib sources list`")
    if not sources:
        raise CommandError("no sources configured; add [[sources]] to raqib.toml "
                           "(see docs/configuration.md)")
    return sources


def enqueue_crawls(names: list[str] | None) -> int:
    from raqib.tasks import crawl_task

    for source in _select_sources(names):
        crawl_task(source.id)
        progress(f"queued crawl of {source.name}")
    return 0


def process_command(args: argparse.Namespace) -> int:
    from raqib import pipeline

    ids = pipeline.pending(_config(), retry_failed=args.retry_failed)
    if args.limit:
        ids = ids[: args.limit]
    counts = process_broadcasts(ids)
    progress("done: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                         or "nothing to process"))
    return 0


def _consume(queue_name: str, workers: int) -> int:
    from raqib.sources_sync import sync_sources
    from raqib.tasks import QUEUES

    config = _config()
    if queue_name == "io":
        sync_sources(config)
    threads = workers or (config.get("queue.workers") if queue_name == "io" else 1)
    consumer = QUEUES[queue_name].create_consumer(
        workers=threads, worker_type="thread", periodic=queue_name == "io",
        check_worker_health=True)
    progress(f"worker: consuming the {queue_name} queue with {threads} thread(s)")
    consumer.run()
    return 0


def worker_command(args: argparse.Namespace) -> int:
    queues = args.queues or _config().get("queue.queues")
    if queues != "all":
        return _consume(queues, args.workers)
    extra = ["--workers", str(args.workers)] if args.workers else []
    return supervise({q: _self_command("worker", "--queues", q, *extra)
                      for q in ("io", "transcribe")})


def run_command(args: argparse.Namespace) -> int:
    config = _config()
    host = args.host or config.get("web.host")
    port = args.port or config.get("web.port")
    return supervise({
        "io": _self_command("worker", "--queues", "io"),
        "transcribe": _self_command("worker", "--queues", "transcribe"),
        "web": _self_command("serve", "--host", host, "--port", str(port)),
    })


def _self_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "raqib", *args]


def supervise(commands: dict[str, list[str]], restart_delay: float = 2.0) -> int:
    """Run the commands as child processes until SIGINT/SIGTERM; restart any that dies."""
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for name, cmd in commands.items():
        children[name] = subprocess.Popen(cmd)
        progress(f"run: started {name} (pid {children[name].pid})")
    try:
        while not stopping:
            time.sleep(0.5)
            for name, child in list(children.items()):
                code = child.poll()
                if code is not None and not stopping:
                    progress(f"run: {name} exited with {code}; restarting in {restart_delay}s")
                    time.sleep(restart_delay)
                    children[name] = subprocess.Popen(commands[name])
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    progress("run: stopped")
    return 0
