"""Structured logging and progress lines.

``setup_logging()`` is called once by the command line. Log records carry ``extra=``
fields (``broadcast``, ``stage``, ``source``...) which the JSON formatter emits as keys and
the text formatter appends as ``key=value``. ``progress()`` prints one line per step of
long work so a monitor can follow ``raqib demo`` or ``raqib process``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%H:%M:%S", time.localtime(record.created))
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{ts} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if extras:
            line += f" [{extras}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("scrapy", "twisted", "faster_whisper", "huey", "filelock", "urllib3",
                  "elastic_transport", "waitress"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def progress(step: str, done: int | None = None, total: int | None = None, **fields: Any) -> None:
    """Print one progress line to stderr, e.g. ``[demo 2/4] download: 3 files``."""
    counter = f" {done}/{total}" if done is not None and total else ""
    extra = " ".join(f"{k}={v}" for k, v in fields.items())
    print(f"[raqib{counter}] {step}" + (f" ({extra})" if extra else ""), file=sys.stderr,
          flush=True)
