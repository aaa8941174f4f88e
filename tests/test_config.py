"""Configuration: precedence (defaults < file < environment), and an invalid file named
problem by problem, by key, with every command refusing to start on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.schema import parse_interval
from raqib.config import SETTINGS, ConfigError, load_config

GOOD = """
[raqib]
data_dir = "/srv/raqib"

[web]
port = 9000

[transcribe]
model = "bundled-base"

[[sources]]
name = "ikhbariya"
outlet = "الإخبارية السورية"
kind = "site"
interval = "30m"
start_urls = ["https://example.org/videos"]
item_links = "a.item::attr(href)"
media = "video source::attr(src)"
"""

BAD = """
[web]
port = "eighty"
colour = "blue"

[nonsense]
x = 1

[[sources]]
name = "no spaces allowed"
kind = "site"
interval = "often"
start_urls = ["ftp://example.org"]
item_links = "a"

[[sources]]
name = "tv"
outlet = "Sama"
kind = "carrier-pigeon"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "raqib.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_and_sources_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={})
    assert config.get("web.port") == 9000
    assert config.get("raqib.data_dir") == "/srv/raqib"
    assert config.get("web.host") == "127.0.0.1"  # default kept
    source = config.source("ikhbariya")
    assert source["outlet"] == "الإخبارية السورية"
    assert source["interval_seconds"] == 1800
    assert source["language"] == "ar" and source["robots"] is True
    assert config.origins["web.port"] == "file" and config.origins["web.host"] == "default"


def test_environment_overrides_file(tmp_path: Path) -> None:
    env = {"RAQIB_WEB_PORT": "9100", "DATABASE_URL": "postgres://u:p@db/raqib",
           "RAQIB_SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": "http://es:9200",
           "RAQIB_TRANSCRIBE_VAD": "false"}
    config = load_config(write(tmp_path, GOOD), environ=env)
    assert config.get("web.port") == 9100
    assert config.get("database.url") == "postgres://u:p@db/raqib"
    assert config.get("transcribe.vad") is False
    assert config.origins["web.port"] == "env"


def test_every_problem_is_named_by_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, BAD), environ={})
    text = "\n".join(info.value.problems)
    for expected in (
        "web.port: expected int, got 'eighty'",
        "web.colour: unknown setting",
        "nonsense: unknown section",
        "sources[0] (no spaces allowed).name:",
        "sources[0] (no spaces allowed).outlet: required",
        "sources[0] (no spaces allowed).interval: 'often' is not an interval",
        "sources[0] (no spaces allowed).start_urls: a non-empty list of http(s) URLs",
        "sources[1] (tv).kind: 'carrier-pigeon' is not one of",
    ):
        assert expected in text, f"missing problem {expected!r} in:\n{text}"


def test_invalid_environment_value_is_named_by_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, GOOD), environ={"RAQIB_SEARCH_BACKEND": "solr"})
    assert "search.backend (from $RAQIB_SEARCH_BACKEND): 'solr' is not one of" in str(info.value)


def test_crawl_timeouts_are_validated_and_the_former_name_still_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[crawl]\ntimeout = 12\n"), environ={})
    assert config.get("crawl.request_timeout") == 12.0  # crawl.timeout, the former name
    assert config.get("crawl.source_deadline") == 900.0
    both = "[crawl]\ntimeout = 12\nrequest_timeout = 7\n"
    assert load_config(write(tmp_path, both), environ={}).get("crawl.request_timeout") == 7.0
    config = load_config(write(tmp_path, ""), environ={"RAQIB_CRAWL_TIMEOUT": "9"})
    assert config.get("crawl.request_timeout") == 9.0
    config = load_config(write(tmp_path, ""), environ={"RAQIB_CRAWL_TIMEOUT": "9",
                                                       "RAQIB_CRAWL_REQUEST_TIMEOUT": "4"})
    assert config.get("crawl.request_timeout") == 4.0
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "[crawl]\nrequest_timeout = 0\n"),
                    environ={"RAQIB_CRAWL_SOURCE_DEADLINE": "-1"})
    assert info.value.problems == [
        "crawl.request_timeout: must be more than 0, got 0.0",
        "crawl.source_deadline (from $RAQIB_CRAWL_SOURCE_DEADLINE): must be more than 0, "
        "got -1.0"]


def test_toml_syntax_error_and_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[web\nport = 1"), environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={"RAQIB_CONFIG": str(tmp_path / "absent.toml")})


def test_elasticsearch_backend_needs_a_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="search.elasticsearch_url: required"):
        load_config(write(tmp_path, ""), environ={"RAQIB_SEARCH_BACKEND": "elasticsearch"})


def test_a_postgresql_catalog_keeps_the_embedded_tantivy_search(tmp_path: Path) -> None:
    """PostgreSQL without Elasticsearch is a supported one-machine deployment (issue 15);
    an old config naming the FTS5 backend 'sqlite' reads as 'tantivy'."""
    config = load_config(write(tmp_path, ""), environ={"DATABASE_URL": "postgres://db/raqib"})
    assert config.get("search.backend") == "tantivy"
    old = load_config(write(tmp_path, '[search]\nbackend = "sqlite"\n'),
                      environ={"DATABASE_URL": "postgres://db/raqib"})
    assert old.get("search.backend") == "tantivy"


def test_duplicate_source_names_are_refused(tmp_path: Path) -> None:
    block = GOOD[GOOD.index("[[sources]]"):]
    with pytest.raises(ConfigError, match="duplicate source name 'ikhbariya'"):
        load_config(write(tmp_path, GOOD + block), environ={})


@pytest.mark.parametrize("text,seconds", [("45s", 45), ("30m", 1800), ("6h", 21600),
                                          ("1d", 86400)])
def test_intervals(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["0h", "6", "h", "six hours", "-1h"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)


def test_env_names_are_unique() -> None:
    envs = [s.env for s in SETTINGS]
    assert len(envs) == len(set(envs))


@pytest.mark.parametrize("argv", [["config", "check"], ["broadcasts", "list"],
                                  ["search", "أماني"], ["crawl"]])
def test_commands_refuse_to_start_on_invalid_config(tmp_path: Path, argv: list[str]) -> None:
    env = {**os.environ, "RAQIB_CONFIG": str(write(tmp_path, BAD)),
           "RAQIB_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-m", "raqib", *argv], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "invalid configuration" in proc.stderr
    assert "web.port: expected int" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "data" / "raqib.sqlite3").exists()


KINDS = """
[[sources]]
name = "feed"
outlet = "Sama"
kind = "feed"
url = "https://example.org/feed.xml"
timezone = "Asia/Damascus"

[[sources]]
name = "sitemap"
outlet = "Sama"
kind = "sitemap"
url = "https://example.org/sitemap-index.xml.gz"
url_pattern = '/video/\\d+'
max_filesize_mb = 500
max_duration = "4h"

[[sources]]
name = "channel"
outlet = "Sama"
kind = "ytdlp"
url = "https://www.youtube.com/@example/videos"
cookies = "secrets/cookies.txt"
proxy = "socks5://127.0.0.1:1080"
max_items = 50

[[sources]]
name = "live"
outlet = "Sama"
kind = "live"
url = "https://example.org/live/index.m3u8"
chunk = "30m"
"""


def test_every_source_kind_loads_with_its_keys(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "cookies.txt").write_text("# Netscape HTTP Cookie File\n")
    config = load_config(write(tmp_path, KINDS), environ={})
    assert [s["kind"] for s in config.sources] == ["feed", "sitemap", "ytdlp", "live"]
    assert config.source("feed")["timezone"] == "Asia/Damascus"
    assert config.source("sitemap")["url_pattern"] == r"/video/\d+"
    channel = config.source("channel")
    # A relative cookies path is read from beside raqib.toml, wherever raqib runs.
    assert channel["cookies"] == str((tmp_path / "secrets" / "cookies.txt").resolve())
    assert (channel["proxy"], channel["max_items"]) == ("socks5://127.0.0.1:1080", 50)
    assert config.source("live")["chunk"] == "30m"


BAD_KINDS = """
[[sources]]
name = "feed"
outlet = "Sama"
kind = "feed"
url = "file:///etc/passwd"
timezone = "Mars/Olympus"
max_filesize_mb = 0
max_duration = "long"
selector = "h1"

[[sources]]
name = "sitemap"
outlet = "Sama"
kind = "sitemap"
url = "https://example.org/sitemap.xml"
url_pattern = "(unclosed"

[[sources]]
name = "channel"
outlet = "Sama"
kind = "ytdlp"
url = "https://www.youtube.com/@example"
cookies = "missing-cookies.txt"
proxy = "not a proxy"
max_items = -3

[[sources]]
name = "live"
outlet = "Sama"
kind = "live"
chunk = "half an hour"

[[sources]]
name = "count"
outlet = "Sama"
kind = "ytdlp"
url = "https://example.org/list"
max_items = true
"""


def test_source_values_are_checked_key_by_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, BAD_KINDS), environ={})
    text = "\n".join(info.value.problems)
    for expected in (
        "sources[0] (feed).url: an http(s) URL, got 'file:///etc/passwd'",
        "sources[0] (feed).timezone: 'Mars/Olympus' is not a known IANA time zone",
        "sources[0] (feed).max_filesize_mb: a whole number above 0, got 0",
        "sources[0] (feed).max_duration: 'long' is not an interval",
        "sources[0] (feed).selector: unknown key for kind 'feed'",
        "sources[1] (sitemap).url_pattern: not a valid regular expression",
        "sources[2] (channel).cookies: cookies file",
        "missing-cookies.txt' does not exist",
        "sources[2] (channel).proxy: a proxy URL like",
        "sources[2] (channel).max_items: a whole number above 0, got -3",
        "sources[3] (live).url: required for kind 'live'",
        "sources[3] (live).chunk: 'half an hour' is not an interval",
        "sources[4] (count).max_items: a whole number above 0, got True",
    ):
        assert expected in text, f"missing problem {expected!r} in:\n{text}"
    assert len(info.value.problems) == 12, text  # one per bad value, nothing else
