"""Raqib's import graph, read from the source, and the layer rules it must keep.

Layers, bottom first (each may import only what is below it)::

    catalog                       models, migrations, hashing, evidence writer, audit
    accounts                      identity: roles, passwords, lockout, second factors
    crawler  transcribe  index    the stages (siblings; no package-level cycle between them)
    review                        review state services (tags, watchlists, alerts...)
    reairings                     fingerprints, re-airing links, on-screen text (OCR)
    raqib  review_ui              orchestrator, tasks, CLI, settings; the web UI

Besides the layers: only the command line imports the command line (``raqib.cli``,
``raqib.commands``), the command line never imports the web UI (``review_ui``: both call
``accounts`` and ``review``), and no two files import each other, directly or through
others.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a
type-only import is still a dependency a reader has to follow. ``tests/test_import_rules.py``
runs these checks on the tree; to add a package, give it a layer in ``LAYERS``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

# package -> the project packages it may import (besides itself)
LAYERS: dict[str, frozenset[str]] = {
    "catalog": frozenset(),
    "accounts": frozenset({"catalog"}),
    "crawler": frozenset({"catalog", "transcribe", "index"}),
    "transcribe": frozenset({"catalog", "crawler", "index"}),
    "index": frozenset({"catalog", "crawler", "transcribe"}),
    "review": frozenset({"catalog", "accounts", "crawler", "transcribe", "index"}),
    "reairings": frozenset({"catalog", "accounts", "crawler", "transcribe", "index", "review"}),
    "raqib": frozenset({"catalog", "accounts", "crawler", "transcribe", "index", "review",
                        "reairings", "review_ui", "api"}),
    "review_ui": frozenset({"catalog", "accounts", "crawler", "transcribe", "index", "review",
                            "reairings", "raqib"}),
    # The HTTP API: a surface beside the review UI; it reuses the UI's streaming and the
    # search/incident-list filters, never the other way round.
    "api": frozenset({"catalog", "accounts", "crawler", "transcribe", "index", "review",
                      "reairings", "review_ui"}),
}
CLI = ("raqib.cli", "raqib.commands", "raqib.__main__")
# Bottom packages whose package-level graph must be acyclic too (raqib and review_ui are the
# project and its web app, which name each other in settings and URLs).
ACYCLIC_PACKAGES = ("catalog", "accounts", "crawler", "transcribe", "index", "review", "reairings")

Graph = dict[str, set[str]]


def modules(root: Path, packages: tuple[str, ...] = tuple(LAYERS)) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``packages`` (migrations left out)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imported_names(node: ast.AST, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    return []


def import_graph(root: Path, packages: tuple[str, ...] = tuple(LAYERS)) -> Graph:
    """module -> the project modules it imports (``from a import b`` counts ``a.b`` when
    ``b`` is a module, else ``a``)."""
    mods = modules(root, packages)

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = defaultdict(set)
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for imported in _imported_names(node, package):
                target = resolve(imported)
                if target and target != name:
                    graph[name].add(target)
    return dict(graph)


def forbidden_arrows(graph: Graph) -> list[str]:
    """Every import that points up or sideways out of its layer, or into the CLI."""
    bad = []
    for source, targets in sorted(graph.items()):
        top = source.split(".")[0]
        for target in sorted(targets):
            other = target.split(".")[0]
            if other != top and other not in LAYERS.get(top, frozenset()):
                bad.append(f"{source} -> {target} ({top} may not import {other})")
            elif target.startswith(CLI) and not source.startswith(CLI):
                bad.append(f"{source} -> {target} (only the command line imports the CLI)")
            elif source.startswith(CLI) and other == "review_ui":
                bad.append(f"{source} -> {target} (the command line does not import the web "
                           "UI: both call accounts and review)")
    return bad


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def package_graph(graph: Graph, packages: tuple[str, ...] = ACYCLIC_PACKAGES) -> Graph:
    """The graph between top-level packages (only those named)."""
    result: Graph = defaultdict(set)
    for source, targets in graph.items():
        top = source.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if top != other and top in packages and other in packages:
                result[top].add(other)
    return dict(result)
