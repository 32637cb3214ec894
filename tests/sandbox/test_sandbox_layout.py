"""The sandbox stands apart: it imports nothing of the product and repeats none of its names."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "sandbox"
NOT_PRODUCT = {"sandbox", "tests", "bench"}


def _product_modules() -> set[str]:
    """Top-level modules and packages of the product, whatever they are called today."""
    modules = {path.stem for path in ROOT.glob("*.py")}
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    return (modules | packages) - NOT_PRODUCT


def _imported(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports, TYPE_CHECKING and local ones too."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _classes(folder: Path) -> dict[str, Path]:
    found = {}
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found |= {node.name: path for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    return found


def test_product_list_is_not_empty() -> None:
    assert {"environ", "vocab", "db", "sources", "run_jobs"} <= _product_modules()


def test_sandbox_never_imports_the_product() -> None:
    product = _product_modules()
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported(path) & product)
        for path in SANDBOX.rglob("*.py")
        if _imported(path) & product
    }
    assert offenders == {}


def test_no_sandbox_file_or_class_repeats_a_client_name() -> None:
    client_files = {path.name for path in (ROOT / "sources").glob("*.py")} - {"__init__.py"}
    sandbox_files = {path.name for path in SANDBOX.rglob("*.py")}
    assert sandbox_files & client_files == set()
    assert set(_classes(SANDBOX)) & set(_classes(ROOT / "sources")) == set()
