"""The floor plan: no import circle, and each layer imports only what it may."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", "tests", "docs", "config", "data", "deploy", ".git", "__pycache__"}
JOB_PACKAGES = {"course_inventory", "canvas_lti", "online_meetings", "mivideo"}
GROUND_FLOOR = {"vocab", "redaction", "logs", "settings"}


def _module_files() -> dict[str, Path]:
    """Every module of the project by dotted name; packages by their ``__init__``."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if set(parts[:-1]) & SKIPPED_DIRS or "migrations" in parts:
            continue
        names = list(parts[:-1]) + ([] if path.name == "__init__.py" else [path.stem])
        found[".".join(names)] = path
    return found


MODULES = _module_files()
PRODUCT = {name for name in MODULES if name.split(".")[0] != "sandbox"}


def _imports(path: Path, *, module_level: bool) -> Iterator[str]:
    """Dotted names imported by the file; with ``module_level``, not those inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _module_level_nodes(tree.body) if module_level else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            submodules = [f"{node.module}.{a.name}" for a in node.names]
            # ``from pkg import submodule`` needs the submodule; the package comes along anyway.
            if not all(sub in MODULES for sub in submodules):
                yield node.module
            yield from submodules


def _module_level_nodes(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run on import: the top level and inside if/try (TYPE_CHECKING included)."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            blocks = [node.body, node.orelse]
            if isinstance(node, ast.Try):
                blocks += [node.finalbody, *(handler.body for handler in node.handlers)]
            for block in blocks:
                yield from _module_level_nodes(block)


def _project_edges(name: str, *, module_level: bool = True) -> set[str]:
    targets = set()
    for imported in _imports(MODULES[name], module_level=module_level):
        if imported in MODULES and imported != name:
            targets.add(imported)
    return targets


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_module_map_is_found() -> None:
    assert {"run_jobs", "vocab", "db.load", "sources.retry", "canvas_lti.job"} <= set(MODULES)


def test_no_import_circle_at_module_level() -> None:
    graph = {name: _project_edges(name) for name in MODULES}
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def _imported_top_levels(name: str) -> set[str]:
    """Project packages a module imports anywhere, function bodies included."""
    return {target.split(".")[0] for target in _project_edges(name, module_level=False)}


@pytest.mark.parametrize("layer", ["sources", "db", "outputs"])
def test_shared_layers_never_import_a_job(layer: str) -> None:
    offenders = {
        name: _imported_top_levels(name) & JOB_PACKAGES
        for name in MODULES
        if name.split(".")[0] == layer
    }
    assert {name: jobs for name, jobs in offenders.items() if jobs} == {}


def test_the_sandbox_never_imports_the_product() -> None:
    offenders = {
        name: _imported_top_levels(name) - {"sandbox"}
        for name in MODULES
        if name.split(".")[0] == "sandbox"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_transforms_import_neither_sources_nor_db() -> None:
    transforms = [name for name in MODULES if name.endswith(".transform")]
    assert len(transforms) >= len(JOB_PACKAGES)
    offenders = {name: _imported_top_levels(name) & {"sources", "db"} for name in transforms}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_ground_floor_imports_only_itself_and_vocab_nothing() -> None:
    assert _imported_top_levels("vocab") == set()
    for name in GROUND_FLOOR:
        assert _imported_top_levels(name) <= GROUND_FLOOR, name
