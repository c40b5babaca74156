"""The ``assume_role`` block's rules: what a well-formed block is, and the settings it makes.

The fields and their limits are STS AssumeRole's (botocore's model, ``sts/2011-06-15``):
``RoleArn`` 20-2048 characters; ``RoleSessionName`` 2-64 of ``[\\w+=,.@-]``; ``ExternalId`` 2-1224
of ``[\\w+=,.@:/-]``; ``DurationSeconds`` 900-43200 (the role's own maximum may be lower, which
only STS knows); ``SourceIdentity`` 2-64 of ``[\\w+=,.@-]``; at most 10 ``PolicyArns`` and 50
``Tags``. The names are terraform-provider-aws's, so that its users find what they know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from policygen.spec.waiting import parse_duration

if TYPE_CHECKING:  # the client module is imported when the provider is configured
    from policygen.aws.client import AssumeRole

#: An IAM role ARN in any partition: arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_SESSION = re.compile(r"^[\w+=,.@-]{2,64}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
MIN_DURATION, MAX_DURATION = 900, 43200


def assume_role_problems(block: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem of an ``assume_role`` block, as ``(attribute, message)``; unknown values are skipped."""
    problems: list[tuple[str, str]] = []
    role = block.get("role_arn")
    if role is None:
        problems.append(("role_arn", "assume_role needs role_arn, e.g. arn:aws:iam::111111111111:role/Generation."))
    elif isinstance(role, str) and not ROLE_ARN.match(role):
        problems.append(
            ("role_arn", f"{role[:80]!r} is not an IAM role ARN; write it like arn:aws:iam::111111111111:role/NAME.")
        )
    checks = (
        ("session_name", _SESSION, "2-64 letters, digits or +=,.@_-"),
        ("external_id", _EXTERNAL_ID, "2-1224 letters, digits or +=,.@:/_-"),
        ("source_identity", _SESSION, "2-64 letters, digits or +=,.@_-"),
    )
    for name, pattern, allowed in checks:
        value = block.get(name)
        if isinstance(value, str) and not pattern.match(value):
            problems.append((name, f"{name} must be {allowed}; got {value[:80]!r}."))
    duration = block.get("duration")
    if isinstance(duration, str):
        seconds = parse_duration(duration)
        if seconds is None or not MIN_DURATION <= seconds <= MAX_DURATION:
            problems.append(
                ("duration", f"duration must be from 15m to 12h (STS's limits), like 1h or 45m; got {duration!r}.")
            )
    if len(block.get("policy_arns") or ()) > 10:
        problems.append(("policy_arns", "STS takes at most 10 policy_arns."))
    if len(block.get("tags") or {}) > 50:
        problems.append(("tags", "STS takes at most 50 session tags."))
    return problems


def assume_role_of(block: Any) -> AssumeRole | None:
    """The :class:`AssumeRole` settings of a (valid, known) block, or None without one."""
    from policygen.aws.client import AssumeRole

    if not isinstance(block, Mapping) or not isinstance(block.get("role_arn"), str):
        return None
    duration = parse_duration(block["duration"]) if isinstance(block.get("duration"), str) else None
    return AssumeRole(
        role_arn=block["role_arn"],
        session_name=block.get("session_name") or "policygen",
        external_id=block.get("external_id"),
        duration_seconds=int(duration) if duration else None,
        policy=block.get("policy"),
        policy_arns=tuple(block.get("policy_arns") or ()),
        tags=tuple(sorted((block.get("tags") or {}).items())),
        transitive_tag_keys=tuple(block.get("transitive_tag_keys") or ()),
        source_identity=block.get("source_identity"),
    )
