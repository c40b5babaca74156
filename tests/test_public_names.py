"""Names don't collide (issue 13): no two public classes of policygen share a name, and no module is
named like its package (``provider/provider.py``)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "policygen"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def public_classes(path: Path) -> set[str]:
    """The public classes ``path`` defines at its top level (re-exports are imports, not definitions)."""
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")}


def test_no_two_public_classes_share_a_name() -> None:
    defined: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in public_classes(path):
            defined[name].append(module_name(path))
    shared = {name: modules for name, modules in defined.items() if len(modules) > 1}
    assert not shared, f"public classes defined in more than one module: {shared}"


def test_no_module_is_named_like_its_package() -> None:
    named_twice = [module_name(path) for path in sorted(PACKAGE.rglob("*.py")) if path.stem == path.parent.name]
    assert not named_twice, f"modules named like their package: {named_twice}"
