"""docs/assumptions.md lists every assumption test, and nothing else, each with a source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

from .targets import ASSUMPTION_MODULES

HERE = Path(__file__).resolve().parent
DOC = ROOT / "docs" / "assumptions.md"


def assumption_tests() -> set[str]:
    """The tests of the assumption modules that take ``target``: one per assumption."""
    names = set()
    for module in ASSUMPTION_MODULES:
        tree = ast.parse((HERE / module).read_text())
        names |= {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef)
            and node.name.startswith("test_")
            and "target" in [arg.arg for arg in node.args.args]
        }
    return names


def documented_rows() -> dict[str, list[str]]:
    """The doc's table rows naming a test: the test's name and the row's cells."""
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        named = [re.fullmatch(r"`(test_\w+)`", cell) for cell in cells]
        for match in filter(None, named):
            rows[match.group(1)] = cells
    return rows


def test_every_assumption_test_is_documented_and_every_documented_one_exists() -> None:
    """The doc's tables name exactly the assumption tests."""
    assert set(documented_rows()) == assumption_tests()


def test_every_documented_assumption_has_a_source_and_a_user() -> None:
    """Each row says what the assumption is believed from and what in policygen relies on it."""
    for name, cells in documented_rows().items():
        assert len(cells) == 4, name
        assert all(cells), name
