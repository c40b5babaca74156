"""policygen's own advice on wildcards: kept apart from ValidatePolicy, labelled as policygen's."""

from __future__ import annotations

from policygen.policy.advice import ADVICE_CODES, LEAST_PRIVILEGE, advise
from policygen.policy.findings import CHECKS
from tests.policy.helpers import BUCKET, allow, deny, policy


def _codes(text: str) -> list[str]:
    return [a.code for a in advise(text)]


def test_no_advice_code_is_an_aws_issue_code() -> None:
    """policygen's codes carry its prefix and none of them is among AWS's checks."""
    assert all(code.startswith("policygen:") and code not in CHECKS for code in ADVICE_CODES)


def test_everything_on_everything_is_administrator_access() -> None:
    """`"Action": "*"` on `"*"` is the allow-everything advice, and nothing more."""
    assert _codes(policy(allow("*"))) == ["policygen:allow-everything"]


def test_wildcard_action_is_named() -> None:
    """`s3:Get*` in an Allow is the wildcard-action advice."""
    assert _codes(policy(allow("s3:Get*", f"{BUCKET}/*"))) == ["policygen:wildcard-action"]


def test_star_resource_for_scopable_actions() -> None:
    """s3:GetObject on `*` is the wildcard-resource advice; sts:GetCallerIdentity (no resource types) is not."""
    assert _codes(policy(allow("s3:GetObject"))) == ["policygen:wildcard-resource"]
    assert _codes(policy(allow("sts:GetCallerIdentity"))) == []


def test_allow_with_not_action_points_at_the_key() -> None:
    """Allow with NotAction is the allow-not-action advice, located at the NotAction key."""
    advice = advise(policy(allow("iam:*", not_action=True)))
    assert [a.code for a in advice] == ["policygen:allow-not-action"]
    assert advice[0].location.path[-1] == ("key", "NotAction")


def test_denies_get_no_advice() -> None:
    """Broad denies are good: no advice for them."""
    assert _codes(policy(allow("s3:GetObject", f"{BUCKET}/*"), deny("s3:Delete*"))) == []


def test_advice_says_it_is_policygens() -> None:
    """The JSON form names policygen as the source and links IAM's least-privilege advice."""
    shown = advise(policy(allow("*")))[0].to_dict()
    assert shown["source"] == "policygen"
    assert shown["learnMoreLink"] == LEAST_PRIVILEGE
