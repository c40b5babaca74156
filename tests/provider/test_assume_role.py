"""The provider's assume_role block (issue 23, item 1): its rules and the settings it makes, without Terraform."""

from __future__ import annotations

import pytest

from policygen.provider.rules.assume_role import assume_role_of, assume_role_problems

ROLE = "arn:aws:iam::111111111111:role/PolicyGeneration"


def test_a_full_block_makes_the_assume_role_request() -> None:
    """Every field reaches STS's AssumeRole request under botocore's names."""
    role = assume_role_of(
        {
            "role_arn": ROLE,
            "session_name": "ci",
            "external_id": "ext-1",
            "duration": "30m",
            "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "tags": {"team": "platform"},
            "transitive_tag_keys": ["team"],
            "source_identity": "me",
        }
    )
    assert role is not None
    assert role.account == "111111111111"
    assert role.request() == {
        "RoleSessionName": "ci",
        "ExternalId": "ext-1",
        "DurationSeconds": 1800,
        "SourceIdentity": "me",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "Tags": [{"Key": "team", "Value": "platform"}],
        "TransitiveTagKeys": ["team"],
    }


def test_a_minimal_block_takes_the_defaults() -> None:
    """Only role_arn: session name policygen, the role's own duration."""
    role = assume_role_of({"role_arn": ROLE})
    assert role is not None
    assert role.request() == {"RoleSessionName": "policygen"}
    assert assume_role_of(None) is None


@pytest.mark.parametrize(
    ("block", "attribute", "words"),
    [
        ({"role_arn": "arn:aws:iam::111:role/x"}, "role_arn", "is not an IAM role ARN"),
        ({"role_arn": "arn:aws:iam::111111111111:user/x"}, "role_arn", "is not an IAM role ARN"),
        ({"role_arn": ROLE, "duration": "5m"}, "duration", "from 15m to 12h"),
        ({"role_arn": ROLE, "duration": "soon"}, "duration", "from 15m to 12h"),
        ({"role_arn": ROLE, "session_name": "has space"}, "session_name", "2-64 letters"),
        ({"role_arn": ROLE, "external_id": "x"}, "external_id", "2-1224"),
        ({"role_arn": ROLE, "policy_arns": ["a"] * 11}, "policy_arns", "at most 10"),
    ],
)
def test_a_bad_block_is_refused_naming_the_attribute(block: dict[str, object], attribute: str, words: str) -> None:
    """Each malformed field is one problem on its attribute, with the fix."""
    ((where, message),) = assume_role_problems(block)
    assert where == attribute
    assert words in message
