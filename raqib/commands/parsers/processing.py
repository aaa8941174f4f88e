"""Parsers of ``raqib crawl``, ``process``, ``worker``, ``scheduler``, ``run`` and
``status`` (handlers: ``raqib.commands.processing`` and ``raqib.commands.status``).

To add a pipeline command: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags

HANDLERS = "raqib.commands.processing"


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="crawl sources now, then process what they listed")
    flags.add_source(crawl, "only this source (default: all enabled)")
    crawl.add_argument("--no-process", action="store_true",
                       help="only discover broadcasts; do not download, transcribe or index")
    flags.add_enqueue(crawl, "queue the crawls for the workers (`raqib run`/`raqib worker`) "
                             "instead of running them here")
    flags.add_format(crawl)
    flags.set_handler(crawl, f"{HANDLERS}:crawl_command")

    proc = sub.add_parser("process", help="download, transcribe and index broadcasts that "
                                          "have work left (resumes where a run stopped)")
    proc.add_argument("--retry-failed", action="store_true",
                      help="also retry failed broadcasts under queue.max_retries")
    flags.add_limit(proc, 0, "at most N broadcasts")
    flags.add_format(proc)
    flags.set_handler(proc, f"{HANDLERS}:process_command")

    worker = sub.add_parser("worker", help="run task-queue workers (and the crawl scheduler)")
    worker.add_argument("--queues", choices=("all", "io", "transcribe"), default=None,
                        help="which queue to consume (default: queue.queues, 'all'); an "
                             "'io' worker also competes for the scheduler lease: however "
                             "many run, one runs the periodic jobs")
    worker.add_argument("--workers", type=int, default=0,
                        help="worker threads (default: queue.workers for io, 1 for transcribe)")
    worker.add_argument("--no-scheduler", action="store_true",
                        help="never run the scheduler here (a `raqib scheduler` service does)")
    flags.set_handler(worker, f"{HANDLERS}:worker_command")

    sched = sub.add_parser("scheduler", help="run only the scheduler (due crawls, retries, "
                                             "lost work); one of several takes the lease")
    flags.set_handler(sched, f"{HANDLERS}:scheduler_command")

    status = sub.add_parser("status", help="queue depth and age per stage, running work, "
                                           "the scheduler's holder")
    flags.add_format(status)
    flags.set_handler(status, "raqib.commands.status:status_command")

    run = sub.add_parser("run", help="the embedded default: scheduler, workers and web UI together")
    flags.add_web_address(run)
    flags.set_handler(run, f"{HANDLERS}:run_command")
