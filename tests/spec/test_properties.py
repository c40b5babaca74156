"""Property-based tests: no input makes the validator raise, and every rejection is located."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from policygen.errors import Problem
from policygen.spec import check_paths, document_findings
from policygen.spec.load import _yaml

from .helpers import MANY, NOW, SINGLE

SETTINGS = settings(max_examples=150, deadline=None)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def dump_yaml(value: Any) -> str:
    """A value as YAML text."""
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(value, out)
    return out.getvalue()


def problems_of(text: str, suffix: str = ".yaml") -> list[Problem]:
    """Check one file holding ``text``; the checker must not raise."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"spec{suffix}"
        path.write_text(text, encoding="utf-8")
        specs, problems = check_paths([path], now=NOW)
        for spec in specs:
            spec.request(now=NOW)  # a valid spec always resolves into a request
        assert_located(problems, text)
        return problems


def assert_located(problems: list[Problem], text: str) -> None:
    """Every problem has a JSON pointer and a line and column inside the file."""
    lines = max(1, text.count("\n") + 1)
    for problem in problems:
        assert problem.pointer == "" or problem.pointer.startswith("/"), problem
        assert 1 <= problem.line <= lines, problem
        assert problem.column >= 1, problem
        assert problem.message.strip(), problem


@SETTINGS
@given(values)
def test_any_json_document_is_judged_without_raising(value: Any) -> None:
    """Arbitrary JSON documents give located problems, never an exception."""
    problems_of(json.dumps(value, indent=1), ".json")


@SETTINGS
@given(values)
def test_any_yaml_document_is_judged_without_raising(value: Any) -> None:
    """Arbitrary YAML documents give located problems, never an exception."""
    problems_of(dump_yaml(value))


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_is_judged_without_raising(text: str) -> None:
    """Arbitrary text (broken YAML included) gives located problems, never an exception."""
    problems_of(text)


@SETTINGS
@given(values)
def test_any_provider_document_is_judged_without_raising(value: Any) -> None:
    """document_findings (the provider's path) takes any value and returns (pointer, message) pairs."""
    for pointer, message in document_findings(value, now=NOW):
        assert pointer == "" or pointer.startswith("/")
        assert message


def paths_of(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a document."""
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(paths_of(value, (*at, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(paths_of(value, (*at, index)))
    return found


@st.composite
def mutated(draw: st.DrawFn, text: str) -> Any:
    """A valid spec with one value replaced, one key removed, renamed or added."""
    doc = json.loads(json.dumps(_yaml().load(text)))
    path = draw(st.sampled_from(paths_of(doc)[1:]))
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    action = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
    if action == "replace":
        parent[key] = draw(values)
    elif action == "delete":
        del parent[key]
    elif action == "rename" and isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(key)
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=12))] = draw(values)
    else:
        parent.insert(key, draw(values))
    return doc


@SETTINGS
@given(mutated(SINGLE))
def test_mutated_single_specs_are_judged_and_located(doc: Any) -> None:
    """One change to a valid spec gives either a valid spec or located problems."""
    problems_of(dump_yaml(doc))


@SETTINGS
@given(mutated(MANY))
def test_mutated_files_of_many_generations_are_judged_and_located(doc: Any) -> None:
    """One change to a valid file of many generations gives specs or located problems."""
    problems_of(dump_yaml(doc))
