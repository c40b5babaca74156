"""The JSON Schema file: valid draft 2020-12, documented, shipped inside the package."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from policygen.spec import schema

ROOT = Path(__file__).resolve().parents[2]


def properties(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, schema) of a named property, anywhere in the schema."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}/{name}", sub
        for key, value in node.items():
            yield from properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from properties(value, f"{path}/{index}")


def test_the_schema_is_valid_draft_2020_12() -> None:
    """The schema itself passes the draft 2020-12 meta-schema."""
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_property_is_described() -> None:
    """Editors show a description for every field, directly or through its $ref."""
    defs = schema()["$defs"]
    for path, sub in properties(schema()):
        target = defs[sub["$ref"].rsplit("/", 1)[1]] if "$ref" in sub else sub
        assert target.get("description"), path


def test_the_packaged_schema_is_the_top_level_file() -> None:
    """src/policygen/spec/policy-generation.schema.json is the symlink to schemas/, not a copy."""
    packaged = ROOT / "src" / "policygen" / "spec" / "policy-generation.schema.json"
    assert packaged.is_symlink()
    assert packaged.resolve() == (ROOT / "schemas" / "policy-generation.schema.json").resolve()
    assert json.loads(packaged.read_text()) == schema()
