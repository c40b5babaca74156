"""Resource patterns compared as IAM compares ARNs: field by field, never across a colon.

An ARN has six fields, ``arn:partition:service:region:account:resource``; the last one may itself
hold colons (``task-definition/family:3``). IAM matches a ``Resource`` pattern against an ARN one
field at a time, so ``*`` in the Region field matches any Region and nothing more: it does not
stretch into the account or the resource (IAM User Guide, "IAM JSON policy elements: Resource":
"Each of the six colon-delimited fields of the ARN is matched separately"; the same rule is stated
for the ``ArnLike`` condition operator). ``"*"`` alone matches every resource.

A pattern that is not a six-field ARN (``"*"``, or text that is not an ARN at all) is compared as
one wildcard pattern, which is how it matches.
"""

from __future__ import annotations

import functools

from policygen.policy.wildcards import contains, overlaps

_FIELDS = 6


def _fields(pattern: str) -> list[str] | None:
    parts = pattern.split(":", _FIELDS - 1)
    return parts if len(parts) == _FIELDS else None


@functools.lru_cache(maxsize=65536)
def arn_contains(outer: str, inner: str) -> bool:
    """Whether every resource that ``inner`` names is named by ``outer`` (both are patterns)."""
    if outer in ("*", inner):
        return True
    outer_fields, inner_fields = _fields(outer), _fields(inner)
    if outer_fields is None or inner_fields is None:
        # Only "*" or a pattern of the same shape can cover an ARN pattern; text that is no ARN covers itself.
        return outer_fields is None and inner_fields is None and contains(outer, inner)
    return all(contains(o, i) for o, i in zip(outer_fields, inner_fields, strict=True))


@functools.lru_cache(maxsize=65536)
def arn_overlaps(first: str, second: str) -> bool:
    """Whether some resource is named by both patterns."""
    if "*" in (first, second) or first == second:
        return True
    first_fields, second_fields = _fields(first), _fields(second)
    if first_fields is None or second_fields is None:
        return overlaps(first, second)
    return all(overlaps(a, b) for a, b in zip(first_fields, second_fields, strict=True))
