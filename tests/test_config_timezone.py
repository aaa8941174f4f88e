"""``raqib config check`` and the sources' zones: an unknown zone is an error named by its
key (exit 2); a source without a zone passes with a warning naming it; the example
configuration gives its enabled source a zone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from raqib.config import load_config

ROOT = Path(__file__).resolve().parents[1]

SOURCES = """
[[sources]]
name = "ikhbariya"
outlet = "الإخبارية السورية"
kind = "feed"
url = "https://example.org/rss.xml"
timezone = "{zone}"

[[sources]]
name = "manar"
outlet = "المنار"
kind = "feed"
url = "https://example.org/manar.xml"
"""


def _check(tmp_path: Path, zone: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "raqib.toml"
    config.write_text(SOURCES.format(zone=zone), encoding="utf-8")
    env = {**os.environ, "RAQIB_CONFIG": str(config), "RAQIB_DATA_DIR": str(tmp_path / "d")}
    return subprocess.run([sys.executable, "-m", "raqib", "config", "check"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_an_unknown_zone_is_an_error_named_by_its_key(tmp_path: Path) -> None:
    done = _check(tmp_path, "Asia/Damscus")
    assert done.returncode == 2
    assert ("sources[0] (ikhbariya).timezone: 'Asia/Damscus' is not a known IANA time zone"
            in done.stderr)
    assert "Traceback" not in done.stderr


def test_a_source_without_a_zone_is_named_in_a_warning(tmp_path: Path) -> None:
    done = _check(tmp_path, "Asia/Damascus")
    assert done.returncode == 0, done.stderr
    assert "configuration OK" in done.stdout
    assert "warning: sources[1] (manar).timezone: not set" in done.stderr
    assert "ikhbariya" not in done.stderr


def test_the_example_configuration_names_each_source_zone() -> None:
    config = load_config(ROOT / "raqib.example.toml", environ={})
    assert all(s.get("timezone") for s in config.sources)
    text = (ROOT / "raqib.example.toml").read_text(encoding="utf-8")
    for zone in ("Asia/Damascus", "Asia/Beirut", "Asia/Tehran", "Europe/Moscow"):
        assert f'"{zone}"' in text
