"""The table of the request's fields: it agrees with the JSON Schema and the Spec, and maps both ways."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from policygen.spec import Spec, Trail, build_spec, schema
from policygen.spec.fields import (
    ATTRIBUTE_OF,
    CONTAINERS,
    REQUEST_FIELDS,
    TRAIL_FIELDS,
    Field,
    attribute_path,
    attributes,
    document,
)
from policygen.spec.quotas import MAX_WINDOW_DAYS

#: The JSON Schema type each kind of field has.
SCHEMA_TYPE = {
    "string": "string",
    "timestamp": "string",
    "number": "integer",
    "boolean": "boolean",
    "strings": "array",
    "string_map": "object",
    "objects": "array",
}

DOC: dict[str, Any] = {
    "policyGenerationDetails": {"principalArn": "arn:aws:iam::123456789012:role/app"},
    "cloudTrailDetails": {
        "accessRole": "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
        "trails": [
            {"cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/a", "regions": ["us-east-1"]},
            {"cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/b", "allRegions": True},
        ],
        "startTime": "2026-11-01T00:00:00Z",
        "endTime": "2026-11-08T00:00:00Z",
    },
    "clientToken": "deploy-42",
}


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    """A schema node with its ``$ref`` followed (the generation schema refers to ``$defs``)."""
    while "$ref" in node:
        node = schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _schema_at(pointer: str, node: dict[str, Any]) -> dict[str, Any]:
    for part in pointer.split("/")[1:]:
        node = _resolved(_resolved(node)["properties"][part])
    return _resolved(node)


@pytest.mark.parametrize(
    ("field", "within"),
    [*((f, "generation") for f in REQUEST_FIELDS), *((f, "trail") for f in TRAIL_FIELDS)],
    ids=lambda v: v.api if isinstance(v, Field) else v,
)
def test_every_field_is_in_the_json_schema_with_its_type(field: Field, within: str) -> None:
    """Each field's pointer leads to a property of the JSON Schema of the type its kind says."""
    node = _schema_at(field.pointer, schema()["$defs"][within])
    assert node["type"] == SCHEMA_TYPE[field.kind]


def test_the_json_schema_requires_what_the_table_requires() -> None:
    """A required field is required by the schema of the object that holds it, and only those."""
    generation = schema()["$defs"]["generation"]
    for field in REQUEST_FIELDS:
        *containers, key = field.pointer.split("/")[1:]
        holder = generation["properties"][containers[0]] if containers else generation
        assert (key in holder.get("required", [])) == field.required, field.api
    trail = schema()["$defs"]["trail"]
    assert sorted(trail["required"]) == sorted(f.api for f in TRAIL_FIELDS if f.required)


def test_the_window_limit_is_the_schemas_maximum() -> None:
    """lookbackDays' maximum in the JSON Schema is the service's window."""
    assert _schema_at("/cloudTrailDetails/lookbackDays", schema()["$defs"]["generation"])["maximum"] == MAX_WINDOW_DAYS


def test_spec_and_trail_are_named_like_the_attributes() -> None:
    """The Spec's and the Trail's dataclass fields are the table's attributes (build_spec relies on it)."""
    assert {f.attribute for f in REQUEST_FIELDS} <= {f.name for f in dataclasses.fields(Spec)}
    assert [f.attribute for f in TRAIL_FIELDS] == [f.name for f in dataclasses.fields(Trail)]


def test_document_and_attributes_are_inverse() -> None:
    """A document read as attributes and written back is the same document."""
    assert document(attributes(DOC)) == DOC


def test_document_leaves_out_what_is_not_given() -> None:
    """None, and an empty list or map of an optional field, are left out; a required one is kept."""
    attrs = {**attributes(DOC), "triggers": {}, "client_token": None, "trails": []}
    attrs_of_trail = {"cloud_trail_arn": "arn", "regions": [], "all_regions": False}
    assert "triggers" not in document(attrs)
    assert "clientToken" not in document(attrs)
    assert document(attrs)["cloudTrailDetails"]["trails"] == []
    assert document(attrs_of_trail, TRAIL_FIELDS) == {"cloudTrailArn": "arn", "allRegions": False}


def test_pointers_become_paths_of_attributes() -> None:
    """Containers are left out, API names become attributes, indexes ints, other keys stay."""
    assert attribute_path("/cloudTrailDetails/trails/1/allRegions") == ["trails", 1, "all_regions"]
    assert attribute_path("/triggers/someKey") == ["triggers", "someKey"]
    assert attribute_path("/cloudTrailDetails") == []
    assert {"policyGenerationDetails", "cloudTrailDetails"} == CONTAINERS
    assert ATTRIBUTE_OF["cloudTrailArn"] == "cloud_trail_arn"


def test_build_spec_normalises_what_it_can_and_keeps_tokens() -> None:
    """Timestamps are written in UTC with Z and lookbackDays is whole, but a token is kept as it is."""
    doc = {
        "name": "app",
        **DOC,
        "cloudTrailDetails": {**DOC["cloudTrailDetails"], "startTime": "2026-11-01T01:00:00+01:00", "endTime": "${x}"},
    }
    spec = build_spec(doc, tokens=["/cloudTrailDetails/endTime"])
    assert (spec.start_time, spec.end_time, spec.validated) == ("2026-11-01T00:00:00Z", "${x}", False)
    assert spec.trails[1] == Trail("arn:aws:cloudtrail:us-east-1:123456789012:trail/b", (), True)
    days = build_spec({**DOC, "cloudTrailDetails": {**DOC["cloudTrailDetails"], "lookbackDays": 7.0}})
    assert days.lookback_days == 7
    assert isinstance(days.lookback_days, int)
    assert days.validated
