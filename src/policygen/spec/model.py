"""The Spec types: one policy generation, as the rest of policygen sees it."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from policygen.errors import InvalidArgumentError
from policygen.spec import fields
from policygen.spec.fields import REQUEST_FIELDS, TRAIL_FIELDS, Field
from policygen.spec.timestamps import format_timestamp, parse_timestamp

#: Prefix of client tokens that policygen derives itself (see :func:`derive_client_token`).
DERIVED_TOKEN_NAMESPACE = uuid.UUID("5b0f5d0e-7a1c-4c55-9d3e-0c6a2f1e9a11")


@dataclass(frozen=True)
class Trail:
    """One CloudTrail trail to analyse (the API's ``Trail`` shape)."""

    cloud_trail_arn: str
    regions: tuple[str, ...] = ()
    all_regions: bool | None = None

    def to_api(self) -> dict[str, Any]:
        """The trail as the StartPolicyGeneration request spells it."""
        return fields.document(self.attributes(), TRAIL_FIELDS)

    def attributes(self) -> dict[str, Any]:
        """The trail's fields by attribute name (see :data:`policygen.spec.fields.TRAIL_FIELDS`)."""
        return {f.attribute: getattr(self, f.attribute) for f in TRAIL_FIELDS}


@dataclass(frozen=True)
class Spec:
    """One policy generation: a validated StartPolicyGeneration request and its name.

    The window is either ``start_time`` or ``lookback_days`` (resolved into a start time when the
    job is created, by the provider). ``client_token`` is the spec's own token or None (then one is
    derived when the job is created, see :func:`resolve_request`). ``triggers`` are opaque strings
    that are never sent to the service but are mixed into the derived token, so that changing one
    starts a new job for an otherwise identical request. ``source`` names the file (and line) the
    spec came from.
    """

    name: str
    principal_arn: str
    access_role: str
    trails: tuple[Trail, ...]
    start_time: str | None = None
    end_time: str | None = None
    lookback_days: int | None = None
    client_token: str | None = None
    triggers: dict[str, str] = field(default_factory=dict, hash=False)
    source: str = field(default="<inline>", compare=False)
    #: True when the spec module built it from a document that passed every check; a Spec built by
    #: hand, or changed with dataclasses.replace, is False and is checked again where it is used.
    validated: bool = field(default=False, init=False, compare=False, repr=False)

    @property
    def output_name(self) -> str:
        """The stack output that carries this generation's job id: ``<name>_job_id``."""
        return f"{terraform_identifier(self.name)}_job_id"

    def to_document(self) -> dict[str, Any]:
        """The effective spec document: the request with API names, ``lookbackDays`` unresolved."""
        return {"name": self.name, **fields.document(self.attributes())}

    def attributes(self) -> dict[str, Any]:
        """The request's fields by attribute name (see :data:`policygen.spec.fields.REQUEST_FIELDS`).

        Each trail is a mapping of its own attributes; the Spec's fields are named like the attributes.
        """
        values = {f.attribute: getattr(self, f.attribute) for f in REQUEST_FIELDS}
        values["trails"] = [t.attributes() for t in self.trails]
        return values

    def request(self, now: datetime | None = None) -> dict[str, Any]:
        """The StartPolicyGeneration request this spec sends at ``now`` (see :func:`resolve_request`)."""
        return resolve_request(self.to_document(), now)


def terraform_identifier(name: str) -> str:
    """Turn a spec name into the identifier used for Terraform names (hyphens become underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def resolve_request(
    doc: dict[str, Any],
    now: datetime | None = None,
    *,
    instance: str | None = None,
    replaces: str | None = None,
) -> dict[str, Any]:
    """The StartPolicyGeneration request that a spec document (API names) means at ``now``.

    ``lookbackDays: N`` becomes a ``startTime``: N days before ``endTime`` when one is given, else
    midnight UTC of the current day minus N-1 days (the current UTC day and the N-1 days before
    it), never exceeding the 90-day window. Without a ``clientToken`` one is derived by
    :func:`derive_client_token` from the resolved request, the ``triggers``, the ``instance`` key
    and the job this creation ``replaces``. ``name``, ``triggers`` and ``$schema`` are policygen's
    own and are not part of the request.
    """
    request = copy.deepcopy({k: v for k, v in doc.items() if k not in ("name", "triggers", "$schema")})
    details = request["cloudTrailDetails"]
    days = details.pop("lookbackDays", None)
    if days is not None:
        if "endTime" in details:
            start = _instant(details["endTime"]) - timedelta(days=days)
        else:
            today = (now or datetime.now(UTC)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            start = today - timedelta(days=days - 1)
        details["startTime"] = format_timestamp(start)
    if "clientToken" not in request:
        request["clientToken"] = derive_client_token(request, doc.get("triggers"), instance=instance, replaces=replaces)
    return request


def derive_client_token(
    request: dict[str, Any],
    triggers: Mapping[str, str] | None = None,
    *,
    instance: str | None = None,
    replaces: str | None = None,
) -> str:
    """A client token for one creation of one resource instance, the same on every machine and retry.

    The request (without ``name`` and ``clientToken``, ``lookbackDays`` already resolved) is
    serialised as canonical JSON (sorted keys, no whitespace, ASCII), with up to three more
    members that no API field is named like: ``"triggers"`` (when not empty), ``"instance"`` (the
    resource's ``instance_key``, which policygen's constructs set to ``<stack>/<name>``) and
    ``"replaces"`` (the id of the job this creation replaces). Its SHA-256 hex digest is hashed
    into a name-based UUID (version 5) in policygen's own namespace.

    So a retried or resumed create sends the same token and gets back the job it already started;
    two instances with the same request but different instance keys, and a replacement of the
    same instance (which replaces a different job each time), get tokens of their own.
    """
    body = {k: v for k, v in request.items() if k not in ("clientToken", "name", "triggers")}
    if triggers:
        body["triggers"] = dict(triggers)
    if instance:
        body["instance"] = instance
    if replaces:
        body["replaces"] = replaces
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return str(uuid.uuid5(DERIVED_TOKEN_NAMESPACE, hashlib.sha256(canonical.encode()).hexdigest()))


def build_spec(doc: Mapping[str, Any], source: str = "<inline>", *, tokens: Collection[str] = ()) -> Spec:
    """The :class:`Spec` of a document (API names) that passed the spec's checks: the one way to build one.

    Timestamps are written as policygen writes them (UTC, ``Z``) and ``lookbackDays`` becomes a
    whole number (YAML may give ``7.0``). ``tokens`` are the pointers of values known only at
    apply (a construct's tokens), which the checks skipped: they are kept as they are, and the
    Spec is not marked validated, so that it is checked again where it is used.
    """
    given = fields.attributes(doc)
    spec = Spec(
        name=doc.get("name", ""),
        source=source,
        **{f.attribute: _spec_value(f, given[f.attribute], f.pointer in tokens) for f in REQUEST_FIELDS},
    )
    object.__setattr__(spec, "validated", not tokens)  # frozen: set once, here, after the checks
    return spec


def _spec_value(request_field: Field, value: Any, token: bool) -> Any:
    """A field's value as the Spec holds it."""
    kind = request_field.kind
    if token:
        return value
    if kind == "objects":
        items = request_field.items
        return tuple(Trail(**{f.attribute: _spec_value(f, t[f.attribute], False) for f in items}) for t in value)
    if kind == "strings":
        return tuple(value or ())
    if kind == "string_map":
        return dict(value or {})
    if value is None:
        return None
    if kind == "timestamp":
        return format_timestamp(_instant(value))
    if kind == "number":
        return int(value)
    return value


def _instant(value: str) -> datetime:
    """A timestamp of a checked document (the checks refuse one without a zone)."""
    parsed = parse_timestamp(value)
    if parsed is None:
        raise InvalidArgumentError(
            f"{value!r} is not an ISO 8601 timestamp with a time zone; check the document first."
        )
    return parsed
