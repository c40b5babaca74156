"""CheckNoNewAccess and CheckAccessNotGranted offline, on identity policies."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import ParamValidator

from policygen.policy.access import (
    SENSITIVE_ACTIONS,
    Access,
    check_access_not_granted,
    check_no_new_access,
)
from policygen.policy.catalog import get_catalog
from policygen.policy.document import PolicyDocumentError, combine_policies
from tests.policy.helpers import BUCKET, allow, deny, policy

READ_OBJECTS = policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]))
CONDITION = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_identical_policies_grant_no_new_access() -> None:
    """A policy compared with itself passes, with AWS's message and no reasons."""
    result = check_no_new_access(READ_OBJECTS, READ_OBJECTS)
    assert result.passed
    assert result.to_dict() == {
        "result": "PASS",
        "message": "The modified permissions do not grant new access compared to your existing policy.",
    }


def test_narrower_policy_grants_no_new_access() -> None:
    """Dropping an action passes."""
    assert check_no_new_access(policy(allow("s3:GetObject", f"{BUCKET}/*")), READ_OBJECTS).passed


def test_new_action_fails_naming_it_and_its_statement() -> None:
    """An added action fails, with a reason naming the statement, the action and the resource."""
    new = policy(allow(["s3:GetObject", "s3:DeleteObject"], f"{BUCKET}/*"))
    result = check_no_new_access(new, READ_OBJECTS)
    assert result.result == "FAIL"
    assert result.message == "The modified permissions grant new access compared to your existing policy."
    (reason,) = result.reasons
    assert reason.statement_index == 0
    assert reason.actions == ("s3:DeleteObject",)
    assert reason.resources == (f"{BUCKET}/*",)
    assert reason.description.startswith("New access in the statement with index: 0.")


def test_reason_names_the_statement_by_its_sid() -> None:
    """A statement with a Sid is named by it, and its id is in the reason."""
    result = check_no_new_access(policy(allow("s3:PutObject", f"{BUCKET}/*", Sid="Write")), READ_OBJECTS)
    assert result.reasons[0].to_dict() == {
        "description": result.reasons[0].description,
        "statementIndex": 0,
        "statementId": "Write",
    }
    assert result.reasons[0].description.startswith("New access in the statement with sid: Write.")


def test_star_resource_where_the_existing_policy_named_arns_is_new_access() -> None:
    """Granting an action on `*` that the existing policy granted only on one bucket fails."""
    result = check_no_new_access(policy(allow("s3:GetObject")), READ_OBJECTS)
    assert not result.passed
    assert result.reasons[0].resources == ("*",)


def test_arn_inside_an_existing_wildcard_arn_is_not_new() -> None:
    """Narrowing a resource to a path within the existing wildcard ARN passes."""
    assert check_no_new_access(policy(allow("s3:GetObject", f"{BUCKET}/logs/*")), READ_OBJECTS).passed


def test_wildcard_action_is_compared_action_by_action() -> None:
    """`s3:Get*` against an existing list of two Get actions fails, naming the others."""
    existing = policy(allow(["s3:GetObject", "s3:GetObjectTagging"], f"{BUCKET}/*"))
    result = check_no_new_access(policy(allow("s3:Get*", f"{BUCKET}/*")), existing)
    assert not result.passed
    assert "s3:GetObjectAcl" in result.reasons[0].actions
    assert "s3:GetObject" not in result.reasons[0].actions


def test_existing_wildcard_covers_explicit_actions() -> None:
    """Explicit actions within an existing `s3:Get*` pass."""
    existing = policy(allow("s3:Get*", f"{BUCKET}/*"))
    assert check_no_new_access(policy(allow(["s3:GetObject", "s3:getobjectacl"], f"{BUCKET}/*")), existing).passed


def test_new_not_action_fails_against_a_narrow_policy() -> None:
    """Allow NotAction iam:* grants far more than an S3 read policy."""
    assert not check_no_new_access(policy(allow("iam:*", not_action=True)), READ_OBJECTS).passed


def test_existing_not_action_covers_what_it_does_not_exclude() -> None:
    """An existing Allow NotAction iam:* on `*` covers an S3 grant, not an IAM one."""
    existing = policy(allow("iam:*", not_action=True))
    assert check_no_new_access(READ_OBJECTS, existing).passed
    assert not check_no_new_access(policy(allow("iam:GetRole")), existing).passed


def test_deny_in_the_new_policy_removes_what_it_denies() -> None:
    """An unconditional Deny of the added action, on the same resources, removes it: no new access."""
    new = policy(allow(["s3:GetObject", "s3:DeleteObject"], f"{BUCKET}/*"), deny("s3:DeleteObject"))
    assert check_no_new_access(new, READ_OBJECTS).passed


def test_conditional_deny_in_the_new_policy_does_not_remove_access() -> None:
    """A Deny with a Condition is taken not to remove anything: the action may still be granted."""
    new = policy(
        allow(["s3:GetObject", "s3:DeleteObject"], f"{BUCKET}/*"), deny("s3:DeleteObject", Condition=CONDITION)
    )
    assert not check_no_new_access(new, READ_OBJECTS).passed


def test_deny_on_a_narrower_resource_does_not_remove_access() -> None:
    """A Deny on one object does not remove an Allow on every object of the bucket."""
    new = policy(allow(["s3:GetObject", "s3:DeleteObject"], f"{BUCKET}/*"), deny("s3:DeleteObject", f"{BUCKET}/keep"))
    assert not check_no_new_access(new, READ_OBJECTS).passed


def test_conditional_deny_in_the_existing_policy_is_not_credited() -> None:
    """An existing policy whose conditional Deny may refuse an action does not cover a new policy without it."""
    existing = policy(allow("s3:*"), deny("s3:DeleteBucket", Condition=CONDITION))
    result = check_no_new_access(policy(allow("s3:*")), existing)
    assert not result.passed
    assert result.reasons[0].actions == ("s3:DeleteBucket",)


def test_deny_that_both_policies_share_is_exact() -> None:
    """Two identical policies with a conditional Deny pass."""
    both = policy(allow("s3:*"), deny("s3:DeleteBucket", Condition=CONDITION))
    assert check_no_new_access(both, both).passed


def test_existing_conditional_allow_does_not_cover_an_unconditional_grant() -> None:
    """A grant without a Condition is new access when the existing grant had one."""
    existing = policy(allow("s3:GetObject", f"{BUCKET}/*", Condition=CONDITION))
    assert not check_no_new_access(policy(allow("s3:GetObject", f"{BUCKET}/*")), existing).passed


def test_new_conditional_grant_is_covered_by_an_unconditional_one() -> None:
    """Adding a Condition to an existing grant narrows it: no new access."""
    new = policy(allow("s3:GetObject", f"{BUCKET}/*", Condition=CONDITION))
    assert check_no_new_access(new, READ_OBJECTS).passed


def test_unknown_action_is_compared_as_written() -> None:
    """An action the catalogue does not know is new unless the existing policy names it too (any case)."""
    new = policy(allow("newservice:DoThing"))
    assert not check_no_new_access(new, READ_OBJECTS).passed
    assert check_no_new_access(new, policy(allow("NewService:dothing"))).passed


def test_split_draft_is_checked_as_one_document() -> None:
    """A draft split in two documents, combined, is checked as one: new access in either shows."""
    first = policy(allow("s3:GetObject", f"{BUCKET}/*", Sid="S3"))
    second = policy(allow("ec2:DescribeInstances", Sid="Ec2"))
    result = check_no_new_access(combine_policies([first, second]), READ_OBJECTS)
    assert [(r.statement_index, r.statement_id) for r in result.reasons] == [(1, "Ec2")]


def test_invalid_policy_raises_with_its_errors() -> None:
    """A policy with grammar errors cannot be checked: PolicyDocumentError."""
    with pytest.raises(PolicyDocumentError, match="Add an Effect element"):
        check_no_new_access(policy({"Action": "s3:GetObject", "Resource": "*"}), READ_OBJECTS)


def test_policy_not_granting_the_listed_actions_passes() -> None:
    """A read policy does not grant iam:PassRole: PASS, with AWS's message."""
    result = check_access_not_granted(READ_OBJECTS, Access(actions=("iam:PassRole",)))
    assert result.to_dict() == {
        "result": "PASS",
        "message": "The policy document does not grant access to perform the listed actions.",
    }


def test_granted_listed_action_fails_naming_statement_and_action() -> None:
    """A listed action the policy grants fails, naming the statement and the action."""
    text = policy(allow("s3:GetObject", f"{BUCKET}/*"), allow("iam:CreateAccessKey", Sid="Keys"))
    result = check_access_not_granted(text, Access(actions=("iam:CreateAccessKey", "iam:PassRole")))
    assert result.message == "The policy document grants access to perform one or more of the listed actions."
    (reason,) = result.reasons
    assert (reason.statement_index, reason.statement_id, reason.actions) == (1, "Keys", ("iam:CreateAccessKey",))
    assert reason.description.startswith("One or more of the listed actions in the statement with sid: Keys.")


def test_listed_action_granted_through_a_wildcard_fails() -> None:
    """`iam:Put*` grants the listed iam:PutRolePolicy."""
    result = check_access_not_granted(policy(allow("iam:Put*")), Access(actions=("iam:PutRolePolicy",)))
    assert result.reasons[0].actions == ("iam:PutRolePolicy",)


def test_listed_wildcard_is_expanded() -> None:
    """A listed `iam:Put*Policy` finds the policy's iam:PutUserPolicy."""
    result = check_access_not_granted(policy(allow("iam:PutUserPolicy")), Access(actions=("iam:Put*Policy",)))
    assert result.reasons[0].actions == ("iam:PutUserPolicy",)


def test_listed_actions_match_without_regard_to_case() -> None:
    """A listed `IAM:PASSROLE` is found in a policy granting iam:PassRole."""
    assert not check_access_not_granted(policy(allow("iam:PassRole")), Access(actions=("IAM:PASSROLE",))).passed


def test_listed_action_granted_through_not_action_fails() -> None:
    """Allow NotAction s3:* grants iam:PassRole."""
    assert not check_access_not_granted(
        policy(allow("s3:*", not_action=True)), Access(actions=("iam:PassRole",))
    ).passed


def test_unconditional_deny_removes_a_listed_action() -> None:
    """Allow iam:* with Deny iam:PassRole on `*` does not grant iam:PassRole."""
    text = policy(allow("iam:*"), deny("iam:PassRole"))
    assert check_access_not_granted(text, Access(actions=("iam:PassRole",))).passed


def test_conditional_deny_does_not_remove_a_listed_action() -> None:
    """A conditional Deny leaves the listed action possibly granted: FAIL."""
    text = policy(allow("iam:*"), deny("iam:PassRole", Condition=CONDITION))
    assert not check_access_not_granted(text, Access(actions=("iam:PassRole",))).passed


def test_listed_resource_without_actions_fails_when_any_action_reaches_it() -> None:
    """With resources only, any action on a listed resource fails, with AWS's wording for resources."""
    result = check_access_not_granted(READ_OBJECTS, Access(resources=(f"{BUCKET}/secret.txt",)))
    assert result.message == "The policy document grants access to perform one or more of the listed resources."
    assert result.reasons[0].resources == (f"{BUCKET}/secret.txt",)


def test_listed_actions_and_resources_must_meet() -> None:
    """With both, the policy fails only when a listed action reaches a listed resource."""
    access = Access(actions=("s3:GetObject",), resources=("arn:aws:s3:::other-bucket/*",))
    result = check_access_not_granted(READ_OBJECTS, access)
    assert result.passed
    assert result.message == "The policy document does not grant access to perform the listed actions or resources."


def test_access_needs_an_action_or_a_resource() -> None:
    """An Access with neither actions nor resources is a programming error."""
    with pytest.raises(ValueError, match="at least one action or one resource"):
        Access()


def test_sensitive_actions_are_known_to_the_catalogue() -> None:
    """Every default sensitive action exists (a typo would make the default check nothing)."""
    catalog = get_catalog()
    assert [a for a in SENSITIVE_ACTIONS if catalog.canonical(a) != a] == []


def test_sensitive_defaults_flag_an_iam_wildcard() -> None:
    """A draft with iam:* fails the default sensitive-actions check."""
    result = check_access_not_granted(policy(allow("iam:*")), Access(actions=SENSITIVE_ACTIONS))
    assert "iam:CreateAccessKey" in result.reasons[0].actions


def test_results_match_the_botocore_model() -> None:
    """Both checks' responses are valid against botocore's output shapes."""
    model = botocore.session.get_session().get_service_model("accessanalyzer")
    validator = ParamValidator()
    new_access = check_no_new_access(policy(allow("s3:PutObject", Sid="Write")), READ_OBJECTS).to_dict()
    not_granted = check_access_not_granted(policy(allow("iam:*")), Access(actions=("iam:PassRole",))).to_dict()
    for operation, response in (("CheckNoNewAccess", new_access), ("CheckAccessNotGranted", not_granted)):
        report = validator.validate(response, model.operation_model(operation).output_shape)
        assert not report.has_errors(), report.generate_report()


def test_resource_policy_is_compared_by_actions_and_resources() -> None:
    """A bucket policy (with a Principal) can be checked as RESOURCE_POLICY; principals are not compared."""
    existing = policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": "arn:aws:iam::123456789012:root"}))
    new = policy(
        allow(["s3:GetObject", "s3:PutObject"], f"{BUCKET}/*", Principal={"AWS": "arn:aws:iam::123456789012:root"})
    )
    result = check_no_new_access(new, existing, policy_type="RESOURCE_POLICY")
    assert result.reasons[0].actions == ("s3:PutObject",)
