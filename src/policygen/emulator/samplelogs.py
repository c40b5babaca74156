"""Synthetic CloudTrail logs, relative to now, in the S3 delivery layout the endpoint reads.

For the demo and for tests: every principal gets a seeded "workload" (a subset of :data:`CATALOG`)
and calls it in every region on every day of the window, from assumed-role sessions for roles and
with access keys for users. Noise the generator must ignore is mixed in: another principal's calls,
S3 data events (``managementEvent: false``), and service events. Because the events are placed
relative to ``now``, the demo's window never goes stale.
"""

from __future__ import annotations

import gzip
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policygen.emulator.actions import actions_for


@dataclass(frozen=True)
class Call:
    """One API call of the catalog: where it goes, and whether CloudTrail logs it as a data event."""

    event_source: str
    event_name: str
    read_only: bool = True
    data_event: bool = False
    global_service: bool = False


#: The API calls workloads are drawn from; names are CloudTrail's, some map to other IAM actions.
CATALOG: tuple[Call, ...] = (
    Call("s3.amazonaws.com", "ListBuckets"),
    Call("s3.amazonaws.com", "GetBucketLocation"),
    Call("s3.amazonaws.com", "GetBucketEncryption"),
    Call("s3.amazonaws.com", "PutBucketLifecycle", read_only=False),
    Call("dynamodb.amazonaws.com", "DescribeTable"),
    Call("dynamodb.amazonaws.com", "ListTables"),
    Call("lambda.amazonaws.com", "GetFunction20150331v2"),
    Call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", read_only=False),
    Call("kms.amazonaws.com", "Decrypt"),
    Call("kms.amazonaws.com", "GenerateDataKey"),
    Call("secretsmanager.amazonaws.com", "GetSecretValue"),
    Call("ssm.amazonaws.com", "GetParameter"),
    Call("sqs.amazonaws.com", "GetQueueUrl"),
    Call("logs.amazonaws.com", "CreateLogStream", read_only=False),
    Call("ec2.amazonaws.com", "DescribeInstances"),
    Call("monitoring.amazonaws.com", "DescribeAlarms"),
    Call("sts.amazonaws.com", "GetCallerIdentity"),
    Call("iam.amazonaws.com", "GetRole", global_service=True),
)

#: Data events: logged, but not part of a generated policy.
DATA_EVENTS: tuple[Call, ...] = (
    Call("s3.amazonaws.com", "GetObject", data_event=True),
    Call("s3.amazonaws.com", "PutObject", read_only=False, data_event=True),
)

NOISE_PRINCIPAL = "role/OtherWorkload"


@dataclass
class SampleLogs:
    """What was written: the files, and the IAM actions each principal's policy should contain."""

    files: list[Path] = field(default_factory=list)
    actions: dict[str, set[str]] = field(default_factory=dict)


def _identity(principal_arn: str, account_id: str, rng: random.Random) -> dict[str, Any]:
    partition, resource = principal_arn.split(":")[1], principal_arn.split(":", 5)[5]
    kind, _, path_and_name = resource.partition("/")
    name = path_and_name.rsplit("/", 1)[-1]
    unique = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(17))
    if kind == "user":
        return {
            "type": "IAMUser",
            "principalId": f"AIDA{unique}",
            "arn": principal_arn,
            "accountId": account_id,
            "accessKeyId": f"AKIA{unique[:16]}",
            "userName": name,
        }
    session = f"session-{rng.randrange(10**6):06d}"
    return {
        "type": "AssumedRole",
        "principalId": f"AROA{unique}:{session}",
        "arn": f"arn:{partition}:sts::{account_id}:assumed-role/{name}/{session}",
        "accountId": account_id,
        "accessKeyId": f"ASIA{unique[:16]}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROA{unique}",
                "arn": principal_arn,
                "accountId": account_id,
                "userName": name,
            },
            "attributes": {"creationDate": "", "mfaAuthenticated": "false"},
        },
    }


def _record(
    call: Call, identity: dict[str, Any], when: datetime, *, region: str, account_id: str, rng: random.Random
) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    if identity["type"] == "AssumedRole":
        identity["sessionContext"]["attributes"]["creationDate"] = stamp
    return {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": stamp,
        "eventSource": call.event_source,
        "eventName": call.event_name,
        "awsRegion": region,
        "sourceIPAddress": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.11.7",
        "requestParameters": None,
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "readOnly": call.read_only,
        "eventType": "AwsApiCall",
        "managementEvent": not call.data_event,
        "recipientAccountId": account_id,
        "eventCategory": "Data" if call.data_event else "Management",
    }


def _service_event(when: datetime, region: str, account_id: str, rng: random.Random) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AWSService", "invokedBy": "kms.amazonaws.com"},
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "kms.amazonaws.com",
        "eventName": "RotateKey",
        "awsRegion": region,
        "eventID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }


def write_sample_logs(
    directory: Path | str,
    *,
    principal_arns: Sequence[str],
    account_id: str,
    regions: Sequence[str] = ("us-east-1",),
    days: int = 7,
    now: datetime | None = None,
    seed: int = 0,
    calls_per_principal: int = 10,
    compress: bool = True,
) -> SampleLogs:
    """Write CloudTrail log files for the last ``days`` days under ``directory``/AWSLogs/...

    Each principal calls ``calls_per_principal`` entries of :data:`CATALOG` (drawn with ``seed``)
    once per region per day at a random time of that day, plus data events and another principal's
    calls that a generated policy must not include. Global services (IAM) are logged in
    us-east-1 only, as CloudTrail does. Returns the files and each principal's expected actions.
    """
    root, now = Path(directory), (now or datetime.now(UTC))
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not security
    noise = f"arn:aws:iam::{account_id}:{NOISE_PRINCIPAL}"
    workloads = {arn: rng.sample(CATALOG, min(calls_per_principal, len(CATALOG))) for arn in principal_arns}
    workloads[noise] = list(CATALOG)
    result = SampleLogs(actions={arn: set() for arn in principal_arns})
    for region in regions:
        for day in range(days):
            start = max(now - timedelta(days=day + 1), now - timedelta(days=days))
            records = []
            for arn, calls in workloads.items():
                for call in [*calls, *DATA_EVENTS]:
                    if call.global_service and region != "us-east-1":
                        continue
                    when = start + timedelta(seconds=rng.uniform(0, 86_000))
                    identity = _identity(arn, account_id, rng)
                    records.append(
                        _record(call, identity, min(when, now), region=region, account_id=account_id, rng=rng)
                    )
                    if arn in result.actions and not call.data_event:
                        result.actions[arn].update(actions_for(call.event_source, call.event_name))
            records.append(_service_event(start + timedelta(hours=1), region, account_id, rng))
            result.files += _write_day(
                root, account_id=account_id, region=region, records=records, rng=rng, compress=compress
            )
    return result


def _write_day(
    root: Path,
    *,
    account_id: str,
    region: str,
    records: list[dict[str, Any]],
    rng: random.Random,
    compress: bool,
) -> list[Path]:
    """One file per delivery day of the records, named and placed as CloudTrail delivers them."""
    by_day: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(records, key=lambda r: str(r["eventTime"])):
        by_day.setdefault(str(record["eventTime"])[:10], []).append(record)
    written = []
    for day, day_records in by_day.items():
        folder = root / "AWSLogs" / account_id / "CloudTrail" / region / day.replace("-", "/")
        folder.mkdir(parents=True, exist_ok=True)
        last = str(day_records[-1]["eventTime"]).replace("-", "").replace(":", "")[:13] + "Z"
        suffix = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
        name = f"{account_id}_CloudTrail_{region}_{last}_{suffix}.json"
        body = json.dumps({"Records": day_records}).encode()
        path = folder / (f"{name}.gz" if compress else name)
        path.write_bytes(gzip.compress(body) if compress else body)
        written.append(path)
    return written
