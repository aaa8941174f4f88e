#!/usr/bin/env bash
# Raqib's test command: ruff, then the whole test suite (real Scrapy, yt-dlp, Whisper,
# SQLite, PostgreSQL, Redis and Chromium, all on loopback), in parallel: pytest-xdist with
# RAQIB_TEST_WORKERS processes (default 2), one test file per process at a time; every
# test has its own data dir, ports, databases and servers (tests/test_test_isolation.py).
# RAQIB_TEST_WORKERS=0 runs it in this one process. Extra arguments go to pytest. It ends
# with the 25 slowest test phases (--durations=25), so a test that grows slow shows.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
workers="${RAQIB_TEST_WORKERS:-2}"
if [ "$workers" = "0" ]; then
  exec .venv/bin/python -m pytest --durations=25 "$@"
fi
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile --durations=25 "$@"
