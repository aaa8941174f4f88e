"""Parsers of ``raqib crawl``, ``process``, ``worker`` and ``run`` (handlers:
``raqib.commands.processing``).

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
    flags.set_handler(crawl, f"{HANDLERS}:crawl_command")

    proc = sub.add_parser("process", help="download, transcribe and index broadcasts that "
                                          "have work left (resumes where a run stopped)")
    proc.add_argument("--retry-failed", action="store_true",
                      help="also retry failed broadcasts under queue.max_retries")
    flags.add_limit(proc, 0, "at most N broadcasts")
    flags.set_handler(proc, f"{HANDLERS}:process_command")

    worker = sub.add_parser("worker", help="run task-queue workers (and the crawl scheduler)")
    worker.add_argument("--queues", choices=("all", "io", "transcribe"), default=None,
                        help="which queue to consume (default: queue.queues, 'all'); 'io' "
                             "also runs the periodic crawl scheduler")
    worker.add_argument("--workers", type=int, default=0,
                        help="worker threads (default: queue.workers for io, 1 for transcribe)")
    flags.set_handler(worker, f"{HANDLERS}:worker_command")

    run = sub.add_parser("run", help="the embedded default: scheduler, workers and web UI together")
    flags.add_web_address(run)
    flags.set_handler(run, f"{HANDLERS}:run_command")
