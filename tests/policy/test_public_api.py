"""The public surface of `policygen.policy` is what we mean it to be."""

from __future__ import annotations

import policygen.policy

PUBLIC = {
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
}
CONSTANTS = {"CHECKS", "HIDDEN_REASONS", "IDENTITY_POLICY", "POLICY_TYPES", "RESOURCE_POLICY", "SENSITIVE_ACTIONS"}


def test_all_is_the_intended_surface() -> None:
    """`policygen.policy.__all__` lists exactly the public names, and each class and function is documented."""
    assert set(policygen.policy.__all__) == PUBLIC
    for name in PUBLIC - CONSTANTS:
        assert getattr(policygen.policy, name).__doc__, f"{name} has no docstring"


def test_policy_document_error_is_a_policygen_error() -> None:
    """PolicyDocumentError belongs to policygen's one error tree."""
    from policygen.errors import PolicygenError

    assert issubclass(policygen.policy.PolicyDocumentError, PolicygenError)
