"""policygen.spec.conforms answers as jsonschema does, and spares the provider jsonschema's import.

Only ``conforms(...) is True`` is trusted by the analysis, so the property that matters is "True
only where jsonschema finds no error". The tests hold the stronger "exactly where", so that a
schema change that this module stops understanding shows here (as slower validation), too.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from policygen.spec.analysis import _generation_schema, schema
from policygen.spec.conforms import conforms

ROLE = "arn:aws:iam::123456789012:role/app"
ACCESS = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"

SINGLE: dict[str, Any] = {
    "$schema": "./policy-generation.schema.json",
    "name": "app",
    "policyGenerationDetails": {"principalArn": ROLE},
    "cloudTrailDetails": {
        "trails": [{"cloudTrailArn": TRAIL, "regions": ["us-east-1", "eu-west-1"], "allRegions": False}],
        "accessRole": ACCESS,
        "lookbackDays": 30,
        "endTime": "2026-11-20T00:00:00Z",
    },
    "triggers": {"rotation": "1"},
}

MANY: dict[str, Any] = {
    "version": 1,
    "defaults": {
        "principalArn": ROLE,
        "cloudTrailDetails": {"trails": [{"cloudTrailArn": TRAIL, "allRegions": True}], "accessRole": ACCESS},
        "triggers": {"a": "b"},
    },
    "generations": [
        {"name": "app", "cloudTrailDetails": {"startTime": "2026-11-01T00:00:00Z"}},
        {"name": "worker", "principalArn": "arn:aws:iam::123456789012:user/worker", "clientToken": "x"},
    ],
}

#: Values that sit on the schema's edges: patterns, bounds, types JSON Schema tells apart.
EDGE_VALUES: list[Any] = [
    ROLE,
    ACCESS,
    TRAIL,
    "arn:aws:iam::123456789012:user/u",
    "arn:aws:iam::12345678901:role/x",
    "arn:aws-cn:iam::123456789012:role/x",
    "arn:aws:iam::123456789012:role/",
    ROLE + "\n",
    "us-east-1",
    "eu-west-1",
    "US-EAST-1",
    "us-east",
    "_name",
    "9name",
    "a" * 64,
    "a" * 65,
    "",
    "x",
    0,
    1,
    90,
    91,
    1.0,
    30.0,
    30.5,
    -1,
    True,
    False,
    None,
    [],
    {},
    ["us-east-1", "us-east-1"],
    [1, 1.0],
    [True, 1],
    [{"a": 1}, {"a": 1.0}],
    {"cloudTrailArn": TRAIL},
    [{"cloudTrailArn": TRAIL}],
]
EDGES = st.sampled_from(EDGE_VALUES)
SCALARS = st.none() | st.booleans() | st.integers(-5, 200) | st.floats(allow_nan=False) | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS | EDGES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=10) | EDGES.filter(lambda v: isinstance(v, str)), children, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "name",
        "version",
        "defaults",
        "generations",
        "principalArn",
        "policyGenerationDetails",
        "cloudTrailDetails",
        "trails",
        "regions",
        "allRegions",
        "accessRole",
        "startTime",
        "endTime",
        "lookbackDays",
        "clientToken",
        "triggers",
        "cloudTrailArn",
        "$schema",
        "other",
    ]
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``doc`` (the root excluded)."""
    found = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """One of the valid documents with a few values replaced, removed or added."""
    doc = copy.deepcopy(draw(st.sampled_from([SINGLE, MANY])))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(VALUES))
        elif action == "remove" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(KEYS)] = copy.deepcopy(draw(VALUES))
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(draw(VALUES)))
    return doc


def _at(doc: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    """The container of the value at ``path``, and its key there."""
    for part in path[:-1]:
        doc = doc[part]
    return doc, path[-1]


def _every_edge() -> list[Any]:
    """Each valid document with one value replaced by each edge value, or one key removed, or one
    key added: every keyword of the schema meets a value just inside and just outside it."""
    docs = []
    for base in (SINGLE, MANY):
        for path in _paths(base):
            for value in [*EDGE_VALUES, "REMOVE"]:
                doc = copy.deepcopy(base)
                parent, key = _at(doc, path)
                if value != "REMOVE":
                    parent[key] = copy.deepcopy(value)
                elif isinstance(parent, dict):
                    del parent[key]
                else:
                    continue
                docs.append(doc)
            container, key = _at(base, path)
            if isinstance(container[key], dict):
                for name in KEYS.elements:  # type: ignore[attr-defined]
                    doc = copy.deepcopy(base)
                    parent, key = _at(doc, path)
                    parent[key][name] = "x"
                    docs.append(doc)
    return docs


def jsonschema_valid(doc: Any, root: dict[str, Any]) -> bool:
    return not any(True for _ in Draft202012Validator(root).iter_errors(doc))


@pytest.mark.parametrize("doc", [SINGLE, MANY], ids=["single", "many"])
def test_the_valid_documents_conform(doc: dict[str, Any]) -> None:
    """The common case takes the quick path: a valid document of either form conforms."""
    assert jsonschema_valid(doc, schema())
    assert conforms(doc, schema())


def test_conforms_exactly_where_jsonschema_finds_no_error_on_every_edge() -> None:
    docs = _every_edge()
    assert len(docs) > 1000
    for root in (schema(), _generation_schema()):
        wrong = [doc for doc in docs if conforms(doc, root) != jsonschema_valid(doc, root)]
        assert not wrong, json.dumps(wrong[:3], default=repr)
    assert any(conforms(doc, schema()) for doc in docs)
    assert not all(conforms(doc, schema()) for doc in docs)


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_conforms_exactly_where_jsonschema_finds_no_error(doc: Any) -> None:
    assert conforms(doc, schema()) == jsonschema_valid(doc, schema()), json.dumps(doc, default=repr)


@settings(max_examples=200, deadline=None)
@given(mutated())
def test_a_generation_conforms_exactly_where_jsonschema_finds_no_error(doc: Any) -> None:
    """The schema of one merged generation (a ``$ref`` beside the root's ``$defs``)."""
    assert conforms(doc, _generation_schema()) == jsonschema_valid(doc, _generation_schema())


@pytest.mark.parametrize(
    "schema_node",
    [
        {"type": "object", "propertyNames": {"maxLength": 1}},
        {"oneOf": [{"type": "object"}]},
        {"$ref": "https://example.com/other.json"},
        {"$ref": "#/$defs/missing"},
        {"type": ["object", "null"]},
        {"properties": {"a": {"enum": [1]}}},
        {"type": "object", "patternProperties": {"^a": {}}, "additionalProperties": False},
    ],
)
def test_a_keyword_it_does_not_interpret_is_unsure(schema_node: dict[str, Any]) -> None:
    """Unsure is False, so jsonschema decides: a schema that grows a keyword is still checked in full."""
    assert conforms({"a": 1}, schema_node) is False


def test_values_outside_json_are_left_to_jsonschema() -> None:
    doc = copy.deepcopy(SINGLE)
    doc["cloudTrailDetails"]["lookbackDays"] = object()
    assert conforms(doc, schema()) is False


def test_checking_a_valid_document_imports_neither_jsonschema_nor_ruamel() -> None:
    """What the provider's ValidateResourceConfig runs, in a fresh interpreter; then a faulty one does."""
    code = (
        "import json, sys\n"
        "from policygen.spec import document_findings\n"
        f"doc = json.loads({json.dumps(json.dumps(SINGLE))})\n"
        "assert document_findings(doc) == [], document_findings(doc)\n"
        "print(sorted(m for m in ('jsonschema', 'ruamel.yaml') if m in sys.modules))\n"
        "doc['cloudTrailDetails']['lookbackDays'] = 91\n"
        "print(document_findings(doc))\n"
        "print('jsonschema' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    clean, faulty, imported = result.stdout.splitlines()
    assert clean == "[]"
    assert "lookbackDays" in faulty
    assert "90" in faulty
    assert imported == "True"


def test_a_recursive_schema_is_followed_when_checked() -> None:
    """A ``$ref`` back into a schema being compiled is followed at check time, to any depth."""
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"child": {"$ref": "#/$defs/node"}, "n": {"type": "integer"}},
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    }
    good: dict[str, Any] = {"n": 1}
    bad: dict[str, Any] = {"n": 1}
    for _ in range(50):
        good = {"child": good}
        bad = {"child": bad}
    bad["child"]["child"]["x"] = 1
    assert conforms(good, tree) is jsonschema_valid(good, tree) is True
    assert conforms(bad, tree) is jsonschema_valid(bad, tree) is False
