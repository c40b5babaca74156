"""The house's floors (issue 22, item 2): each package imports only what its docstring allows, and says so."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "policygen"

#: What each package of src/policygen may import of policygen (besides itself); its __init__ says why.
ALLOWED: dict[str, set[str]] = {
    "spec": {"errors"},
    "files": {"errors"},
    "policy": {"errors", "spec"},
    "aws": {"errors", "spec"},
    "distribution": {"errors", "_names"},
    "emulator": {"errors", "spec", "policy", "files"},
    "provider.rules": {"errors", "spec", "aws"},
    "provider": {"errors", "_names", "spec", "aws", "policy", "provider.rules"},
    "review": {"errors", "_names", "spec", "policy", "provider.rules"},
    "constructs": {"errors", "_names", "spec", "aws", "policy", "review", "distribution", "provider.rules"},
    "cli": {"errors", "_names", "spec", "aws", "policy", "review", "emulator", "distribution", "files"},
    "testing": set(),
}
#: The package root holds only the public entry and what every floor shares.
ROOT_MODULES = {"__init__.py", "errors.py", "_names.py"}


def package_of(parts: tuple[str, ...]) -> str:
    """``("provider", "rules", "claims")`` -> ``provider.rules``; ``("aws", "client")`` -> ``aws``."""
    if parts[0] == "provider" and len(parts) > 1 and parts[1] == "rules":
        return "provider.rules"
    return parts[0]


def imports() -> list[tuple[str, str, str]]:
    """(module path, its package, the policygen package it imports), module-level and local imports alike."""
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("").parts
        if len(rel) == 1:
            continue
        package = package_of(rel)
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = tuple(name.split("."))
                if parts[0] == "policygen" and len(parts) > 1:
                    target = package_of(parts[1:])
                    if target != package:
                        found.append((str(path.relative_to(SRC)), package, target))
    return found


def test_no_package_imports_what_its_floor_does_not_allow() -> None:
    """Every import across packages is one the table allows: no arrow runs back up."""
    wrong = sorted({f"{m} ({p}) imports {t}" for m, p, t in imports() if t not in ALLOWED[p]})
    assert wrong == [], "\n".join(wrong)


def test_the_root_holds_only_the_public_entry() -> None:
    """src/policygen/ holds __init__, errors, _names and py.typed; everything else is in a package named for its job."""
    modules = {p.name for p in SRC.glob("*.py")}
    assert modules == ROOT_MODULES
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == {name.split(".")[0] for name in ALLOWED}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_says_what_it_may_import(package: str) -> None:
    """Each package's docstring says what it may import (the rule this test holds)."""
    module = importlib.import_module(f"policygen.{package}")
    assert "May import" in (module.__doc__ or ""), package
