"""schemathesis against a live ``raqib serve``, with a token of each role (issue 24).

The committed contract (docs/openapi.json) drives the run: schemathesis's ``examples``,
``coverage`` (boundary values and requests the contract forbids: missing fields, wrong
types, unknown fields, out-of-range numbers) and ``fuzzing`` phases, a few examples per
operation and a time bound per role. Checks: every check schemathesis has (no 5xx, status
codes, content types, headers and bodies as documented, forbidden requests refused,
authentication not ignored, unsupported methods answered 405, ...) except
``positive_data_acceptance``: a request the contract allows may still be refused by the
rules (no such person, the two-person rule, an incident the role may not see), and that is
a 4xx the contract documents. Path ids are the seeded objects' (``live_seed.py``), so
requests reach the rules instead of stopping at 404; ``token_id`` is a spare user's token,
so no run revokes the token it runs with.

Marked slow: about a minute per role on an idle machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from live_server import ROOT, live_raqib

pytestmark = pytest.mark.slow
ROLES = ("viewer", "reviewer", "lead", "admin")
MAX_EXAMPLES = 3
SECONDS_PER_ROLE = 420


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    with live_raqib(tmp_path_factory.mktemp("schemathesis")) as server:
        yield server


def _config(path: Path, seed: dict) -> Path:
    lines = ["[parameters]"]
    for name in ("broadcast", "incident", "person", "alert", "watchlist", "token"):
        lines.append(f'"path.{name}_id" = {seed[name]}')
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_contract_for_each_role(live, role: str, tmp_path: Path) -> None:
    config = _config(tmp_path / "schemathesis.toml", live.seed)
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
        str(ROOT / "docs" / "openapi.json"), "--url", live.url,
        "-H", f"Authorization: Bearer {live.seed['tokens'][role]}",
        "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--seed", "24", "--no-shrink", "--request-timeout", "60", "--workers", "1",
        "--continue-on-failure", "--max-failures", "20", "--report", "ndjson",
        "--report-dir", str(tmp_path / "report"), "--output-truncate", "true"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                          timeout=SECONDS_PER_ROLE, env={**live.env, "NO_COLOR": "1"})
    assert done.returncode == 0, (done.stdout[-12000:] + done.stderr[-3000:]
                                  + live.log.read_text()[-3000:])
    assert "26 selected" in done.stdout or "selected" in done.stdout
