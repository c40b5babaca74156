"""Property-based tests: no input makes the validator raise, and every rejection is located.

Inputs include YAML aliases (recursive, repeated, chained into bombs) and nesting of any depth,
so that the limits of :mod:`policygen.spec.limits` are shown to hold, not just sampled.
"""

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
from policygen.spec.limits import MAX_DEPTH, MAX_NODES
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


# ---- aliases and nesting (issue 12) ---------------------------------------------------------------

ALIAS_SCALARS = st.sampled_from(["1", "x", "''", ".inf", ".nan", "1e999", "-0", "true", "null", "us-east-1"])


@st.composite
def aliased_yaml(draw: st.DrawFn) -> str:
    """A flow-style YAML mapping with anchors on random nodes and aliases to them, recursive ones included.

    An alias may name an anchor that is still open (a recursive alias), one defined twice, or
    none at all; anchors may hold anchors, so expansions multiply as in a "billion laughs" file.
    """
    closed: list[str] = []
    opened: list[str] = []
    names = iter(f"a{i}" for i in range(1000))

    def node(depth: int) -> str:
        kinds = ["scalar", "alias", "list", "map"] if depth < 5 else ["scalar", "alias"]
        kind = draw(st.sampled_from(kinds))
        if kind == "alias":
            pool = closed + (opened if draw(st.integers(0, 9)) == 0 else [])
            return "*" + (draw(st.sampled_from(pool)) if pool else "nowhere")
        anchor = next(names) if draw(st.booleans()) else None
        prefix = f"&{anchor} " if anchor else ""
        if kind == "scalar":
            body = draw(ALIAS_SCALARS)
        else:
            if anchor:
                opened.append(anchor)
            items = [node(depth + 1) for _ in range(draw(st.integers(0, 9)))]
            if anchor:
                opened.remove(anchor)
            body = (
                f"[{', '.join(items)}]"
                if kind == "list"
                else "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"
            )
        if anchor:
            closed.append(anchor)
        return prefix + body

    entries = [f"k{i}: {node(1)}" for i in range(draw(st.integers(1, 6)))]
    return "{" + ", ".join(entries) + "}\n"


@SETTINGS
@given(aliased_yaml())
def test_any_use_of_aliases_is_judged_without_raising(text: str) -> None:
    """Anchors and aliases, however they nest or repeat, give located problems, never an exception."""
    problems_of(text)


@SETTINGS
@given(st.integers(1, 12), st.integers(1, 12), st.sampled_from(["[{}]", "{{k: {}}}"]))
def test_chains_of_aliases_are_refused_past_the_limit(levels: int, fanout: int, shape: str) -> None:
    """Anchors that each repeat the one before ``fanout`` times: refused exactly when the expansion passes 10,000."""
    lines = ["a0: &a0 x"]
    for level in range(1, levels + 1):
        items = ", ".join([f"*a{level - 1}"] * fanout)
        body = (
            shape.format(items)
            if shape.startswith("[")
            else "{" + ", ".join(f"k{i}: *a{level - 1}" for i in range(fanout)) + "}"
        )
        lines.append(f"a{level}: &a{level} {body}")
    text = "\n".join(lines) + "\n"
    problems = problems_of(text)
    keys = 2 if shape.startswith("{") else 1  # a mapping's item is a key and a value
    size, total = 1, 1 + 2  # the document's mapping, then a0 and its key
    for _ in range(levels):
        size = 1 + fanout * (size + keys - 1)
        total += size + 1
    refused = [p for p in problems if "once its aliases are expanded" in p.message]
    assert bool(refused) == (total > MAX_NODES), (total, [str(p) for p in problems])


@SETTINGS
@given(st.integers(1, 300), st.sampled_from(["flow-list", "flow-map", "block-map", "block-list", "json"]))
def test_any_depth_of_nesting_is_judged_without_raising(depth: int, style: str) -> None:
    """Nesting of any depth and style inside a spec: judged, refused with the limit past 64 levels."""
    if style == "flow-list":
        text = SINGLE + "triggers: " + "[" * depth + "]" * depth + "\n"
    elif style == "flow-map":
        text = SINGLE + "triggers: " + "{a: " * depth + "1" + "}" * depth + "\n"
    elif style == "block-map":
        text = (
            SINGLE
            + "triggers:\n"
            + "".join("  " * (i + 1) + "a:\n" for i in range(depth))
            + "  " * (depth + 1)
            + "b: 1\n"
        )
    elif style == "block-list":
        text = SINGLE + "triggers:\n  " + "- " * depth + "x\n"
    else:
        text = '{"name": "app", "triggers": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    problems = problems_of(text, ".json" if style == "json" else ".yaml")
    containers = 1 + depth + (1 if style == "block-map" else 0)  # the file's own mapping, then the nesting
    deep = [p for p in problems if f"more than {MAX_DEPTH} levels deep" in p.message]
    assert bool(deep) == (containers > MAX_DEPTH), (containers, [str(p) for p in problems][:3])


@SETTINGS
@given(st.integers(1, 2000), st.sampled_from([list, dict]))
def test_any_depth_of_a_provider_document_is_judged_without_raising(depth: int, kind: type) -> None:
    """document_findings bounds documents that never were YAML: no RecursionError at any depth."""
    node: Any = "x"
    for _ in range(depth):
        node = [node] if kind is list else {"a": node}
    findings = document_findings({"name": "app", "triggers": node}, now=NOW)
    assert all(pointer == "" or pointer.startswith("/") for pointer, _ in findings)
    deep = [m for _, m in findings if "levels deep" in m]
    assert bool(deep) == (depth + 1 > MAX_DEPTH)
