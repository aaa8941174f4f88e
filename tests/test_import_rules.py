"""The layers point down and no file imports itself back (rules in ``tests/import_graph.py``).

The first tests read the real tree. The others prove the checks can fail: they copy the
tree, add one wrong arrow (a stage importing the orchestrator, the catalog importing a
stage, a cycle between two stage modules) and expect it named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.import_graph import (
    LAYERS,
    cycles,
    forbidden_arrows,
    import_graph,
    modules,
    package_graph,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(REPO)


def test_every_top_level_package_has_a_layer() -> None:
    packages = {p.name for p in REPO.iterdir() if (p / "__init__.py").is_file()}
    assert packages - {"tests", "benchmarks"} == set(LAYERS)


def test_the_graph_is_read(graph: dict[str, set[str]]) -> None:
    # A reader that saw nothing would pass every rule below.
    assert len(modules(REPO)) > 100
    assert "catalog.models" in graph["raqib.pipeline"]
    assert "index.query" in graph["review.watchlists"]


def test_no_import_points_up_a_layer(graph: dict[str, set[str]]) -> None:
    assert forbidden_arrows(graph) == []


def test_no_file_level_import_cycle(graph: dict[str, set[str]]) -> None:
    assert cycles(graph) == []


def test_no_cycle_between_the_bottom_packages(graph: dict[str, set[str]]) -> None:
    assert cycles(package_graph(graph)) == []


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages, to break on purpose."""
    for package in LAYERS:
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_stage_importing_the_orchestrator_is_named(tree: Path) -> None:
    _append(tree / "crawler" / "base.py", "from raqib import pipeline")
    _append(tree / "transcribe" / "audio.py", "import raqib.tasks")
    bad = forbidden_arrows(import_graph(tree))
    assert "crawler.base -> raqib.pipeline (crawler may not import raqib)" in bad
    assert "transcribe.audio -> raqib.tasks (transcribe may not import raqib)" in bad


def test_the_catalog_importing_anything_above_it_is_named(tree: Path) -> None:
    before = set(forbidden_arrows(import_graph(tree)))
    _append(tree / "catalog" / "models.py", "    from review.watchlists import validate_query")
    bad = set(forbidden_arrows(import_graph(tree))) - before
    assert bad == {"catalog.models -> review.watchlists (catalog may not import review)"}


def test_the_ui_importing_the_cli_is_named(tree: Path) -> None:
    before = set(forbidden_arrows(import_graph(tree)))
    _append(tree / "review_ui" / "urls.py", "import raqib.commands.output")
    bad = set(forbidden_arrows(import_graph(tree))) - before
    assert bad == {"review_ui.urls -> raqib.commands.output (only the command line imports "
                   "the CLI)"}


def test_the_cli_importing_the_ui_is_named(tree: Path) -> None:
    before = set(forbidden_arrows(import_graph(tree)))
    _append(tree / "raqib" / "commands" / "users.py", "import review_ui.access")
    bad = set(forbidden_arrows(import_graph(tree))) - before
    assert bad == {"raqib.commands.users -> review_ui.access (the command line does not "
                   "import the web UI: both call accounts and review)"}


def test_identity_imports_nothing_above_the_catalog(tree: Path) -> None:
    before = set(forbidden_arrows(import_graph(tree)))
    _append(tree / "accounts" / "roles.py", "import review.incidents")
    bad = set(forbidden_arrows(import_graph(tree))) - before
    assert bad == {"accounts.roles -> review.incidents (accounts may not import review)"}


def test_a_cycle_is_named(tree: Path) -> None:
    # index.query is imported by index.tantivy_query; the way back closes a cycle.
    _append(tree / "index" / "query.py", "def later():\n    from index import tantivy_query")
    found = cycles(import_graph(tree))
    assert any({"index.query", "index.tantivy_query"} <= set(c) for c in found)


def test_a_package_cycle_between_stages_is_named(tree: Path) -> None:
    _append(tree / "index" / "highlight.py", "from transcribe import base")
    # transcribe already imports index (Arabic normalisation for evaluation).
    assert ["index", "transcribe"] in cycles(package_graph(import_graph(tree)))
