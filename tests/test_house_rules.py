"""Two rules of the house, read from the source of src/policygen (issue 22, item 3).

- Every error a policygen module raises is a class of the error tree in ``policygen.errors``. Python's
  own exceptions are raised only where Python's protocols ask for them (listed in ``PYTHON_PROTOCOL``).
  A class raised and caught in the same module, as a signal between its own functions, never leaves it.
- A name with a leading underscore is private to its module: no module imports one from another.
"""

from __future__ import annotations

import ast
import builtins
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from policygen.errors import PolicygenError

SRC = Path(__file__).resolve().parent.parent / "src" / "policygen"

#: Python's exceptions that policygen raises on purpose, and why each is not a class of the tree.
PYTHON_PROTOCOL = {
    "TypeError": "a caller's misuse of an API (a value of the wrong type), as Python itself answers it",
    "NotImplementedError": "an abstract method's body",
    "AttributeError": "a module's __getattr__ answering for a name it does not have",
    "ImportError": "an optional framework (cdktf or cdktn) that is not installed, where it is imported",
}


def modules() -> Iterator[tuple[str, ast.Module]]:
    """Every module of src/policygen: its dotted name and its syntax tree."""
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, ast.parse(path.read_text(), str(path))


def raised_names(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """The name of each class raised (``raise X(...)``, ``raise X``, ``raise mod.X(...)``), with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                yield target.id, node.lineno
            elif isinstance(target, ast.Attribute):
                yield target.attr, node.lineno


def caught_names(tree: ast.Module) -> set[str]:
    """The names of the classes that ``except`` clauses of the module catch."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            for item in node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]:
                if isinstance(item, ast.Name):
                    names.add(item.id)
    return names


def resolve(module: str, name: str) -> object:
    """The object ``name`` stands for in ``module`` (imported or defined there)."""
    return getattr(importlib.import_module(module), name, None)


def test_every_raised_error_is_of_the_tree() -> None:
    """Each ``raise`` in src/policygen raises a PolicygenError, or a Python exception its protocol asks for."""
    wrong = []
    for module, tree in modules():
        caught = caught_names(tree)
        for name, line in raised_names(tree):
            if name in PYTHON_PROTOCOL:
                continue
            error = getattr(builtins, name, None) or resolve(module, name)
            if not isinstance(error, type):
                continue  # a variable holding an exception caught earlier (`raise last_error`)
            if issubclass(error, PolicygenError):
                continue
            if name in caught and not hasattr(builtins, name):
                continue  # the module's own signal, caught where it is raised
            wrong.append(f"{module}:{line}: raise {name}")
    assert wrong == [], "errors outside the tree (policygen.errors):\n" + "\n".join(wrong)


def test_the_protocol_exceptions_are_the_only_builtins_raised() -> None:
    """The exemptions are all in use: each Python exception in PYTHON_PROTOCOL is raised somewhere."""
    raised = {name for _, tree in modules() for name, _ in raised_names(tree)}
    assert set(PYTHON_PROTOCOL) <= raised


def test_no_private_name_is_imported_from_another_module() -> None:
    """``from policygen.x import _name`` appears nowhere in src/policygen (private module names aside)."""
    imports = [
        f"{module}:{node.lineno}: from {node.module} import {alias.name}"
        for module, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("policygen")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert imports == [], "private names imported across modules:\n" + "\n".join(imports)


@pytest.mark.parametrize("name", ["InvalidArgumentError", "IamPolicyError"])
def test_argument_errors_stay_value_errors(name: str) -> None:
    """The tree's classes that replaced ValueError still are ValueErrors, so callers catching one still do."""
    error = resolve("policygen.errors", name)
    assert isinstance(error, type)
    assert issubclass(error, ValueError)
    assert issubclass(error, PolicygenError)
