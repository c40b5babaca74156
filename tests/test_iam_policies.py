"""The IAM policy builders: exact documents, argument checks, and parliament's verdict."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from policygen.aws.iam import (
    deployer_policy,
    generation_role_trust_policy,
    log_folder,
    organization_bucket_policy_statements,
    organization_key_policy_statements,
    service_role_policy,
    trust_policy,
)
from policygen.errors import IamPolicyError

with warnings.catch_warnings():
    # parliament 1.6 imports pkg_resources, which warns; pyproject turns warnings into errors.
    warnings.simplefilter("ignore")
    import parliament
    from parliament.community_auditors import __file__ as _community_init

ACCOUNT = "123456789012"
TRAIL_ACCOUNT = "210987654321"
ORG = "o-a1b2c3d4e5"
BUCKET = "arn:aws:s3:::org-trail-logs"
TRAIL = f"arn:aws:cloudtrail:eu-west-1:{TRAIL_ACCOUNT}:trail/organization"
KEY = f"arn:aws:kms:eu-west-1:{TRAIL_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AccessAnalyzerMonitorServiceRole_x"

#: Findings of MEDIUM or above that parliament raises on purpose-built documents, and why they stand.
IGNORED_FINDINGS = {
    # parliament lints identity policies only; a trust policy has Principal and no Resource by design.
    "trust": {"MALFORMED"},
    # parliament reads the four resource types of iam:GenerateServiceLastAccessedDetails (group,
    # policy, role, user) as all required; AWS authorizes the one entity named in the call, and
    # policy generation is only ever for roles and users, so groups and policies are left out.
    "service_role": {"RESOURCE_MISMATCH"},
    # Passing the access role is the deployer's job; it is limited to the named roles and to
    # Access Analyzer (iam:PassedToService).
    "deployer": {"PERMISSIONS_MANAGEMENT_ACTIONS"},
}


def lint(document: dict[str, Any], kind: str) -> list[tuple[str, str, Any]]:
    """parliament's findings (with community auditors) of MEDIUM or above not ignored for ``kind``."""
    parliament.override_config(_community_init.replace("__init__.py", "config_override.yaml"))
    policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=True)
    findings = [parliament.enhance_finding(f) for f in policy.findings]
    return [
        (f.issue, f.severity, f.detail)
        for f in findings
        if f.severity in {"MEDIUM", "HIGH", "CRITICAL"} and f.issue not in IGNORED_FINDINGS.get(kind, set())
    ]


def as_policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """Statements wrapped in a policy document, for parliament."""
    return {"Version": "2012-10-17", "Statement": statements}


def test_trust_policy_lets_access_analyzer_assume_for_this_account_only() -> None:
    """The trust policy names Access Analyzer and pins aws:SourceAccount and aws:SourceArn to the account."""
    assert trust_policy(account_id=ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccessAnalyzerAssumesForThisAccountOnly",
                "Effect": "Allow",
                "Principal": {"Service": "access-analyzer.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:access-analyzer:*:{ACCOUNT}:*"},
                },
            }
        ],
    }


def test_trust_policy_uses_the_partition() -> None:
    """Another partition appears in the aws:SourceArn pattern."""
    doc = trust_policy(account_id=ACCOUNT, partition="aws-us-gov")
    condition = doc["Statement"][0]["Condition"]["ArnLike"]
    assert condition == {"aws:SourceArn": f"arn:aws-us-gov:access-analyzer:*:{ACCOUNT}:*"}


def test_service_role_policy_for_an_account_trail() -> None:
    """Without trails or key: GetTrail on the account's trails, logs under AWSLogs/<account>/, no KMS."""
    assert service_role_policy(trail_bucket_arn="arn:aws:s3:::trail-logs", account_id=ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTrail",
                "Effect": "Allow",
                "Action": "cloudtrail:GetTrail",
                "Resource": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*",
            },
            {
                "Sid": "GenerateServiceLastAccessedDetails",
                "Effect": "Allow",
                "Action": "iam:GenerateServiceLastAccessedDetails",
                "Resource": [f"arn:aws:iam::{ACCOUNT}:role/*", f"arn:aws:iam::{ACCOUNT}:user/*"],
            },
            {
                "Sid": "GetServiceLastAccessedDetails",
                "Effect": "Allow",
                "Action": "iam:GetServiceLastAccessedDetails",
                "Resource": "*",
            },
            {
                "Sid": "ListTrailLogs",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::trail-logs",
                "Condition": {"StringLike": {"s3:prefix": f"AWSLogs/{ACCOUNT}/*"}},
            },
            {
                "Sid": "ReadTrailLogs",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::trail-logs/AWSLogs/{ACCOUNT}/*",
            },
        ],
    }


def test_service_role_policy_for_an_encrypted_organization_trail() -> None:
    """With an org trail, prefix and key: GetTrail on the trail, the org log folder, kms:Decrypt via S3 only."""
    doc = service_role_policy(
        trail_bucket_arn=BUCKET,
        account_id=ACCOUNT,
        trail_arns=[TRAIL],
        kms_key_arn=KEY,
        organization_id=ORG,
        log_prefix="/central/",
    )
    statements = {s["Sid"]: s for s in doc["Statement"]}
    assert list(statements) == [
        "ReadTrail",
        "GenerateServiceLastAccessedDetails",
        "GetServiceLastAccessedDetails",
        "ListTrailLogs",
        "ReadTrailLogs",
        "DecryptTrailLogs",
    ]
    assert statements["ReadTrail"]["Resource"] == TRAIL
    folder = f"central/AWSLogs/{ORG}/{ACCOUNT}/"
    assert statements["ListTrailLogs"]["Condition"] == {"StringLike": {"s3:prefix": f"{folder}*"}}
    assert statements["ReadTrailLogs"]["Resource"] == f"{BUCKET}/{folder}*"
    assert statements["DecryptTrailLogs"] == {
        "Sid": "DecryptTrailLogs",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": KEY,
        "Condition": {
            "StringEquals": {
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                "kms:EncryptionContext:aws:cloudtrail:arn": TRAIL,
            }
        },
    }


def test_decrypt_without_trails_has_no_encryption_context() -> None:
    """A key without trail ARNs grants kms:Decrypt via S3 in the key's Region, for any trail's logs."""
    doc = service_role_policy(trail_bucket_arn=BUCKET, account_id=ACCOUNT, kms_key_arn=KEY, bucket_region="eu-west-2")
    assert doc["Statement"][-1]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-2.amazonaws.com"}}


def test_several_trails_are_listed() -> None:
    """Several trail ARNs scope GetTrail as a list, without duplicates."""
    other = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"
    doc = service_role_policy(trail_bucket_arn=BUCKET, account_id=ACCOUNT, trail_arns=[TRAIL, other, TRAIL])
    assert doc["Statement"][0]["Resource"] == [TRAIL, other]


def test_references_pass_through_unchecked() -> None:
    """Terraform references (cdktf tokens, ${...}) are copied as they are, wherever a value is expected."""
    doc = service_role_policy(
        trail_bucket_arn="${aws_s3_bucket.logs.arn}",
        account_id="${data.aws_caller_identity.current.account_id}",
        kms_key_arn="${aws_kms_key.logs.arn}",
        bucket_region="us-east-1",
    )
    assert doc["Statement"][4]["Resource"] == (
        "${aws_s3_bucket.logs.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"
    )
    assert doc["Statement"][5]["Resource"] == "${aws_kms_key.logs.arn}"


def test_a_key_reference_needs_the_bucket_region() -> None:
    """When the key ARN is a reference, its Region is unknown: bucket_region is required."""
    with pytest.raises(ValueError, match="pass bucket_region"):
        service_role_policy(trail_bucket_arn=BUCKET, account_id=ACCOUNT, kms_key_arn="${aws_kms_key.logs.arn}")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"account_id": "12345"}, "not an AWS account id"),
        ({"trail_arns": TRAIL}, "not one string"),
        ({"trail_arns": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"]}, "not a CloudTrail trail ARN"),
        ({"trail_arns": [BUCKET]}, "not a CloudTrail trail ARN"),
        ({"organization_id": "my-org"}, "not an AWS Organizations id"),
    ],
)
def test_service_role_policy_refuses_bad_arguments(arguments: dict[str, Any], message: str) -> None:
    """Malformed account ids, trail ARNs and organisation ids are refused with the argument's name."""
    with pytest.raises(ValueError, match=message):
        service_role_policy(**{"trail_bucket_arn": BUCKET, "account_id": ACCOUNT, **arguments})


def test_log_folder_forms() -> None:
    """The log folder is [prefix/]AWSLogs/[org/]account/, whatever slashes the prefix has."""
    assert log_folder(account_id=ACCOUNT) == f"AWSLogs/{ACCOUNT}/"
    assert log_folder(account_id=ACCOUNT, organization_id=ORG, log_prefix="a/b/") == f"a/b/AWSLogs/{ORG}/{ACCOUNT}/"
    assert log_folder(account_id=ACCOUNT, log_prefix="/") == f"AWSLogs/{ACCOUNT}/"


def test_organization_bucket_statements_name_the_role_and_its_folder() -> None:
    """The bucket statements grant only the access role, only this account's log folder."""
    assert organization_bucket_policy_statements(
        role_arn=ROLE, trail_bucket_arn=BUCKET, account_id=ACCOUNT, organization_id=ORG
    ) == [
        {
            "Sid": f"AccessAnalyzerListTrailLogs{ACCOUNT}",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "s3:ListBucket",
            "Resource": BUCKET,
            "Condition": {"StringLike": {"s3:prefix": f"AWSLogs/{ORG}/{ACCOUNT}/*"}},
        },
        {
            "Sid": f"AccessAnalyzerReadTrailLogs{ACCOUNT}",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/AWSLogs/{ORG}/{ACCOUNT}/*",
        },
    ]


def test_organization_key_statement_decrypts_the_trail_logs_via_s3_only() -> None:
    """The key statement allows the role kms:Decrypt of the trail's logs through S3 in the key's Region."""
    assert organization_key_policy_statements(
        role_arn=ROLE, trail_arns=[TRAIL], kms_key_arn=KEY, account_id=ACCOUNT
    ) == [
        {
            "Sid": f"AccessAnalyzerDecryptTrailLogs{ACCOUNT}",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                    "kms:EncryptionContext:aws:cloudtrail:arn": TRAIL,
                }
            },
        }
    ]


def test_organization_key_statement_needs_a_trail() -> None:
    """Without the trail's ARN the key statement cannot pin the encryption context."""
    with pytest.raises(IamPolicyError, match="trail_arns is empty"):
        organization_key_policy_statements(role_arn=ROLE, trail_arns=[], kms_key_arn=KEY, account_id=ACCOUNT)


def test_deployer_policy_in_one_region() -> None:
    """The four generation actions and the three checks in the Region, and PassRole to Access Analyzer only."""
    assert deployer_policy(access_role_arns=[ROLE], region="eu-west-1") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ManagePolicyGenerations",
                "Effect": "Allow",
                "Action": [
                    "access-analyzer:CancelPolicyGeneration",
                    "access-analyzer:GetGeneratedPolicy",
                    "access-analyzer:ListPolicyGenerations",
                    "access-analyzer:StartPolicyGeneration",
                ],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            },
            {
                "Sid": "RunPolicyChecks",
                "Effect": "Allow",
                "Action": [
                    "access-analyzer:CheckAccessNotGranted",
                    "access-analyzer:CheckNoNewAccess",
                    "access-analyzer:ValidatePolicy",
                ],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            },
            {
                "Sid": "PassAccessRolesToAccessAnalyzer",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": ROLE,
                "Condition": {"StringEquals": {"iam:PassedToService": "access-analyzer.amazonaws.com"}},
            },
        ],
    }


def test_deployer_policy_without_region_has_no_region_condition() -> None:
    """Without a Region the generation statement has no condition."""
    statement = deployer_policy(access_role_arns=[ROLE])["Statement"][0]
    assert "Condition" not in statement


def test_deployer_policy_in_several_regions() -> None:
    """Several Regions become a list in aws:RequestedRegion."""
    statement = deployer_policy(access_role_arns=[ROLE], region=["eu-west-1", "us-east-1"])["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}


def test_deployer_policy_builds_arns_from_names() -> None:
    """With account_id, role names (with path) become ARNs in the partition; duplicates collapse."""
    statement = deployer_policy(
        access_role_arns=["service-role/A", "B", f"arn:aws-cn:iam::{ACCOUNT}:role/B"],
        account_id=ACCOUNT,
        partition="aws-cn",
    )["Statement"][-1]
    assert statement["Resource"] == [
        f"arn:aws-cn:iam::{ACCOUNT}:role/service-role/A",
        f"arn:aws-cn:iam::{ACCOUNT}:role/B",
    ]


def test_deployer_policy_without_checks_leaves_them_out() -> None:
    """policy_checks=False: only the generation actions and PassRole."""
    sids = [s["Sid"] for s in deployer_policy(access_role_arns=[ROLE], policy_checks=False)["Statement"]]
    assert sids == ["ManagePolicyGenerations", "PassAccessRolesToAccessAnalyzer"]


def test_a_deployer_that_assumes_roles_may_assume_exactly_them() -> None:
    """assume_role_arns alone: sts:AssumeRole on the named roles and nothing of Access Analyzer."""
    roles = [f"arn:aws:iam::{a}:role/PolicyGeneration" for a in ("111111111111", "222222222222")]
    assert deployer_policy(assume_role_arns=roles, session_tags=True)["Statement"] == [
        {
            "Sid": "AssumePolicyGenerationRoles",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": roles,
        }
    ]


def test_the_generation_roles_trust_names_the_deployer_and_external_id() -> None:
    """The member account's role trusts the deployer only, with its ExternalId."""
    ci = "arn:aws:iam::999999999999:role/ci"
    assert generation_role_trust_policy(deployer_arns=[ci], external_id="ext-1")["Statement"] == [
        {
            "Sid": "DeployerAssumesForPolicyGeneration",
            "Effect": "Allow",
            "Principal": {"AWS": ci},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "ext-1"}},
        }
    ]
    with pytest.raises(ValueError, match="name each deployer"):
        generation_role_trust_policy(deployer_arns=["arn:aws:iam::*:role/ci"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"access_role_arns": []}, "is empty"),
        ({"access_role_arns": ROLE}, "not one string"),
        ({"access_role_arns": [f"arn:aws:iam::{ACCOUNT}:role/service-role/*"]}, "has a wildcard"),
        ({"access_role_arns": [f"arn:aws:iam::{ACCOUNT}:user/bob"]}, "not an IAM role ARN"),
        ({"access_role_arns": ["AccessAnalyzerMonitorServiceRole"]}, "pass account_id"),
        ({"access_role_arns": [ROLE], "account_id": TRAIL_ACCOUNT}, "not account_id"),
        ({"access_role_arns": [ROLE], "region": []}, "empty list"),
        ({"assume_role_arns": ["arn:aws:iam::*:role/PolicyGeneration"]}, "sts:AssumeRole must name each role"),
        ({"assume_role_arns": [f"arn:aws:iam::{ACCOUNT}:user/ci"]}, "role to assume"),
    ],
)
def test_deployer_policy_refuses_bad_arguments(arguments: dict[str, Any], message: str) -> None:
    """Empty lists, wildcards, non-role ARNs, bare names without an account and foreign roles are refused."""
    with pytest.raises(ValueError, match=message):
        deployer_policy(**arguments)


@pytest.mark.parametrize(
    ("kind", "document"),
    [
        ("trust", trust_policy(account_id=ACCOUNT)),
        ("service_role", service_role_policy(trail_bucket_arn=BUCKET, account_id=ACCOUNT)),
        (
            "service_role",
            service_role_policy(
                trail_bucket_arn=BUCKET, account_id=ACCOUNT, trail_arns=[TRAIL], kms_key_arn=KEY, organization_id=ORG
            ),
        ),
        (
            "bucket",
            as_policy(
                organization_bucket_policy_statements(
                    role_arn=ROLE, trail_bucket_arn=BUCKET, account_id=ACCOUNT, organization_id=ORG
                )
            ),
        ),
        (
            "key",
            as_policy(
                organization_key_policy_statements(
                    role_arn=ROLE, trail_arns=[TRAIL], kms_key_arn=KEY, account_id=ACCOUNT
                )
            ),
        ),
        ("deployer", deployer_policy(access_role_arns=[ROLE], region="eu-west-1")),
    ],
    ids=["trust", "account-trail", "org-trail-with-key", "bucket", "key", "deployer"],
)
def test_parliament_finds_nothing_of_medium_severity_or_above(kind: str, document: dict[str, Any]) -> None:
    """parliament (with community auditors) reports no MEDIUM+ finding beyond the documented ones."""
    assert lint(document, kind) == []


def test_parliament_ignores_are_still_needed() -> None:
    """Each ignored finding still occurs, so none of the ignores hides nothing."""
    documents = {
        "trust": trust_policy(account_id=ACCOUNT),
        "service_role": service_role_policy(trail_bucket_arn=BUCKET, account_id=ACCOUNT),
        "deployer": deployer_policy(access_role_arns=[ROLE]),
    }
    for kind, ignored in IGNORED_FINDINGS.items():
        parliament.override_config(_community_init.replace("__init__.py", "config_override.yaml"))
        policy = parliament.analyze_policy_string(json.dumps(documents[kind]), include_community_auditors=True)
        assert ignored <= {f.issue for f in policy.findings}, kind
