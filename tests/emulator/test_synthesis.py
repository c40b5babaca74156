"""Policies generated from CloudTrail logs on disk: principals, regions, window, shape, limits, world."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from policygen.emulator import Emulator
from policygen.emulator.actions import actions_for, placeholders_for
from policygen.emulator.cloudtrail import MAX_POLICY_CHARS, Activity, Limits, policies, statements
from policygen.emulator.models import World
from policygen.emulator.samplelogs import write_sample_logs

from .helpers import ACCESS_ROLE, ACCOUNT, PRINCIPAL, TRAIL, make_client, start_request

USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


@pytest.fixture
def logs(tmp_path: Path) -> tuple[Path, Any]:
    """Three days of sample logs for a role and a user in two regions."""
    written = write_sample_logs(
        tmp_path, principal_arns=[PRINCIPAL, USER], account_id=ACCOUNT, regions=["us-east-1", "eu-west-1"], days=3
    )
    return tmp_path, written


def _generate(emu: Emulator, principal: str = PRINCIPAL, **get: bool) -> dict[str, Any]:
    client = make_client(emu.url)
    job_id = client.start_policy_generation(**start_request(principal, days=4))["jobId"]
    result: dict[str, Any] = client.get_generated_policy(jobId=job_id, **get)
    return result


def _actions(result: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for policy in result["generatedPolicyResult"]["generatedPolicies"]:
        for statement in json.loads(policy["policy"])["Statement"]:
            action = statement["Action"]
            found.update([action] if isinstance(action, str) else action)
    return found


@pytest.mark.parametrize("principal", [PRINCIPAL, USER])
def test_policy_holds_exactly_the_principals_actions(
    emulator_factory: Callable[..., Emulator], logs: tuple[Path, Any], principal: str
) -> None:
    """A role (via sessionIssuer) or a user (via userIdentity.arn) gets the actions it used, no more."""
    root, written = logs
    result = _generate(emulator_factory(cloudtrail_dir=root), principal)
    assert _actions(result) == written.actions[principal]
    assert "s3:GetObject" not in _actions(result), "data events are not part of generated policies"


def test_shape_is_access_analyzers(emulator_factory: Callable[..., Emulator], logs: tuple[Path, Any]) -> None:
    """Without placeholders: one SupportedServiceSid0 statement, actions sorted, Resource '*'."""
    root, _ = logs
    result = _generate(emulator_factory(cloudtrail_dir=root))
    (policy,) = result["generatedPolicyResult"]["generatedPolicies"]
    document = json.loads(policy["policy"])
    assert document["Version"] == "2012-10-17"
    (statement,) = document["Statement"]
    assert statement["Sid"] == "SupportedServiceSid0"
    assert (statement["Effect"], statement["Resource"]) == ("Allow", "*")
    assert statement["Action"] == sorted(statement["Action"])
    properties = result["generatedPolicyResult"]["properties"]
    assert properties["isComplete"] is True
    assert properties["cloudTrailProperties"]["trailProperties"][0]["cloudTrailArn"] == TRAIL


def test_resource_placeholders_split_statements(
    emulator_factory: Callable[..., Emulator], logs: tuple[Path, Any]
) -> None:
    """With includeResourcePlaceholders, resource-level actions get ARN placeholders, numbered Sids."""
    root, _ = logs
    result = _generate(emulator_factory(cloudtrail_dir=root), includeResourcePlaceholders=True)
    found = json.loads(result["generatedPolicyResult"]["generatedPolicies"][0]["policy"])["Statement"]
    assert [s["Sid"] for s in found] == [f"SupportedServiceSid{n}" for n in range(len(found))]
    assert any("${" in s["Resource"] for s in found)


def test_regions_limit_what_is_read(emulator_factory: Callable[..., Emulator], logs: tuple[Path, Any]) -> None:
    """A trail limited to eu-west-1 does not see IAM calls, which are logged in us-east-1."""
    root, written = logs
    client = make_client(emulator_factory(cloudtrail_dir=root).url)
    job_id = client.start_policy_generation(**start_request(days=4, regions=["eu-west-1"]))["jobId"]
    actions = _actions(client.get_generated_policy(jobId=job_id))
    assert actions == written.actions[PRINCIPAL] - {"iam:GetRole"}


def _write(root: Path, records: list[dict[str, Any]], *, compress: bool) -> None:
    when = datetime.now(UTC)
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / when.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": records}).encode()
    name = f"{ACCOUNT}_CloudTrail_us-east-1_x.json"
    (folder / (name + ".gz" if compress else name)).write_bytes(gzip.compress(body) if compress else body)


def _event(source: str, name: str, when: datetime) -> dict[str, Any]:
    return {
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "eventType": "AwsApiCall",
        "awsRegion": "us-east-1",
        "userIdentity": {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"arn": PRINCIPAL}}},
    }


def test_window_and_plain_json(emulator_factory: Callable[..., Emulator], tmp_path: Path) -> None:
    """Plain .json files are read, and events outside startTime..endTime are left out."""
    now = datetime.now(UTC)
    _write(
        tmp_path,
        [
            _event("sqs.amazonaws.com", "GetQueueUrl", now - timedelta(minutes=5)),
            _event("sns.amazonaws.com", "Publish", now + timedelta(hours=1)),
        ],
        compress=False,
    )
    client = make_client(emulator_factory(cloudtrail_dir=tmp_path).url)
    job_id = client.start_policy_generation(**start_request(days=1))["jobId"]
    assert _actions(client.get_generated_policy(jobId=job_id)) == {"sqs:GetQueueUrl"}


def test_unmappable_activity_is_incomplete_with_template(
    emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """Activity from a non-AWS event source makes isComplete false and shows in the service-level template."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    _write(
        tmp_path, [_event("kms.amazonaws.com", "Decrypt", now), _event("partner.example.com", "Do", now)], compress=True
    )
    result = _generate(emulator_factory(cloudtrail_dir=tmp_path), includeServiceLevelTemplate=True)
    assert result["generatedPolicyResult"]["properties"]["isComplete"] is False
    sids = [
        s["Sid"] for s in json.loads(result["generatedPolicyResult"]["generatedPolicies"][0]["policy"])["Statement"]
    ]
    assert sids == ["SupportedServiceSid0", "ServiceLevelTemplateSid0"]


def test_too_much_data_fails_the_job(emulator_factory: Callable[..., Emulator], logs: tuple[Path, Any]) -> None:
    """More log files than the limit makes the job FAILED with SERVICE_QUOTA_EXCEEDED_ERROR."""
    root, _ = logs
    details = _generate(emulator_factory(cloudtrail_dir=root, limits=Limits(max_files=2)))["jobDetails"]
    assert details["status"] == "FAILED"
    assert details["jobError"]["code"] == "SERVICE_QUOTA_EXCEEDED_ERROR"


def test_unknown_trail_fails_the_job(emulator_factory: Callable[..., Emulator]) -> None:
    """A trail the world does not know makes the job FAILED with RESOURCE_NOT_FOUND_ERROR."""
    world = World(access_roles=frozenset({ACCESS_ROLE}), trails=frozenset())
    details = _generate(emulator_factory(world=world))["jobDetails"]
    assert (details["status"], details["jobError"]["code"]) == ("FAILED", "RESOURCE_NOT_FOUND_ERROR")


def test_no_logs_configured_means_no_policy(client: Any) -> None:
    """Without a CloudTrail folder, jobs succeed with no generated policies."""
    job_id = client.start_policy_generation(**start_request())["jobId"]
    assert client.get_generated_policy(jobId=job_id)["generatedPolicyResult"]["generatedPolicies"] == []


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("s3.amazonaws.com", "ListBuckets", ("s3:ListAllMyBuckets",)),
        ("s3.amazonaws.com", "CopyObject", ("s3:GetObject", "s3:PutObject")),
        ("lambda.amazonaws.com", "GetFunction20150331v2", ("lambda:GetFunction",)),
        ("monitoring.amazonaws.com", "DescribeAlarms", ("cloudwatch:DescribeAlarms",)),
        ("dynamodb.amazonaws.com", "DescribeTable", ("dynamodb:DescribeTable",)),
        ("partner.example.com", "Do", ()),
    ],
)
def test_event_to_action_mapping(source: str, name: str, expected: tuple[str, ...]) -> None:
    """Event source and name map to IAM actions, with the documented exceptions."""
    assert actions_for(source, name) == expected


def test_placeholders_follow_the_partition() -> None:
    """Placeholders use the principal's partition; actions without resource-level permissions get '*'."""
    assert placeholders_for("dynamodb:DescribeTable", "aws-cn") == (
        "arn:aws-cn:dynamodb:${Region}:${Account}:table/${TableName}",
    )
    assert placeholders_for("ec2:DescribeInstances") == ("*",)


def test_large_policies_are_split() -> None:
    """A policy over IAM's 6,144-character limit is split into several, each within it."""
    activity = Activity(frozenset(f"ec2:DescribeSomething{n:04d}" for n in range(600)), frozenset())
    documents = policies(
        statements(activity, partition="aws", resource_placeholders=False, service_level_template=False)
    )
    assert len(documents) > 1
    assert all(len(document) <= MAX_POLICY_CHARS for document in documents)
    statements_found = [s for d in documents for s in json.loads(d)["Statement"]]
    assert sum(len(s["Action"]) for s in statements_found) == 600
