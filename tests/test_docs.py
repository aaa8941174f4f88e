"""Documentation stays true: every command, setting and environment variable is
documented, and the README's two commands are the ones CI runs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from raqib.cli import build_parser
from raqib.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def command_paths(parser: argparse.ArgumentParser, prefix: str = "raqib") -> list[str]:
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = command_paths(sub, f"{prefix} {name}")
                paths += nested or [f"{prefix} {name}"]
    return paths


@pytest.mark.parametrize("command", command_paths(build_parser()))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8"), (
        f"{command} is not documented in docs/cli.md")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_every_setting_is_documented(setting) -> None:  # noqa: ANN001
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"`{setting.key}`" in text and f"`{setting.env}`" in text


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("./scripts/setup.sh", "./scripts/test.sh"):
        assert re.search(rf"^\s*{re.escape(command)}\s*$", readme, re.M), command
        assert re.search(rf"^\s*{re.escape(command)}\s*$", ci, re.M), command


def test_example_config_is_valid() -> None:
    from raqib.config import load_config

    config = load_config(ROOT / "raqib.example.toml", environ={})
    assert config.sources and config.sources[0]["kind"] == "site"


LINK = re.compile(r"\]\(\s*<?([^)>\s]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(page: Path) -> None:
    """A newcomer has only this checkout: every relative link of the README and docs/
    names a file or folder in the repository (not ``../shared/...``)."""
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # http(s)://, mailto:, an anchor in the same page
        path = (page.parent / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links outside the repository or to "\
                       f"nothing: {broken}"
