"""Raqib's configuration: one TOML file plus environment variables.

Precedence, lowest first: built-in defaults < the TOML file (``RAQIB_CONFIG``, default
``./raqib.toml``) < environment variables < command-line flags (applied by the command
that owns the flag). Every setting is declared once in ``SETTINGS`` with its type, default,
environment variable and a one-line doc; ``docs/configuration.md`` must list each of them
(a test checks it).

Sources (``[[sources]]``) are validated by ``crawler.schema``; outbound webhooks
(``[[webhooks]]``) by ``raqib.webhooks_schema``.

To add a setting: add a ``Setting`` to ``SETTINGS``, document it in
``docs/configuration.md``, then read it with ``load_config().get("section.key")``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.schema import parse_interval, validate_sources
from index.registry import BACKENDS
from raqib.webhooks_schema import validate_webhooks
from transcribe.registry import ENGINES


class ConfigError(Exception):
    """A configuration file or environment that Raqib refuses to start with."""

    def __init__(self, problems: list[str], path: Path | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f" in {path}" if path else ""
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration{where}:\n{lines}")


# api.rate_limit: what Django REST framework's throttles read (N per second/minute/...)
RATE = re.compile(r"^[1-9]\d{0,8}/(s|sec|second|m|min|minute|h|hour|d|day)$")


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name"
    type: type
    default: Any
    env: str
    doc: str
    choices: Collection[str] = ()  # a tuple, or a stage's registry (its names)
    positive: bool = False  # a number that must be more than 0


# Former setting names still read (file key or variable -> the setting that replaced it).
RENAMED = {"crawl.timeout": "crawl.request_timeout"}
RENAMED_ENV = {"RAQIB_CRAWL_TIMEOUT": "crawl.request_timeout"}


SETTINGS: tuple[Setting, ...] = (
    Setting("raqib.data_dir", str, "./data", "RAQIB_DATA_DIR",
            "Directory for the SQLite database, media, transcripts and models."),
    Setting("raqib.secret_key", str, "", "RAQIB_SECRET_KEY",
            "Django secret key; generated and kept in the data dir when empty."),
    Setting("raqib.log_format", str, "text", "RAQIB_LOG_FORMAT",
            "Log output: 'text' for people, 'json' for log collectors.", ("text", "json")),
    Setting("raqib.log_level", str, "INFO", "RAQIB_LOG_LEVEL", "Log level.",
            ("DEBUG", "INFO", "WARNING", "ERROR")),
    Setting("database.url", str, "", "DATABASE_URL",
            "PostgreSQL URL for the scaled deployment; empty means SQLite in the data dir."),
    Setting("queue.redis_url", str, "", "REDIS_URL",
            "Redis URL for the task queue; empty means huey's SQLite storage in the data dir."),
    Setting("queue.workers", int, 2, "RAQIB_QUEUE_WORKERS", "Worker threads per worker process."),
    Setting("queue.queues", str, "all", "RAQIB_QUEUE_QUEUES",
            "Which stages this worker runs: 'all', 'io' (crawl, download, index) or "
            "'transcribe'.", ("all", "io", "transcribe")),
    Setting("queue.max_retries", int, 3, "RAQIB_QUEUE_MAX_RETRIES",
            "Attempts per stage before a broadcast is left failed."),
    Setting("queue.lease_seconds", float, 30.0, "RAQIB_QUEUE_LEASE_SECONDS",
            "A stage claim or the scheduler lease lapses this long after its holder's last "
            "renewal: a dead worker's task is queued again after about this plus two "
            "scheduler ticks, a dead scheduler is replaced after about this."),
    Setting("queue.tick_seconds", float, 60.0, "RAQIB_QUEUE_TICK_SECONDS",
            "Period of the scheduler tick (due crawls, retries, lost work), run once per "
            "period however many io workers run."),
    Setting("search.backend", str, "tantivy", "RAQIB_SEARCH_BACKEND",
            "Search backend: 'tantivy' (embedded, an index directory) or 'elasticsearch'; "
            "'sqlite' (the former FTS5 index) is read as 'tantivy'.", BACKENDS),
    Setting("search.index_dir", str, "", "RAQIB_SEARCH_INDEX_DIR",
            "Directory of the Tantivy index; empty means DATA_DIR/search. It must be on the "
            "machine that runs the index writer (workers) and the web UI."),
    Setting("search.index_workers", int, 0, "RAQIB_SEARCH_INDEX_WORKERS",
            "Analysis processes of a search index rebuild (raqib reindex, the first build) "
            "beside the writer; 0 means one per core, 1 analyses in the writer's process."),
    Setting("search.elasticsearch_url", str, "", "ELASTICSEARCH_URL",
            "Elasticsearch URL (with credentials) when search.backend is elasticsearch."),
    Setting("search.elasticsearch_index", str, "raqib-segments", "RAQIB_SEARCH_ELASTICSEARCH_INDEX",
            "Alias name of the Elasticsearch segment index."),
    Setting("transcribe.engine", str, "faster-whisper", "RAQIB_TRANSCRIBE_ENGINE",
            "Speech-recognition engine.", ENGINES),
    Setting("transcribe.model", str, "large-v3-turbo", "RAQIB_TRANSCRIBE_MODEL",
            "A Whisper model name (downloaded by faster-whisper when online), a local model "
            "directory, or 'bundled-base' for the offline base model of the [demo] extra "
            "(openai-whisper converts these, or takes a .pt checkpoint path)."),
    Setting("transcribe.device", str, "auto", "RAQIB_TRANSCRIBE_DEVICE",
            "'auto', 'cpu' or 'cuda'.", ("auto", "cpu", "cuda")),
    Setting("transcribe.compute_type", str, "auto", "RAQIB_TRANSCRIBE_COMPUTE_TYPE",
            "CTranslate2 compute type; 'auto' is int8 on CPU and float16 on GPU."),
    Setting("transcribe.beam_size", int, 5, "RAQIB_TRANSCRIBE_BEAM_SIZE", "Beam size."),
    Setting("transcribe.vad", bool, True, "RAQIB_TRANSCRIBE_VAD",
            "Skip silence and music with Silero VAD before decoding."),
    Setting("transcribe.language", str, "ar", "RAQIB_TRANSCRIBE_LANGUAGE",
            "Language of speech when nothing else says it (raqib transcribe without "
            "--language, a broadcast whose source declares none): the prior Whisper's "
            "detection is checked against; empty: let Whisper detect."),
    Setting("transcribe.threads", int, 0, "RAQIB_TRANSCRIBE_THREADS",
            "CPU threads for inference; 0 means all cores for faster-whisper and 1 for "
            "openai-whisper (torch's threads spin on a busy machine)."),
    Setting("api.rate_limit", str, "600/min", "RAQIB_API_RATE_LIMIT",
            "Requests one API token may make (N/sec, N/min, N/hour or N/day); past it the API "
            "answers 429 with Retry-After. Counted in Redis when queue.redis_url is set, else "
            "per web worker process."),
    Setting("web.host", str, "127.0.0.1", "RAQIB_WEB_HOST", "Address the web UI listens on."),
    Setting("web.port", int, 8000, "RAQIB_WEB_PORT", "Port the web UI listens on."),
    Setting("web.workers", int, 0, "RAQIB_WEB_WORKERS",
            "Web UI worker processes (raqib serve, raqib run), 1 to 64; 0 means the number "
            "of cores."),
    Setting("web.worker_timeout", int, 60, "RAQIB_WEB_WORKER_TIMEOUT",
            "Seconds a web worker may spend on one request before it is killed and "
            "replaced."),
    Setting("web.allowed_hosts", str, "localhost,127.0.0.1,[::1]", "RAQIB_WEB_ALLOWED_HOSTS",
            "Comma-separated host names the web UI answers to."),
    Setting("web.public_origin", str, "", "RAQIB_WEB_PUBLIC_ORIGIN",
            "The origin people open the web UI at (https://raqib.example.org, no path): "
            "passkeys are bound to its host name (the WebAuthn relying party) and accepted "
            "only from it. Empty: passkeys work only at http://localhost:PORT (tests, a "
            "single machine); set it before anyone enrols a passkey, since changing it "
            "later orphans every passkey."),
    Setting("web.debug", bool, False, "RAQIB_WEB_DEBUG",
            "Django debug mode (never in production)."),
    Setting("web.tls_proxy", bool, False, "RAQIB_WEB_TLS_PROXY",
            "Raqib runs behind a TLS reverse proxy that sets X-Forwarded-Proto: trust it, "
            "send secure __Host- cookies and HSTS (docs/operations.md)."),
    Setting("web.trusted_origins", str, "", "RAQIB_WEB_TRUSTED_ORIGINS",
            "Comma-separated https:// origins a POST may come from; empty means "
            "https://HOST for each of web.allowed_hosts when web.tls_proxy is on."),
    Setting("web.proxy_addresses", str, "", "RAQIB_WEB_PROXY_ADDRESSES",
            "Comma-separated addresses of the reverse proxy; a request from one of them is "
            "counted (login throttling, logs) under the last X-Forwarded-For address."),
    Setting("web.hsts_seconds", int, 31536000, "RAQIB_WEB_HSTS_SECONDS",
            "Strict-Transport-Security max-age sent when web.tls_proxy is on."),
    Setting("web.session_idle_minutes", int, 30, "RAQIB_WEB_SESSION_IDLE_MINUTES",
            "A session unused this long ends (idle timeout)."),
    Setting("web.session_absolute_hours", int, 12, "RAQIB_WEB_SESSION_ABSOLUTE_HOURS",
            "A session ends this long after its login, used or not (absolute timeout)."),
    Setting("web.reauth_minutes", int, 10, "RAQIB_WEB_REAUTH_MINUTES",
            "Admin actions and evidence exports ask for the password again when the last "
            "password entry is older than this."),
    Setting("web.login_failure_limit", int, 5, "RAQIB_WEB_LOGIN_FAILURE_LIMIT",
            "Failed logins per account, and per address, before that account or address "
            "is locked out."),
    Setting("web.lockout_minutes", int, 15, "RAQIB_WEB_LOCKOUT_MINUTES",
            "How long a lockout lasts; `raqib users unlock` ends one at once."),
    Setting("web.max_body_kb", int, 1024, "RAQIB_WEB_MAX_BODY_KB",
            "Largest request body the web UI accepts, in KiB (larger: 413, unread)."),
    Setting("web.source_allowed_hosts", str, "", "RAQIB_WEB_SOURCE_ALLOWED_HOSTS",
            "Comma-separated hosts (`host` or `host:port`) that sources added in the web UI "
            "may reach although they are not globally routable; checked by the form and "
            "at every connection of every fetch (crawler/egress.py)."),
    Setting("web.source_allowed_networks", str, "", "RAQIB_WEB_SOURCE_ALLOWED_NETWORKS",
            "Comma-separated networks (CIDR) that sources added in the web UI may reach "
            "although they are not globally routable; the form and every connection."),
    Setting("web.cookies_dir", str, "", "RAQIB_WEB_COOKIES_DIR",
            "The only directory cookie files of sources added in the web UI may come from; "
            "empty means DATA_DIR/cookies."),
    Setting("web.arabic_digits", bool, False, "RAQIB_WEB_ARABIC_DIGITS",
            "Write dates and numbers in the Arabic UI with Arabic-Indic digits (٠١٢…)."),
    Setting("crawl.user_agent", str, "Raqib/0.1 (human-rights media monitoring)",
            "RAQIB_CRAWL_USER_AGENT", "User-Agent sent by the crawler and downloader."),
    Setting("crawl.download_delay", float, 1.0, "RAQIB_CRAWL_DOWNLOAD_DELAY",
            "Seconds between two requests to the same host."),
    Setting("crawl.default_interval", str, "6h", "RAQIB_CRAWL_DEFAULT_INTERVAL",
            "How often a source is crawled when it sets no interval."),
    Setting("crawl.request_timeout", float, 30.0, "RAQIB_CRAWL_REQUEST_TIMEOUT",
            "Seconds one network request (a page, robots.txt, a yt-dlp listing or download "
            "socket, a WARC snapshot, a live playlist or segment) may wait for an answer; a "
            "request that times out is not retried within the same crawl. Formerly "
            "crawl.timeout ($RAQIB_CRAWL_TIMEOUT), still read.", positive=True),
    Setting("crawl.source_deadline", float, 900.0, "RAQIB_CRAWL_SOURCE_DEADLINE",
            "Seconds one crawl of one source may take (its listing and item pages); past "
            "it the crawl stops, keeps what it found, records the cut as a page error and "
            "the next source goes on.", positive=True),
    Setting("crawl.max_pages", int, 100, "RAQIB_CRAWL_MAX_PAGES",
            "Most listing pages followed in one crawl of one source."),
    Setting("crawl.max_interval", str, "7d", "RAQIB_CRAWL_MAX_INTERVAL",
            "Adaptive back-off cap: a source with nothing new waits twice as long after each "
            "empty crawl, up to this, and returns to its interval on news."),
    Setting("crawl.max_filesize_mb", int, 0, "RAQIB_CRAWL_MAX_FILESIZE_MB",
            "Largest media file a capture may download, in MB; 0 means no limit. A source "
            "can set its own max_filesize_mb."),
    Setting("crawl.max_duration", str, "", "RAQIB_CRAWL_MAX_DURATION",
            "Longest media a capture may download (e.g. '4h'); empty means no limit. A "
            "source can set its own max_duration."),
    Setting("crawl.download_retries", int, 3, "RAQIB_CRAWL_DOWNLOAD_RETRIES",
            "yt-dlp retries per download (and per fragment), with back-off."),
    Setting("crawl.warc", bool, True, "RAQIB_CRAWL_WARC",
            "Keep a WARC snapshot of each item page with its capture."),
    Setting("crawl.takedown_interval", str, "7d", "RAQIB_CRAWL_TAKEDOWN_INTERVAL",
            "How often captured items are re-checked for deletion or re-cutting."),
    Setting("transcribe.chunk_seconds", int, 600, "RAQIB_TRANSCRIBE_CHUNK_SECONDS",
            "Long media is transcribed in chunks of this many seconds; a killed worker "
            "resumes at the first unfinished chunk."),
    Setting("transcribe.hallucination_filter", bool, True, "RAQIB_TRANSCRIBE_HALLUCINATION_FILTER",
            "Drop subtitle credits, repetitions and text over silence; dropped segments are "
            "kept for review."),
    Setting("transcribe.batch_size", int, 8, "RAQIB_TRANSCRIBE_BATCH_SIZE",
            "Batch size of faster-whisper's batched inference (used on a GPU)."),
    Setting("transcribe.captions", bool, True, "RAQIB_TRANSCRIBE_CAPTIONS",
            "Import subtitles that yt-dlp finds in the source's language as a 'captions' "
            "transcript track."),
    Setting("transcribe.low_confidence", float, 0.5, "RAQIB_TRANSCRIBE_LOW_CONFIDENCE",
            "Word probability (0-1) below which the transcript view marks a word as unsure "
            "and the broadcast's needs-listening list counts it."),
    Setting("transcribe.hotwords", bool, False, "RAQIB_TRANSCRIBE_HOTWORDS",
            "Offer the persons registry's names and the active watchlists' words to the "
            "engine (faster-whisper hotwords, openai-whisper initial prompt); recorded in "
            "the transcript's parameters. Off by default: with the base model the engine "
            "also wrote offered names that were not said (docs/benchmarks.md)."),
    Setting("transcribe.hotwords_max_chars", int, 200, "RAQIB_TRANSCRIBE_HOTWORDS_MAX_CHARS",
            "Longest hot-word text offered to the engine, in characters (Whisper's prompt "
            "takes at most 223 tokens)."),
    Setting("transcribe.hotwords_max_words", int, 50, "RAQIB_TRANSCRIBE_HOTWORDS_MAX_WORDS",
            "Most words in the hot-word text offered to the engine."),
    Setting("search.page_size", int, 20, "RAQIB_SEARCH_PAGE_SIZE",
            "Hits per page in the UI and the CLI."),
    Setting("reairings.enabled", bool, True, "RAQIB_REAIRINGS_ENABLED",
            "Fingerprint each downloaded broadcast (Chromaprint) and match it against the "
            "archive for re-airings."),
    Setting("reairings.min_seconds", float, 10.0, "RAQIB_REAIRINGS_MIN_SECONDS",
            "Shortest stretch of one broadcast found inside another that makes a re-airing."),
    Setting("reairings.suggest_score", float, 0.5, "RAQIB_REAIRINGS_SUGGEST_SCORE",
            "Score (0-1) from which a match is kept as a suggested re-airing link."),
    Setting("reairings.link_score", float, 0.8, "RAQIB_REAIRINGS_LINK_SCORE",
            "Score (0-1) from which a match is linked without waiting for a reviewer."),
    Setting("reairings.jingle_broadcasts", int, 3, "RAQIB_REAIRINGS_JINGLE_BROADCASTS",
            "Audio that recurs in this many of a source's own broadcasts (a jingle, an "
            "ident) is ignored when matching."),
    Setting("ocr.enabled", bool, True, "RAQIB_OCR_ENABLED",
            "Read on-screen text (the lower third) with Tesseract into an 'ocr' track."),
    Setting("ocr.sampler", str, "interval", "RAQIB_OCR_SAMPLER",
            "How frames are picked: 'interval' (every ocr.interval seconds) or 'scene' "
            "(on a scene change).", ("interval", "scene")),
    Setting("ocr.interval", float, 2.0, "RAQIB_OCR_INTERVAL",
            "Seconds between sampled frames (the 'interval' sampler)."),
    Setting("ocr.scene_threshold", float, 0.3, "RAQIB_OCR_SCENE_THRESHOLD",
            "ffmpeg scene score (0-1) that counts as a scene change (the 'scene' sampler)."),
    Setting("ocr.region", float, 0.34, "RAQIB_OCR_REGION",
            "Share of the frame's height, from the bottom, that is cropped and read."),
    Setting("ocr.languages", str, "ara+eng", "RAQIB_OCR_LANGUAGES",
            "Tesseract languages (Debian tesseract-ocr-ara, tesseract-ocr-eng)."),
    Setting("evidence.tsa_urls", list, [], "RAQIB_EVIDENCE_TSA_URLS",
            "RFC 3161 timestamp authorities (http(s) URLs; comma-separated in the "
            "variable) that timestamp each evidence package's tag manifest; empty: no "
            "timestamp, and the package says so."),
    Setting("evidence.signing_key", str, "", "RAQIB_EVIDENCE_SIGNING_KEY",
            "The organisation's Ed25519 private key (PEM, mode 0600) that signs every "
            "evidence package; empty: <data dir>/keys/evidence-signing-key.pem "
            "(raqib evidence keygen writes it)."),
    Setting("audit.anchor_interval", str, "1h", "RAQIB_AUDIT_ANCHOR_INTERVAL",
            "How often the scheduler anchors the audit chain's head with an RFC 3161 "
            "timestamp from the evidence.tsa_urls TSAs ('30m', '1h', '1d'); 'off' never."),
    Setting("audit.tsa_ca", str, "", "RAQIB_AUDIT_TSA_CA",
            "PEM file of the TSA certificates (or their CA) that raqib audit verify trusts "
            "for anchor tokens; empty: the certificates kept with each anchor."),
)

SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}
SECTIONS = sorted({s.key.split(".")[0] for s in SETTINGS})

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(setting: Setting, value: Any, origin: str) -> tuple[Any, str | None]:
    """Return (value, problem) with value converted to the setting's type."""
    want = setting.type
    if want is list:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, list) or not all(
                isinstance(u, str) and u.startswith(("http://", "https://")) for u in value):
            return None, f"{origin}: expected a list of http(s) URLs, got {value!r}"
        return value, None
    if isinstance(value, str) and want is not str:
        text = value.strip().lower()
        try:
            if want is bool:
                if text in _TRUE:
                    return True, None
                if text in _FALSE:
                    return False, None
                raise ValueError
            value = want(value)
        except ValueError:
            return None, f"{origin}: expected {want.__name__}, got {value!r}"
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        return None, f"{origin}: expected {want.__name__}, got {type(value).__name__} {value!r}"
    if setting.key == "search.backend" and value == "sqlite":
        value = "tantivy"  # the embedded backend's former name (FTS5); the index moves over
    if setting.choices and value not in setting.choices:
        return None, f"{origin}: {value!r} is not one of {', '.join(setting.choices)}"
    if setting.key == "api.rate_limit" and not RATE.match(value):
        return None, f"{origin}: {value!r} is not N/sec, N/min, N/hour or N/day"
    if want is int and value < 0:
        return None, f"{origin}: must not be negative"
    if setting.positive and value <= 0:
        return None, f"{origin}: must be more than 0, got {value!r}"
    return value, None


@dataclass
class Config:
    """Validated settings and sources. Read with ``get("section.key")``."""

    values: dict[str, Any]
    sources: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None
    webhooks: list[dict[str, Any]] = field(default_factory=list)  # raqib.webhooks_schema
    origins: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values[key]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["raqib.data_dir"]).expanduser().resolve()

    def source(self, name: str) -> dict[str, Any]:
        for src in self.sources:
            if src["name"] == name:
                return src
        known = ", ".join(s["name"] for s in self.sources) or "none configured"
        raise ConfigError([f"sources: no source named {name!r} (known: {known})"], self.path)


def config_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("RAQIB_CONFIG", "raqib.toml")).expanduser()


def _read_toml(path: Path, explicit: bool) -> tuple[dict[str, Any], list[str]]:
    if not path.exists():
        if explicit:
            return {}, [f"RAQIB_CONFIG: file {str(path)!r} does not exist"]
        return {}, []
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh), []
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"(file): not valid TOML: {exc}"]
    except UnicodeDecodeError as exc:
        return {}, [f"(file): not UTF-8 text: {exc}"]
    except OSError as exc:
        return {}, [f"(file): cannot read: {exc.strerror}"]


def _file_values(doc: dict[str, Any], problems: list[str]) -> dict[str, tuple[Any, str]]:
    found: dict[str, tuple[Any, str]] = {}
    for section, body in doc.items():
        if section in ("sources", "webhooks"):
            continue
        if section not in SECTIONS:
            problems.append(f"{section}: unknown section (known: {', '.join(SECTIONS)}, sources, "
                            "webhooks)")
            continue
        if not isinstance(body, dict):
            problems.append(f"{section}: must be a table like [{section}]")
            continue
        for name, value in body.items():
            key = f"{section}.{name}"
            if key in RENAMED:  # a former name: read as the new one unless that is set too
                if RENAMED[key].split(".", 1)[1] in body:
                    continue
                found[RENAMED[key]] = (value, key)
                continue
            if key not in SETTINGS_BY_KEY:
                known = ", ".join(s.key.split(".")[1] for s in SETTINGS
                                  if s.key.startswith(f"{section}."))
                problems.append(f"{key}: unknown setting (known in [{section}]: {known})")
                continue
            found[key] = (value, key)
    return found


def _public_origin_problem(origin: str) -> str | None:
    """Why ``web.public_origin`` is unusable as a WebAuthn origin, or None."""
    from urllib.parse import urlsplit

    origin = origin.strip().rstrip("/")
    if not origin:
        return None
    parts = urlsplit(origin)
    secure = parts.scheme == "https" or (parts.scheme == "http"
                                         and parts.hostname == "localhost")
    if not secure or not parts.hostname or parts.path or parts.query or parts.fragment:
        return (f"web.public_origin: {origin!r} is not an origin such as "
                "https://raqib.example.org (https, a host name, no path)")
    return None


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Load, merge and validate configuration; raise ``ConfigError`` naming every problem."""
    env = os.environ if environ is None else environ
    explicit = path is not None or "RAQIB_CONFIG" in env
    path = path or config_path(env)
    doc, problems = _read_toml(path, explicit)
    raw = _file_values(doc, problems)
    for var, key in RENAMED_ENV.items():
        if var in env and SETTINGS_BY_KEY[key].env not in env:
            raw[key] = (env[var], f"{key} (from ${var})")
    for setting in SETTINGS:
        if setting.env in env:
            raw[setting.key] = (env[setting.env], f"{setting.key} (from ${setting.env})")
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        if setting.key in raw:
            value, origin = raw[setting.key]
            coerced, problem = _coerce(setting, value, origin)
            if problem:
                problems.append(problem)
                coerced = setting.default
            values[setting.key] = coerced
            origins[setting.key] = "env" if origin.endswith(")") else "file"
        else:
            values[setting.key] = setting.default
            origins[setting.key] = "default"
    sources, source_problems = validate_sources(doc.get("sources", []),
                                                values["crawl.default_interval"],
                                                base_dir=path.resolve().parent)
    problems.extend(source_problems)
    webhooks, webhook_problems = validate_webhooks(doc.get("webhooks", []),
                                                   path.resolve().parent)
    problems.extend(webhook_problems)
    if values["audit.anchor_interval"].strip().lower() != "off":
        try:
            parse_interval(values["audit.anchor_interval"])
        except ValueError as exc:
            problems.append(f"audit.anchor_interval: {exc} (or 'off')")
    problem = _public_origin_problem(values["web.public_origin"])
    if problem:
        problems.append(problem)
    if values["search.backend"] == "elasticsearch" and not values["search.elasticsearch_url"]:
        problems.append("search.elasticsearch_url: required when search.backend is elasticsearch")
    if problems:
        raise ConfigError(problems, path if path.exists() else None)
    return Config(values=values, sources=sources, path=path if path.exists() else None,
                  origins=origins, webhooks=webhooks)
