"""Pipeline commands: ``crawl``, ``process``, ``worker``, ``scheduler`` and ``run``
(parsers: ``raqib.commands.parsers.processing``).

``crawl`` and ``process`` run the stages in this process with progress lines (what a
monitor runs by hand), each broadcast and source under the same claim a worker takes
(``raqib.leases``), so a command beside running workers never does their work twice;
``worker`` runs huey consumers (what the scaled deployment runs;
an io worker also competes for the scheduler lease, ``raqib.scheduler``); ``scheduler``
runs only the scheduler (a dedicated service); ``run`` supervises the workers and the web
UI together (the embedded default), restarting any that dies. To add a pipeline command:
register its parser in the parser module and write its handler here.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings

from catalog.fencing import ClaimLost
from catalog.models import Broadcast, Source
from crawler.registry import is_scheduled
from raqib import pipeline
from raqib.commands.output import CommandError, Outcome, emit, report_failures
from raqib.config import Config
from raqib.consumer import make_consumer
from raqib.leases import SOURCE_PREFIX, Claim, StageClaim
from raqib.logs import progress
from raqib.reclaim import DeadClaimWatch
from raqib.scheduler import Scheduler
from raqib.sources_sync import sync_sources
from raqib.stages import StageOptions
from raqib.tasks import QUEUES, crawl_task


def _config() -> Config:
    return settings.CONFIG


CLAIMED = "left to a worker"  # the count of broadcasts a worker held


def process_broadcasts(ids: list[int], options: StageOptions | None = None,
                       outcome: Outcome | None = None) -> dict[str, int]:
    """Advance each broadcast through its remaining stages under its claim, as a worker
    would, printing a line per step; a broadcast a worker holds is left to it. Each
    broadcast that ends failed is added to ``outcome`` with its stage and reason."""
    config = _config()
    outcome = outcome if outcome is not None else Outcome()
    counts: dict[str, int] = {}
    for n, broadcast_id in enumerate(ids, 1):
        title = Broadcast.objects.filter(pk=broadcast_id).values_list("title", flat=True).first()

        def show(stage: str, n: int = n, title: str | None = title,
                 broadcast_id: int = broadcast_id) -> None:
            progress(f"{stage}: #{broadcast_id} {title or ''}".rstrip(), n, len(ids))

        # Claimed like a worker's stage (raqib.leases): a broadcast a worker is on is left
        # to it, and one whose claim this run loses (a long stall) is not written twice.
        # A claim left by a killed run on this machine is taken over at once.
        with StageClaim(broadcast_id, config.get("queue.lease_seconds"),
                        reclaim_dead=True) as held:
            if not held:
                progress(f"skipped: #{broadcast_id} is being worked on by a worker", n, len(ids))
                counts[CLAIMED] = counts.get(CLAIMED, 0) + 1
                continue
            try:
                status = pipeline.advance(broadcast_id, config, options, on_stage=show)
            except ClaimLost:
                progress(f"skipped: #{broadcast_id} was taken over by a worker", n, len(ids))
                counts[CLAIMED] = counts.get(CLAIMED, 0) + 1
                continue
        counts[status] = counts.get(status, 0) + 1
        outcome.done += 1
        if status == Broadcast.Status.FAILED:
            b = Broadcast.objects.get(pk=broadcast_id)
            progress(f"failed: #{broadcast_id} at {b.failed_stage}: {b.error}", n, len(ids))
            outcome.fail(broadcast_id, b.failed_stage or "process", b.error, b.url,
                         expected=expected_failure(b))
    return counts


def expected_failure(broadcast: Broadcast) -> str:
    """Why this broadcast's failure was meant to happen, or "" (a real failure): only the
    demo's fixture outlet has such items (``raqib.demo.fixture_site.deliberate_failure``)."""
    from raqib.demo.fixture_site import deliberate_failure  # the demo's own knowledge

    return deliberate_failure(broadcast.source.name if broadcast.source_id else "",
                              broadcast.url, broadcast.failed_stage)


def _page_failure(source: Source, error: str) -> tuple[str, str]:
    """(url, reason) of a page error ``"URL: reason"`` (or ("", error) for another)."""
    url, sep, reason = error.partition(": ")
    if sep and "://" in url:
        return url, reason
    return source_url(source), error


def source_url(source: Source) -> str:
    config = source.config or {}
    return (config.get("start_urls") or [config.get("url", "")])[0] or ""


def crawl_sources(names: list[str] | None, do_process: bool,
                  options: StageOptions | None = None) -> tuple[Outcome, dict]:
    """Crawl the named (or all enabled) sources, then (``do_process``) process what has
    work left; return the outcome (each failed source, page and broadcast with its stage
    and reason: the exit code) and the report printed with ``--format json``."""
    config = _config()
    sources = _select_sources(names)
    outcome = Outcome()
    crawled: list[dict] = []
    for n, source in enumerate(sources, 1):
        progress(f"crawl: {source.name}", n, len(sources))
        with Claim(f"{SOURCE_PREFIX}{source.id}", config.get("queue.lease_seconds"),
                   reclaim_dead=True) as held:
            if not held:
                progress(f"skipped: {source.name} is being crawled by a worker", n, len(sources))
                continue
            try:
                report = pipeline.crawl_source(source, config)
            except ClaimLost:
                progress(f"skipped: {source.name}: a worker took the crawl over", n, len(sources))
                continue
        outcome.done += 1
        crawled.append({"source": source.name, "found": report.found,
                        "new": len(report.new_ids), "page_errors": report.errors,
                        "failed": report.failed})
        if report.failed:
            progress(f"crawl failed: {source.name}: {report.failed}", n, len(sources))
            outcome.fail(source.name, "crawl", report.failed, source_url(source))
            continue
        progress(f"crawled {source.name}: {report.found} listed, {len(report.new_ids)} new"
                 + (f", {len(report.errors)} page errors" if report.errors else ""),
                 n, len(sources))
        for error in report.errors:
            progress(f"  page error: {error}")
            url, reason = _page_failure(source, error)
            outcome.fail(source.name, "crawl", reason, url)
    counts: dict[str, int] = {}
    if do_process:
        counts = process_broadcasts(pipeline.pending(config), options, outcome)
        progress("done: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                             or "nothing to process"))
    return outcome, {"sources": crawled, "processed": counts}


def crawl_command(args: argparse.Namespace) -> int:
    names = [args.source] if args.source else None
    if args.enqueue:
        return enqueue_crawls(names)
    outcome, report = crawl_sources(names, not args.no_process)
    return finish(args, "crawl", outcome, report)


def finish(args: argparse.Namespace, command: str, outcome: Outcome, report: dict) -> int:
    """Print the run's result (JSON: ``report`` plus ``failures``; text: each failure on
    stderr and a summary) and return its exit code."""
    report_failures(outcome, command)
    emit(args, {**report, "ok": not outcome.failures, "failures": outcome.failures,
                "expected_failures": outcome.expected})
    progress(f"{command}: " + (f"{len(outcome.failures)} failed (listed above); exit code 1"
                               if outcome.failures else "every item succeeded"))
    return outcome.exit_code


def _select_sources(names: list[str] | None) -> list[Source]:
    """The enabled configured sources, or the named ones; exits 2 on an unknown name.
    Live sources are recorded (``raqib record``), not crawled: they are left out unless
    named, and a named one is refused by ``crawl_source`` with that advice."""
    sources = [s for s in sync_sources(_config()) if s.enabled]
    live = [s.name for s in sources if not is_scheduled(s.kind)]
    if not names and live:
        progress(f"skipping live source(s) {', '.join(live)}: use `raqib record`")
        sources = [s for s in sources if is_scheduled(s.kind)]
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
    for source in _select_sources(names):
        crawl_task(source.id)
        progress(f"queued crawl of {source.name}")
    return 0


def process_command(args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise CommandError("--limit: give 0 (all) or a positive number")
    ids = pipeline.pending(_config(), retry_failed=args.retry_failed)
    if args.limit:
        ids = ids[: args.limit]
    outcome = Outcome()
    counts = process_broadcasts(ids, outcome=outcome)
    progress("done: " + (", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                         or "nothing to process"))
    return finish(args, "process", outcome, {"processed": counts})


def _consume(queue_name: str, workers: int, with_scheduler: bool) -> int:
    config = _config()
    if queue_name == "io":
        sync_sources(config)
    threads = workers or (config.get("queue.workers") if queue_name == "io" else 1)
    # huey's own periodic tasks would run once per io worker; our scheduler runs once.
    # Outages of Redis or the database are logged once each way (raqib.consumer).
    consumer = make_consumer(QUEUES[queue_name], threads)
    scheduler = Scheduler() if queue_name == "io" and with_scheduler else None
    # Work a killed worker of this machine held is queued again at once (raqib.reclaim).
    watch = DeadClaimWatch()
    watch.start()
    progress(f"worker: consuming the {queue_name} queue with {threads} thread(s)"
             + (" and competing for the scheduler lease" if scheduler else ""))
    if scheduler:
        scheduler.start()
    try:
        consumer.run()
    finally:
        watch.stop()
        if scheduler:
            scheduler.stop()
    return 0


def scheduler_command(args: argparse.Namespace) -> int:
    """Only the scheduler: take the lease when free and run the periodic jobs."""
    sync_sources(_config())
    scheduler = Scheduler()
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    progress(f"scheduler: competing for the scheduler lease as {scheduler.holder}")
    watch = DeadClaimWatch()
    watch.start()
    scheduler.start()
    stopped.wait()
    watch.stop()
    scheduler.stop()
    progress("scheduler: stopped")
    return 0


def worker_command(args: argparse.Namespace) -> int:
    queues = args.queues or _config().get("queue.queues")
    if queues != "all":
        return _consume(queues, args.workers, not args.no_scheduler)
    extra = ["--workers", str(args.workers)] if args.workers else []
    extra += ["--no-scheduler"] if args.no_scheduler else []
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
