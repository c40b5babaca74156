"""The fields of a policy generation request: the one table every layer reads.

Each :class:`Field` says where the field sits in a spec document (its JSON pointer, whose last
part is the API's name), what Terraform attribute and construct keyword it becomes, its kind,
whether it is required, whether the provider computes it when it is left out, whether changing it
forces a new job, and its description (the provider's schema shows it). Read by:

- :mod:`policygen.spec.model`: ``Spec.to_document``, ``Trail.to_api`` and
  :func:`~policygen.spec.model.build_spec`, the one way from a document to a Spec;
- :mod:`policygen.provider.policy_generation`: the resource's schema, the document its
  attributes describe, diagnostics on the attribute a spec rule faults, and an imported job;
- :mod:`policygen.constructs.policy_generation` and :mod:`policygen.constructs.resource`: the
  required keywords, a TrailSpec's keys, the props a problem is reported at, and the synthesized
  attributes.

``policygen review`` reads a plan, which already speaks attributes: it names the few it shows.

The JSON Schema (``policy-generation.schema.json``) describes the same document for editors, with
the patterns a value must match; ``tests/spec/test_fields.py`` checks the two agree.

This module imports nothing heavy: the provider reads it on every launch, also those that only
answer Terraform's GetProviderSchema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from policygen.spec.quotas import MAX_WINDOW_DAYS

#: What a field holds: ``timestamp`` is an ISO 8601 string, ``strings`` a list of strings,
#: ``string_map`` a mapping of strings, ``objects`` a list of objects of the field's ``items``.
Kind = Literal["string", "timestamp", "number", "boolean", "strings", "string_map", "objects"]


@dataclass(frozen=True)
class Field:
    """One field of the request, as the spec, the provider and the constructs spell it.

    ``pointer`` is where the field sits in a spec document (for a field of ``items``, inside one
    item). The Terraform attribute and the construct keyword are the same snake_case name: a prop
    is spelled like the HCL it becomes. ``computed`` fields are filled in by the provider when left
    out (the window's start from ``lookback_days``, the derived client token).
    """

    pointer: str
    attribute: str
    kind: Kind
    description: str
    required: bool = False
    computed: bool = False
    #: Every field of the request forces a new job: a changed request is another generation.
    forces_replacement: bool = True
    #: The fields of each object of an ``objects`` field.
    items: tuple[Field, ...] = ()

    @property
    def api(self) -> str:
        """The field's name in the API and in spec files (``principalArn``)."""
        return self.pointer.rsplit("/", 1)[1]

    @property
    def keyword(self) -> str:
        """The construct's keyword argument (and TrailSpec key) for this field."""
        return self.attribute


#: The fields of one trail (``trails`` items).
TRAIL_FIELDS = (
    Field(
        "/cloudTrailArn",
        "cloud_trail_arn",
        "string",
        "ARN of the trail, e.g. `arn:aws:cloudtrail:us-east-1:123456789012:trail/management`.",
        required=True,
    ),
    Field(
        "/regions",
        "regions",
        "strings",
        "Regions whose logs are analysed, e.g. `[us-east-1, eu-west-1]`, in the trail's partition. Leave out with "
        "`all_regions` true.",
    ),
    Field(
        "/allRegions",
        "all_regions",
        "boolean",
        "Analyse the logs of every Region the trail covers. Not together with `regions`.",
    ),
)

#: The request's fields, in the request's order (the API's shapes, spec files): documents are
#: written in it, and so are the resource's attributes.
REQUEST_FIELDS = (
    Field(
        "/policyGenerationDetails/principalArn",
        "principal_arn",
        "string",
        "ARN of the IAM role or user whose CloudTrail activity is analysed, e.g. `arn:aws:iam::123456789012:role/app`.",
        required=True,
    ),
    Field(
        "/cloudTrailDetails/trails",
        "trails",
        "objects",
        "The CloudTrail trails to analyse: each a `cloud_trail_arn`, with either `regions` or `all_regions` true.",
        required=True,
        items=TRAIL_FIELDS,
    ),
    Field(
        "/cloudTrailDetails/accessRole",
        "access_role",
        "string",
        "ARN of the service role that Access Analyzer assumes to read the trail and service-last-accessed data, e.g. "
        "`arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole`.",
        required=True,
    ),
    Field(
        "/cloudTrailDetails/startTime",
        "start_time",
        "timestamp",
        "Start of the window, ISO 8601 with a time zone, e.g. `2026-11-01T00:00:00Z`. Events before it are not "
        "considered. Not in the future, before `end_time`, at most 90 days before it. Computed from `lookback_days` "
        "when left out.",
        computed=True,
    ),
    Field(
        "/cloudTrailDetails/lookbackDays",
        "lookback_days",
        "number",
        f"policygen's relative window: analyse the last N days (1-{MAX_WINDOW_DAYS}) up to `end_time` (or up to the "
        "day the job is created). Resolved into a `start_time` once, when the job is created (at plan when `end_time` "
        "is given), and kept in state, so it never makes a plan show a change by itself. Use instead of `start_time`.",
    ),
    Field(
        "/cloudTrailDetails/endTime",
        "end_time",
        "timestamp",
        'End of the window, ISO 8601 with a time zone, not in the future. Leave out for "now" (the service\'s '
        "default).",
    ),
    Field(
        "/clientToken",
        "client_token",
        "string",
        "Idempotency token. Leave out to have one derived when the job is created, from the request, the `triggers` "
        "and the resource's instance key (the same on every machine), so that a retried apply never starts a second "
        "job and a new creation gets a job of its own. Not together with `triggers`.",
        computed=True,
    ),
    Field(
        "/triggers",
        "triggers",
        "string_map",
        "Opaque strings, never sent to the service, mixed into the derived client token: changing a value starts a "
        "new job for an otherwise identical request (like `terraform_data.triggers_replace`). Not together with "
        "`client_token`.",
    ),
)

#: Every field by its attribute name.
FIELD_OF = {field.attribute: field for field in REQUEST_FIELDS}
#: API name -> attribute name, for every field, a trail's included.
ATTRIBUTE_OF = {field.api: field.attribute for field in (*REQUEST_FIELDS, *TRAIL_FIELDS)}
#: The API's container objects (``policyGenerationDetails``, ``cloudTrailDetails``): the
#: attributes and keywords are flat, so a pointer into the props leaves them out.
CONTAINERS = frozenset(part for field in REQUEST_FIELDS for part in field.pointer.split("/")[1:-1])


def document(attrs: Mapping[str, Any], of: tuple[Field, ...] = REQUEST_FIELDS) -> dict[str, Any]:
    """The spec document (API names) of a request given attribute by attribute (``of`` a trail: TRAIL_FIELDS).

    ``attrs`` maps attribute names to values; each ``trails`` item is a mapping of its own
    attributes. A None value is left out, and so is an empty list or map of an optional field
    (an unset ``regions`` and ``regions = []`` mean the same request). Other keys are ignored.
    """
    doc: dict[str, Any] = {}
    for field in of:
        value = attrs.get(field.attribute)
        if value is None or (not field.required and field.kind in ("strings", "string_map") and not value):
            continue
        if field.kind == "objects":
            value = [document(item, field.items) for item in value]
        elif field.kind == "strings":
            value = list(value)
        elif field.kind == "string_map":
            value = dict(value)
        _put(doc, field.pointer, value)
    return doc


def attributes(doc: Mapping[str, Any], of: tuple[Field, ...] = REQUEST_FIELDS) -> dict[str, Any]:
    """The attributes a spec document describes (the inverse of :func:`document`).

    Every field's attribute is present, None when the document leaves it out; each ``trails`` item
    becomes a mapping of its own attributes. Values are not copied or converted.
    """
    out: dict[str, Any] = {}
    for field in of:
        value = _get(doc, field.pointer)
        if field.kind == "objects" and value is not None:
            value = [attributes(item, field.items) for item in value]
        out[field.attribute] = value
    return out


def attribute_path(pointer: str) -> list[str | int]:
    """A pointer into a spec document as a path of attributes and indexes.

    ``/cloudTrailDetails/trails/0/cloudTrailArn`` -> ``["trails", 0, "cloud_trail_arn"]``: the
    containers are left out, indexes become ints, and a part that names no field (a trigger's key,
    ``name``) is kept as it is.
    """
    return [
        int(part) if part.isdigit() else ATTRIBUTE_OF.get(part, part)
        for part in pointer.split("/")[1:]
        if part not in CONTAINERS
    ]


def _put(doc: dict[str, Any], pointer: str, value: Any) -> None:
    *containers, key = pointer.split("/")[1:]
    for part in containers:
        doc = doc.setdefault(part, {})
    doc[key] = value


def _get(doc: Mapping[str, Any], pointer: str) -> Any:
    node: Any = doc
    for part in pointer.split("/")[1:]:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
