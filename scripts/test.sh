#!/usr/bin/env bash
# Raqib's test command: ruff, then the whole test suite (real Scrapy, yt-dlp, Whisper,
# SQLite, PostgreSQL, Redis and Chromium, all on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
