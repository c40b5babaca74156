"""ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted at the endpoint, driven by unmodified boto3.

The logic is :mod:`policygen.policy`'s (tests/policy covers it case by case); these tests show the
wire: routes, the model's shapes, pagination, the policy type, and the errors AWS answers with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator
from policygen.emulator.models import World
from policygen.policy.validate import IDENTITY_POLICY_QUOTA
from tests.policy.helpers import BUCKET, allow, deny, policy

from .helpers import assert_conforms, assert_error_conforms, make_client, unvalidated_client

IDENTITY = "IDENTITY_POLICY"
READ_OBJECTS = policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]))
#: A policy with three findings: an unknown action (ERROR), a repeated action, and a resource that is no ARN.
FLAWED = policy(allow(["s3:GetObjekt", "s3:GetObject", "s3:GetObject"], [f"{BUCKET}/*", "app-data"]))


def findings_of(client: Any, document: str, policy_type: str = IDENTITY, **kwargs: Any) -> list[dict[str, Any]]:
    """Every finding of ValidatePolicy, all pages (through boto3's own paginator)."""
    pages = client.get_paginator("validate_policy").paginate(policyDocument=document, policyType=policy_type, **kwargs)
    return [finding for page in pages for finding in page["findings"]]


# ---- ValidatePolicy -----------------------------------------------------------------------------


def test_validate_policy_of_a_clean_policy_has_no_findings(client: Any) -> None:
    """A least-privilege policy is answered 200 with an empty list of findings, in the model's shape."""
    response = client.validate_policy(policyDocument=READ_OBJECTS, policyType=IDENTITY)
    assert_conforms("ValidatePolicy", response)
    assert response["findings"] == []
    assert "nextToken" not in response


def test_validate_policy_locates_an_invalid_action(client: Any) -> None:
    """An unknown action is an ERROR INVALID_ACTION with its path and span in the text, and a link."""
    response = client.validate_policy(policyDocument=FLAWED, policyType=IDENTITY)
    assert_conforms("ValidatePolicy", response)
    invalid = next(f for f in response["findings"] if f["issueCode"] == "INVALID_ACTION")
    assert invalid["findingType"] == "ERROR"
    assert "s3:GetObject" in invalid["findingDetails"]  # "Did you mean s3:GetObject?"
    assert invalid["learnMoreLink"].startswith("https://docs.aws.amazon.com/IAM/latest/UserGuide/")
    (location,) = invalid["locations"]
    assert location["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 0}]
    start, end = location["span"]["start"]["offset"], location["span"]["end"]["offset"]
    assert FLAWED[start:end] == '"s3:GetObjekt"'


def test_validate_policy_reports_broken_json_as_a_finding(client: Any) -> None:
    """Broken JSON is not an error of the call: it is one JSON_SYNTAX_ERROR finding, as AWS answers it."""
    response = client.validate_policy(policyDocument='{"Version": "2012-10-17",', policyType=IDENTITY)
    assert_conforms("ValidatePolicy", response)
    assert [f["issueCode"] for f in response["findings"]] == ["JSON_SYNTAX_ERROR"]


def test_validate_policy_pages_through_max_results_and_next_token(client: Any) -> None:
    """maxResults cuts the findings into pages joined by nextToken; the pages add up to the whole list."""
    whole = client.validate_policy(policyDocument=FLAWED, policyType=IDENTITY)["findings"]
    assert len(whole) >= 3
    first = client.validate_policy(policyDocument=FLAWED, policyType=IDENTITY, maxResults=1)
    assert_conforms("ValidatePolicy", first)
    assert first["findings"] == whole[:1]
    assert first["nextToken"]
    assert findings_of(client, FLAWED, PaginationConfig={"PageSize": 1}) == whole


def test_validate_policy_refuses_a_token_of_another_request(client: Any) -> None:
    """A nextToken is honoured only with the document and type it came from; a made-up one is refused too."""
    token = client.validate_policy(policyDocument=FLAWED, policyType=IDENTITY, maxResults=1)["nextToken"]
    other = policy(allow("*"))
    for document, next_token in ((other, token), (FLAWED, "not-a-token")):
        with pytest.raises(ClientError) as caught:
            client.validate_policy(policyDocument=document, policyType=IDENTITY, nextToken=next_token)
        assert_error_conforms(caught.value, "ValidationException")
        assert caught.value.response["message"].startswith("Invalid pagination token")


def test_validate_policy_refuses_max_results_below_one(client: Any) -> None:
    """maxResults 0 is a ValidationException naming the member, worded as AWS words constraints."""
    with pytest.raises(ClientError) as caught:
        client.validate_policy(policyDocument=FLAWED, policyType=IDENTITY, maxResults=0)
    assert_error_conforms(caught.value, "ValidationException")
    assert caught.value.response["fieldList"][0]["name"] == "maxResults"


def test_validate_policy_honours_the_policy_type(client: Any) -> None:
    """A Principal is an error in an identity policy and required in a resource policy."""
    bucket_policy = policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": "arn:aws:iam::123456789012:root"}))
    as_identity = {f["issueCode"] for f in findings_of(client, bucket_policy, IDENTITY)}
    as_resource = {f["issueCode"] for f in findings_of(client, bucket_policy, "RESOURCE_POLICY")}
    assert "UNSUPPORTED_PRINCIPAL" in as_identity
    assert "UNSUPPORTED_PRINCIPAL" not in as_resource
    assert "MISSING_PRINCIPAL" in {f["issueCode"] for f in findings_of(client, READ_OBJECTS, "RESOURCE_POLICY")}


def test_validate_policy_warns_of_a_policy_over_the_identity_quota(client: Any) -> None:
    """A draft over IAM's 6,144 characters gets the size warning, which is what the service's split avoids."""
    arns = [f"{BUCKET}/prefix-{i:04d}/*" for i in range(IDENTITY_POLICY_QUOTA // 30)]
    findings = findings_of(client, policy(allow("s3:GetObject", arns)))
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" in {f["issueCode"] for f in findings}


def test_validate_policy_needs_its_required_members(emulator: Emulator) -> None:
    """Without policyType the endpoint answers the model's 'Member must not be null'."""
    with pytest.raises(ClientError) as caught:
        unvalidated_client(emulator.url).validate_policy(policyDocument=READ_OBJECTS)
    assert_error_conforms(caught.value, "ValidationException")
    assert "at 'policyType' failed to satisfy constraint: Member must not be null" in caught.value.response["message"]


# ---- CheckNoNewAccess ---------------------------------------------------------------------------


def test_check_no_new_access_passes_a_narrower_policy(client: Any) -> None:
    """Dropping an action is no new access: PASS with AWS's message and no reasons."""
    narrower = policy(allow("s3:GetObject", f"{BUCKET}/*"))
    response = client.check_no_new_access(
        newPolicyDocument=narrower, existingPolicyDocument=READ_OBJECTS, policyType=IDENTITY
    )
    assert_conforms("CheckNoNewAccess", response)
    assert response["result"] == "PASS"
    assert response["message"] == "The modified permissions do not grant new access compared to your existing policy."
    assert "reasons" not in response


def test_check_no_new_access_fails_with_the_statement_that_grants_more(client: Any) -> None:
    """An added action fails, with a reason naming the statement by index and Sid."""
    new = policy(allow("s3:GetObject", f"{BUCKET}/*"), allow("s3:DeleteObject", f"{BUCKET}/*", Sid="Delete"))
    response = client.check_no_new_access(
        newPolicyDocument=new, existingPolicyDocument=READ_OBJECTS, policyType=IDENTITY
    )
    assert_conforms("CheckNoNewAccess", response)
    assert response["result"] == "FAIL"
    (reason,) = response["reasons"]
    assert (reason["statementIndex"], reason["statementId"]) == (1, "Delete")
    assert "s3:DeleteObject" in reason["description"]


def test_check_no_new_access_expands_wildcards_and_honours_deny(client: Any) -> None:
    """s3:Get* covers s3:GetObject; a new s3:* is no new access when a Deny takes back all but the reads."""
    existing = policy(allow(["s3:Get*", "s3:List*"]))
    narrowed = policy(allow("s3:*"), deny(["s3:Get*", "s3:List*"], not_action=True))
    for new in (policy(allow("s3:GetObject")), narrowed):
        answer = client.check_no_new_access(newPolicyDocument=new, existingPolicyDocument=existing, policyType=IDENTITY)
        assert answer["result"] == "PASS", answer
    broader = client.check_no_new_access(
        newPolicyDocument=policy(allow("s3:*")), existingPolicyDocument=existing, policyType=IDENTITY
    )
    assert broader["result"] == "FAIL"


def test_check_no_new_access_reads_not_action_as_everything_else(client: Any) -> None:
    """Allow with NotAction grants every other action, so it is new access against a list of reads."""
    new = policy(allow("iam:*", not_action=True))
    response = client.check_no_new_access(
        newPolicyDocument=new, existingPolicyDocument=READ_OBJECTS, policyType=IDENTITY
    )
    assert response["result"] == "FAIL"


@pytest.mark.parametrize("member", ["newPolicyDocument", "existingPolicyDocument"])
def test_check_no_new_access_refuses_an_unreadable_policy(client: Any, member: str) -> None:
    """A policy with broken JSON is a 400 ValidationException naming the member and where the error is."""
    documents = {"newPolicyDocument": READ_OBJECTS, "existingPolicyDocument": READ_OBJECTS, member: '{"Statement": ['}
    with pytest.raises(ClientError) as caught:
        client.check_no_new_access(**documents, policyType=IDENTITY)
    assert_error_conforms(caught.value, "ValidationException")
    response = caught.value.response
    assert response["reason"] == "fieldValidationFailed"
    assert response["fieldList"] == [{"name": member, "message": "The policy document is not valid."}]
    assert response["message"].startswith(f"Invalid {member}: the policy document is not valid. At line 1, column")


def test_check_no_new_access_refuses_a_policy_with_grammar_errors(client: Any) -> None:
    """A statement without Effect cannot be compared: ValidationException with the grammar error."""
    broken = policy({"Action": "s3:GetObject", "Resource": "*"})
    with pytest.raises(ClientError) as caught:
        client.check_no_new_access(newPolicyDocument=broken, existingPolicyDocument=READ_OBJECTS, policyType=IDENTITY)
    assert_error_conforms(caught.value, "ValidationException")
    assert "Effect" in caught.value.response["message"]


def test_access_checks_take_only_identity_and_resource_policies(client: Any) -> None:
    """policyType SERVICE_CONTROL_POLICY is outside the access checks' enum: the model's ValidationException."""
    with pytest.raises(ClientError) as caught:
        client.check_no_new_access(
            newPolicyDocument=READ_OBJECTS, existingPolicyDocument=READ_OBJECTS, policyType="SERVICE_CONTROL_POLICY"
        )
    assert_error_conforms(caught.value, "ValidationException")
    assert "Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]" in caught.value.response["message"]


# ---- CheckAccessNotGranted ----------------------------------------------------------------------


def test_check_access_not_granted_passes_when_no_listed_action_is_granted(client: Any) -> None:
    """Reads of one bucket grant none of the IAM actions listed: PASS in the model's shape."""
    response = client.check_access_not_granted(
        policyDocument=READ_OBJECTS, access=[{"actions": ["iam:PassRole", "s3:DeleteObject"]}], policyType=IDENTITY
    )
    assert_conforms("CheckAccessNotGranted", response)
    assert response["result"] == "PASS"
    assert response["message"] == "The policy document does not grant access to perform the listed actions."


def test_check_access_not_granted_fails_for_a_wildcard_that_covers_a_listed_action(client: Any) -> None:
    """iam:Put* grants iam:PutRolePolicy: FAIL, with the statement and the action in the reason."""
    document = policy(allow("s3:GetObject", f"{BUCKET}/*"), allow("iam:Put*", Sid="Iam"))
    response = client.check_access_not_granted(
        policyDocument=document, access=[{"actions": ["iam:PutRolePolicy"]}], policyType=IDENTITY
    )
    assert_conforms("CheckAccessNotGranted", response)
    assert response["result"] == "FAIL"
    (reason,) = response["reasons"]
    assert (reason["statementIndex"], reason["statementId"]) == (1, "Iam")
    assert "iam:PutRolePolicy" in reason["description"]


def test_check_access_not_granted_honours_deny(client: Any) -> None:
    """An unconditional Deny of the listed action takes it back from an s3:* grant."""
    document = policy(allow("s3:*"), deny("s3:PutBucketPolicy"))
    response = client.check_access_not_granted(
        policyDocument=document, access=[{"actions": ["s3:PutBucketPolicy"]}], policyType=IDENTITY
    )
    assert response["result"] == "PASS"


def test_check_access_not_granted_checks_resources(client: Any) -> None:
    """With resources only, any action on one of them counts; another bucket's objects do not."""
    here = [{"resources": [f"{BUCKET}/report.csv"]}]
    elsewhere = [{"resources": ["arn:aws:s3:::other-bucket/report.csv"]}]
    assert (
        client.check_access_not_granted(policyDocument=READ_OBJECTS, access=here, policyType=IDENTITY)["result"]
        == "FAIL"
    )
    response = client.check_access_not_granted(policyDocument=READ_OBJECTS, access=elsewhere, policyType=IDENTITY)
    assert response["result"] == "PASS"
    assert response["message"] == "The policy document does not grant access to perform the listed resources."


def test_check_access_not_granted_refuses_an_empty_access_object(client: Any) -> None:
    """An access object with neither actions nor resources asks nothing: ValidationException naming it."""
    with pytest.raises(ClientError) as caught:
        client.check_access_not_granted(policyDocument=READ_OBJECTS, access=[{}], policyType=IDENTITY)
    assert_error_conforms(caught.value, "ValidationException")
    assert caught.value.response["fieldList"][0]["name"] == "access.1.member"


def test_check_access_not_granted_refuses_an_unreadable_policy(client: Any) -> None:
    """Broken JSON in policyDocument is a ValidationException naming policyDocument."""
    with pytest.raises(ClientError) as caught:
        client.check_access_not_granted(
            policyDocument="[1, 2", access=[{"actions": ["iam:PassRole"]}], policyType=IDENTITY
        )
    assert_error_conforms(caught.value, "ValidationException")
    assert caught.value.response["fieldList"][0]["name"] == "policyDocument"


def test_checks_obey_the_worlds_denied_callers(emulator_factory: Callable[..., Emulator]) -> None:
    """A caller the world denies gets AccessDeniedException naming the check's action, as for the other operations."""
    client = make_client(emulator_factory(world=World(denied_access_keys=frozenset({"AKIDEXAMPLE"}))).url)
    with pytest.raises(ClientError) as caught:
        client.validate_policy(policyDocument=READ_OBJECTS, policyType=IDENTITY)
    assert_error_conforms(caught.value, "AccessDeniedException")
    assert "access-analyzer:ValidatePolicy" in caught.value.response["message"]


# ---- the AWS CLI --------------------------------------------------------------------------------

#: The AWS CLI the dev extras install beside this interpreter (as in test_awscli.py).
AWS = Path(sys.executable).parent / "aws"


@pytest.mark.skipif(not AWS.exists(), reason=f"the AWS CLI is not installed at {AWS} (pip install -e '.[dev]')")
def test_the_three_checks_through_the_aws_cli(emulator: Emulator, tmp_path: Path) -> None:
    """validate-policy (paginated by the CLI), check-no-new-access and check-access-not-granted answer the CLI."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    draft, current = tmp_path / "draft.json", tmp_path / "current.json"
    draft.write_text(FLAWED)
    current.write_text(READ_OBJECTS)

    def aws(*args: str) -> Any:
        result = subprocess.run(
            [str(AWS), "accessanalyzer", *args, "--endpoint-url", emulator.url, "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    validated = aws(
        "validate-policy", "--policy-type", IDENTITY, "--policy-document", f"file://{draft}", "--page-size", "1"
    )
    assert "INVALID_ACTION" in {f["issueCode"] for f in validated["findings"]}
    assert len(validated["findings"]) >= 3  # the CLI followed nextToken across pages of one
    new_access = aws(
        "check-no-new-access",
        "--policy-type",
        IDENTITY,
        "--new-policy-document",
        f"file://{draft}",
        "--existing-policy-document",
        f"file://{current}",
    )
    assert new_access["result"] == "FAIL"
    not_granted = aws(
        "check-access-not-granted",
        "--policy-type",
        IDENTITY,
        "--policy-document",
        f"file://{current}",
        "--access",
        "actions=iam:PassRole,iam:CreateAccessKey",
    )
    assert not_granted["result"] == "PASS"
