"""The offline diff of the policy in force (CURRENT) and a generated draft (DRAFT), action by action."""

from __future__ import annotations

import json

import pytest

from policygen.policy.catalog import get_catalog
from policygen.policy.diff import DATA_EVENT_ACTIONS, diff_policies, hidden_kind, render_diff
from policygen.policy.validate import IDENTITY_POLICY_QUOTA, validate_policy
from tests.policy.helpers import BUCKET, allow, codes, deny, policy


def test_action_in_both_is_granted_and_used() -> None:
    """An action both policies allow is granted and used."""
    diff = diff_policies(
        policy(allow(["ec2:DescribeInstances", "ec2:StartInstances"])), policy(allow("ec2:DescribeInstances"))
    )
    assert diff.granted_and_used == ("ec2:DescribeInstances",)


def test_action_only_in_current_is_a_candidate_to_remove() -> None:
    """An action only CURRENT allows is granted but unused."""
    diff = diff_policies(
        policy(allow(["ec2:DescribeInstances", "ec2:StartInstances"])), policy(allow("ec2:DescribeInstances"))
    )
    assert diff.granted_not_used == ("ec2:StartInstances",)
    assert diff.changes


def test_action_only_in_draft_is_used_but_not_granted() -> None:
    """An action only the draft has is used but not granted."""
    diff = diff_policies(
        policy(allow("ec2:DescribeInstances")), policy(allow(["ec2:DescribeInstances", "sts:GetCallerIdentity"]))
    )
    assert diff.used_not_granted == ("sts:GetCallerIdentity",)


def test_wildcards_in_current_are_expanded() -> None:
    """`ec2:Describe*` in CURRENT is expanded: the draft's action is used, the other Describe actions unused."""
    diff = diff_policies(policy(allow("ec2:Describe*")), policy(allow("ec2:DescribeInstances")))
    assert diff.granted_and_used == ("ec2:DescribeInstances",)
    assert "ec2:DescribeVpcs" in diff.granted_not_used
    assert all(a.startswith("ec2:Describe") for a in diff.granted_not_used)


def test_actions_match_without_regard_to_case() -> None:
    """`EC2:describeinstances` in CURRENT is the draft's ec2:DescribeInstances."""
    diff = diff_policies(policy(allow("EC2:describeinstances")), policy(allow("ec2:DescribeInstances")))
    assert diff.granted_and_used == ("ec2:DescribeInstances",)
    assert not diff.changes


def test_data_events_are_kept_apart_from_candidates() -> None:
    """S3 object reads, DynamoDB queries and Lambda invocations in CURRENT only are not visible, not candidates."""
    current = policy(
        allow(["s3:GetObject", "s3:PutObject", "dynamodb:Query", "lambda:InvokeFunction", "s3:CreateBucket"])
    )
    diff = diff_policies(current, policy(allow("sts:GetCallerIdentity")))
    hidden = {h.action: h.kind for h in diff.not_visible}
    assert hidden == {
        "s3:GetObject": "data-event",
        "s3:PutObject": "data-event",
        "dynamodb:Query": "data-event",
        "lambda:InvokeFunction": "data-event",
    }
    assert diff.granted_not_used == ("s3:CreateBucket",)


def test_pass_role_is_kept_apart() -> None:
    """iam:PassRole in CURRENT only is not visible in CloudTrail, with the reason."""
    diff = diff_policies(policy(allow(["iam:PassRole", "iam:GetRole"])), policy(allow("iam:GetRole")))
    (hidden,) = diff.not_visible
    assert (hidden.action, hidden.kind) == ("iam:PassRole", "not-recorded")
    assert "CloudTrail does not record" in hidden.reason
    assert diff.granted_not_used == ()


def test_s3_bucket_listing_is_a_data_event_but_listing_buckets_is_not() -> None:
    """s3:ListBucket (ListObjects) is a data event; s3:ListAllMyBuckets is a management event."""
    assert hidden_kind("s3:ListBucket") == "data-event"
    assert hidden_kind("s3:ListAllMyBuckets") is None


def test_management_actions_are_visible() -> None:
    """ec2:RunInstances and dynamodb:CreateTable are visible to policy generation."""
    assert hidden_kind("ec2:RunInstances") is None
    assert hidden_kind("dynamodb:CreateTable") is None


def test_every_listed_data_event_action_is_known() -> None:
    """Each action of the data-event table exists in the catalogue (a rename would silently drop it)."""
    catalog = get_catalog()
    unknown = [
        f"{service}:{name}"
        for service, names in DATA_EVENT_ACTIONS.items()
        for name in names or ()
        if not catalog.is_known_action(f"{service}:{name}")
    ]
    assert unknown == []
    assert all(catalog.is_known_service(service) for service in DATA_EVENT_ACTIONS)


def test_unconditional_deny_removes_actions_from_current() -> None:
    """An action CURRENT denies everywhere without a condition is not granted."""
    current = policy(allow("ec2:*Instances"), deny("ec2:TerminateInstances"))
    diff = diff_policies(current, policy(allow("ec2:DescribeInstances")))
    assert "ec2:TerminateInstances" not in diff.granted_not_used
    assert "ec2:StartInstances" in diff.granted_not_used


def test_conditional_deny_leaves_the_action_granted() -> None:
    """A Deny with a Condition leaves the action granted (it may still be used)."""
    condition = {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}
    current = policy(allow("ec2:TerminateInstances"), deny("ec2:TerminateInstances", Condition=condition))
    assert diff_policies(current, policy(allow("sts:GetCallerIdentity"))).granted_not_used == (
        "ec2:TerminateInstances",
    )


def test_deny_on_some_resources_leaves_the_action_granted() -> None:
    """A Deny on one bucket leaves the action granted on the others."""
    current = policy(allow("s3:CreateBucket"), deny("s3:CreateBucket", BUCKET))
    assert diff_policies(current, policy(allow("sts:GetCallerIdentity"))).granted_not_used == ("s3:CreateBucket",)


def test_not_action_in_current_grants_everything_else() -> None:
    """Allow NotAction iam:* in CURRENT grants ec2 actions but no iam action."""
    diff = diff_policies(policy(allow("iam:*", not_action=True)), policy(allow("ec2:DescribeInstances")))
    assert "ec2:RunInstances" in diff.granted_not_used
    assert not any(a.startswith("iam:") for a in diff.granted_not_used)


def test_a_draft_split_over_the_size_quota_is_read_as_one() -> None:
    """A draft that Access Analyzer split in two documents under 6,144 characters each is compared as one."""
    ec2 = sorted(get_catalog().expand("ec2:Describe*"))
    half = len(ec2) // 2
    parts = [policy(allow(ec2[:half], Sid="Ec2a")), policy(allow(ec2[half:], Sid="Ec2b"))]
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in codes(validate_policy(policy(allow(ec2))))
    assert all(len(json.dumps(json.loads(p), separators=(",", ":"))) <= IDENTITY_POLICY_QUOTA for p in parts)
    assert all("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" not in codes(validate_policy(p)) for p in parts)
    diff = diff_policies(policy(allow("ec2:Describe*")), parts)
    assert diff.granted_and_used == tuple(sorted(ec2, key=str.lower))
    assert diff.granted_not_used == ()


def test_current_split_in_several_documents_is_read_as_one() -> None:
    """Several policies attached to one role are read together as CURRENT."""
    current = [policy(allow("ec2:DescribeInstances")), policy(allow("sts:GetCallerIdentity"))]
    diff = diff_policies(current, policy(allow(["ec2:DescribeInstances", "sts:GetCallerIdentity"])))
    assert diff.granted_and_used == ("ec2:DescribeInstances", "sts:GetCallerIdentity")


def test_text_rendering_names_each_group_by_service() -> None:
    """The text output has the four groups, actions grouped by service."""
    diff = diff_policies(
        policy(allow(["ec2:DescribeInstances", "ec2:StartInstances", "iam:PassRole"])),
        policy(allow("ec2:DescribeInstances")),
    )
    text = render_diff(diff)
    assert "Granted and used (1):\n  ec2 (1): DescribeInstances" in text
    assert "Granted but not used: candidates to remove (1):\n  ec2 (1): StartInstances" in text
    assert "Used but not granted (0):\n  none" in text
    assert "Not visible in CloudTrail" in text
    assert "iam (1): PassRole" in text


def test_json_rendering_is_the_full_data() -> None:
    """The JSON output is the diff's dictionary."""
    diff = diff_policies(
        policy(allow(["ec2:DescribeInstances", "iam:PassRole"])), policy(allow("ec2:DescribeInstances"))
    )
    data = json.loads(render_diff(diff, "json"))
    assert data == diff.to_dict()
    assert data["notVisibleInCloudTrail"][0]["action"] == "iam:PassRole"


def test_markdown_rendering_has_a_summary_table() -> None:
    """The Markdown output starts with a table of the group counts."""
    diff = diff_policies(
        policy(allow(["ec2:DescribeInstances", "ec2:StartInstances"])), policy(allow("ec2:DescribeInstances"))
    )
    markdown = render_diff(diff, "markdown")
    assert "| Granted but not used: candidates to remove | 1 |" in markdown
    assert "- **ec2** (1): StartInstances" in markdown


def test_long_groups_are_shortened_in_text() -> None:
    """A service with many actions lists a dozen and says how many more."""
    diff = diff_policies(policy(allow("ec2:Describe*")), policy(allow("sts:GetCallerIdentity")))
    assert " more\n" in render_diff(diff)


def test_unknown_format_is_refused() -> None:
    """A format other than text, json and markdown raises ValueError."""
    diff = diff_policies(policy(allow("ec2:DescribeInstances")), policy(allow("ec2:DescribeInstances")))
    with pytest.raises(ValueError, match="not one of text, json, markdown"):
        render_diff(diff, "yaml")  # type: ignore[arg-type]
