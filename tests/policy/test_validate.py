"""ValidatePolicy offline: catalogue checks and AWS's best-practice checks, with AWS's issue codes only."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.validate import ParamValidator

from policygen.policy.findings import CHECKS, FindingType
from policygen.policy.validate import IDENTITY_POLICY_QUOTA, findings_at_least, validate_policy
from tests.policy.helpers import BUCKET, ROLE, allow, codes, deny, policy

CLEAN = policy(
    allow(["s3:GetObject", "s3:PutObject"], f"{BUCKET}/*", Sid="Objects"),
    allow("s3:ListAllMyBuckets", "*", Sid="Buckets"),
)


def test_a_least_privilege_policy_has_no_findings() -> None:
    """Explicit actions on named resources (and `*` only where IAM allows nothing else) give no finding."""
    assert validate_policy(CLEAN) == []


def test_json_syntax_error_is_a_finding() -> None:
    """Broken JSON gives one JSON_SYNTAX_ERROR finding instead of an exception, as the API does."""
    findings = validate_policy('{"Version": "2012-10-17",}')
    assert codes(findings) == ["JSON_SYNTAX_ERROR"]
    assert findings[0].finding_type is FindingType.ERROR


def test_grammar_problems_are_findings() -> None:
    """The parser's grammar problems come back as findings."""
    assert "MISSING_EFFECT" in codes(validate_policy(policy({"Action": "s3:GetObject", "Resource": "*"})))


def test_unknown_action_is_invalid_with_a_suggestion() -> None:
    """A misspelt action is INVALID_ACTION, and the details suggest the close one."""
    findings = validate_policy(policy(allow("s3:GetObjekt", f"{BUCKET}/*")))
    assert codes(findings) == ["INVALID_ACTION"]
    assert findings[0].details == "The action s3:GetObjekt does not exist. Did you mean s3:GetObject?"


def test_action_in_another_case_is_valid() -> None:
    """`S3:getobject` is the known action s3:GetObject: IAM ignores case."""
    assert validate_policy(policy(allow("S3:getobject", f"{BUCKET}/*"))) == []


def test_unknown_service_is_invalid_service_in_action() -> None:
    """An action of a service that does not exist is INVALID_SERVICE_IN_ACTION."""
    findings = validate_policy(policy(allow("s4:GetObject", f"{BUCKET}/*")))
    assert codes(findings) == ["INVALID_SERVICE_IN_ACTION"]


def test_action_without_a_service_prefix_is_invalid() -> None:
    """An action without `service:` is INVALID_ACTION."""
    assert codes(validate_policy(policy(allow("GetObject", f"{BUCKET}/*")))) == ["INVALID_ACTION"]


def test_wildcard_matching_no_action_is_invalid() -> None:
    """`s3:Fetch*` matches no S3 action: INVALID_ACTION."""
    assert codes(validate_policy(policy(allow("s3:Fetch*", f"{BUCKET}/*")))) == ["INVALID_ACTION"]


def test_invalid_action_is_located_at_its_entry() -> None:
    """The finding points at the misspelt entry of the Action list."""
    text = policy(allow(["s3:GetObject", "s3:GetObjekt"], f"{BUCKET}/*"))
    location = validate_policy(text)[0].locations[0]
    assert location.to_dict()["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}]
    assert location.span.start.offset == text.index('"s3:GetObjekt"')


def test_action_covered_by_a_wildcard_is_redundant() -> None:
    """s3:GetObject next to s3:Get* is REDUNDANT_ACTION, on the s3:GetObject entry."""
    findings = validate_policy(policy(allow(["s3:Get*", "s3:GetObject"], f"{BUCKET}/*")))
    redundant = [f for f in findings if f.issue_code == "REDUNDANT_ACTION"]
    assert len(redundant) == 1
    assert redundant[0].locations[0].path[-1] == ("index", 1)


def test_same_action_in_another_case_is_redundant_once() -> None:
    """The later of two spellings of one action is the redundant one."""
    findings = validate_policy(policy(allow(["s3:GetObject", "S3:GETOBJECT"], f"{BUCKET}/*")))
    assert codes(findings) == ["REDUNDANT_ACTION"]
    assert findings[0].locations[0].path[-1] == ("index", 1)


def test_resource_covered_by_another_is_redundant() -> None:
    """An ARN covered by a wildcard ARN of the same statement is REDUNDANT_RESOURCE."""
    findings = validate_policy(policy(allow("s3:GetObject", [f"{BUCKET}/*", f"{BUCKET}/logs/a.txt"])))
    assert codes(findings) == ["REDUNDANT_RESOURCE"]


def test_pass_role_on_every_role_is_a_security_warning() -> None:
    """iam:PassRole on `*` is the PASS_ROLE_WITH_STAR_IN_RESOURCE security warning."""
    findings = [f for f in validate_policy(policy(allow("iam:PassRole"))) if f.issue_code.startswith("PASS_ROLE")]
    assert codes(findings) == ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    assert findings[0].finding_type is FindingType.SECURITY_WARNING


def test_pass_role_through_a_wildcard_action() -> None:
    """iam:Pass* on `*` is PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE."""
    assert "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE" in codes(validate_policy(policy(allow("iam:Pass*"))))


def test_pass_role_through_not_action_and_not_resource() -> None:
    """NotAction that spares iam:PassRole, with NotResource, is PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE."""
    findings = validate_policy(policy(allow("s3:*", BUCKET, not_action=True, not_resource=True)))
    assert "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE" in codes(findings)


def test_pass_role_on_a_named_role_is_fine() -> None:
    """iam:PassRole on one role ARN gives no finding."""
    assert validate_policy(policy(allow("iam:PassRole", ROLE))) == []


def test_pass_role_narrowed_by_passed_to_service_is_fine() -> None:
    """iam:PassRole on `*` with an iam:PassedToService condition gives no PassRole finding."""
    condition = {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    assert not any(
        c.startswith("PASS_ROLE") for c in codes(validate_policy(policy(allow("iam:PassRole", Condition=condition))))
    )


def test_not_action_excluding_pass_role_gives_no_pass_role_finding() -> None:
    """Allow NotAction iam:* on `*` spares iam:PassRole, so no PASS_ROLE finding."""
    findings = validate_policy(policy(allow("iam:*", not_action=True)))
    assert not any(c.startswith("PASS_ROLE") for c in codes(findings))


def test_create_service_linked_role_on_every_resource_is_a_warning() -> None:
    """iam:CreateServiceLinkedRole on `*` is the CREATE_SLR_WITH_STAR_IN_RESOURCE warning."""
    findings = [
        f
        for f in validate_policy(policy(allow("iam:CreateServiceLinkedRole")))
        if f.issue_code.startswith("CREATE_SLR")
    ]
    assert codes(findings) == ["CREATE_SLR_WITH_STAR_IN_RESOURCE"]
    assert findings[0].finding_type is FindingType.WARNING


def test_wildcards_are_not_findings() -> None:
    """Wildcard actions and `*` resources are no ValidatePolicy finding: AWS has no such check."""
    findings = validate_policy(policy(allow("s3:Get*", "*"), allow("ec2:*", "*")))
    assert findings == []
    assert all(code in CHECKS for code in codes(validate_policy(policy(allow("*")))))


def test_star_resource_for_actions_without_resource_types_is_fine() -> None:
    """sts:GetCallerIdentity on `*` gives no suggestion: it supports no narrower resource."""
    assert validate_policy(policy(allow("sts:GetCallerIdentity"))) == []


def test_wildcards_in_a_deny_are_fine() -> None:
    """A Deny with wildcard actions on `*` gives no wildcard finding: broad denies are good."""
    assert validate_policy(policy(allow("s3:GetObject", f"{BUCKET}/*"), deny("s3:Delete*"))) == []


def test_resource_that_is_no_arn_misses_fields() -> None:
    """A resource that is neither `*` nor an ARN is MISSING_ARN_FIELD, as AWS answers (not INVALID_ARN_PREFIX)."""
    assert codes(validate_policy(policy(allow("s3:GetObject", "app-data/*")))) == ["MISSING_ARN_FIELD"]


def test_six_fields_without_the_arn_prefix_is_an_invalid_prefix() -> None:
    """Six colon-separated fields that do not start with `arn` are INVALID_ARN_PREFIX."""
    assert codes(validate_policy(policy(allow("s3:GetObject", "aws:aws:s3:::app-data/*")))) == ["INVALID_ARN_PREFIX"]


def test_resource_with_too_few_fields_is_invalid() -> None:
    """An ARN with fewer than six fields is MISSING_ARN_FIELD."""
    assert codes(validate_policy(policy(allow("s3:GetObject", "arn:aws:s3")))) == ["MISSING_ARN_FIELD"]


def test_wildcard_in_the_service_of_an_arn_is_a_suggestion() -> None:
    """`arn:aws:*code*::...` is WILDCARD_IN_SERVICE_NAME."""
    findings = validate_policy(policy(allow("codecommit:GitPull", "arn:aws:*code*:us-east-1:123456789012:*")))
    assert codes(findings) == ["WILDCARD_IN_SERVICE_NAME"]


def test_wildcard_value_under_string_equals_is_a_warning() -> None:
    """A `*` in a StringEquals value is WILDCARD_WITHOUT_LIKE_OPERATOR."""
    condition = {"StringEquals": {"aws:PrincipalTag/team": "data-*"}}
    findings = validate_policy(policy(allow("s3:GetObject", f"{BUCKET}/*", Condition=condition)))
    assert codes(findings) == ["WILDCARD_WITHOUT_LIKE_OPERATOR"]


def test_repeated_statement_is_redundant() -> None:
    """A statement that repeats another but for its Sid is REDUNDANT_STATEMENT."""
    text = policy(allow("s3:GetObject", f"{BUCKET}/*", Sid="One"), allow("s3:GetObject", f"{BUCKET}/*", Sid="Two"))
    assert codes(validate_policy(text)) == ["REDUNDANT_STATEMENT"]


def test_policy_over_the_identity_quota_warns() -> None:
    """An identity policy over 6,144 characters (white space aside) gets the size warning."""
    arns = [f"{BUCKET}/prefix-{i:04d}/*" for i in range(IDENTITY_POLICY_QUOTA // 30)]
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in codes(validate_policy(policy(allow("s3:GetObject", arns))))


def test_indentation_does_not_count_towards_the_quota() -> None:
    """A small policy indented heavily stays under the quota: IAM does not count white space."""
    text = json.dumps(json.loads(CLEAN), indent=400)
    assert len(text) > IDENTITY_POLICY_QUOTA
    assert validate_policy(text) == []


def test_findings_come_in_the_order_of_the_text() -> None:
    """Findings are sorted by where they are in the policy."""
    text = policy(allow("s3:GetObjekt", f"{BUCKET}/*"), allow("s4:Get", f"{BUCKET}/*"))
    assert codes(validate_policy(text)) == ["INVALID_ACTION", "INVALID_SERVICE_IN_ACTION"]


def test_findings_at_least_keeps_the_severe_ones() -> None:
    """findings_at_least("SECURITY_WARNING") keeps security warnings and errors only."""
    findings = validate_policy(policy(allow(["iam:PassRole", "s3:GetObjekt", "s3:Get*"])))
    kept = {f.finding_type for f in findings_at_least(findings, "SECURITY_WARNING")}
    assert kept == {FindingType.ERROR, FindingType.SECURITY_WARNING}


def test_aws_checks_link_to_their_section_of_the_reference() -> None:
    """Each AWS check links to its anchor on the policy check reference page."""
    assert CHECKS["INVALID_ACTION"].learn_more_link.endswith(
        "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-invalid-action"
    )
    assert CHECKS["PASS_ROLE_WITH_NOT_RESOURCE"].learn_more_link.endswith(
        "-security-warning-pass-role-with-not-resource"
    )
    assert CHECKS["MISSING_VERSION"].learn_more_link.endswith("-general-warning-missing-version")


@pytest.mark.parametrize("text", [CLEAN, policy(allow(["iam:PassRole", "s3:GetObjekt"])), "{"])
def test_response_matches_the_botocore_model(text: str) -> None:
    """A ValidatePolicy response built from the findings is valid against botocore's output shape."""
    model = botocore.session.get_session().get_service_model("accessanalyzer")
    response = {"findings": [f.to_dict() for f in validate_policy(text)]}
    report = ParamValidator().validate(response, model.operation_model("ValidatePolicy").output_shape)
    assert not report.has_errors(), report.generate_report()
