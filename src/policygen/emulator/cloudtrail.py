"""Reading CloudTrail logs from disk and writing the policy Access Analyzer would generate from them.

The folder given to the endpoint stands for the trail's S3 bucket, in CloudTrail's delivery layout::

    <root>/[<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json[.gz]

where each file is ``{"Records": [...]}``. A generation reads the principal's account, the regions
its trails ask for (every region for ``allRegions``, the trail's home region when neither is
given), the days of its window, and keeps the ``AwsApiCall`` management events of the principal:
a role through ``userIdentity.sessionContext.sessionIssuer.arn`` (assumed-role sessions), a user
through ``userIdentity.arn``. Data events and ``iam:PassRole`` are not included, as AWS documents.

The policy is shaped as the service returns it (see the AWS CLI's ``get-generated-policy``
example): one ``SupportedServiceSid0`` statement with every action on ``"*"``; with resource
placeholders, actions with resource-level permissions move to one statement per placeholder ARN,
``SupportedServiceSid1``, ``...2``, in ARN order. Activity the emulator cannot map to actions
(a non-AWS ``eventSource``) makes ``isComplete`` false and, with ``includeServiceLevelTemplate``,
adds a ``ServiceLevelTemplateSid<n>`` statement whose ``${Action}`` placeholder must be filled in
by a person (this statement's exact form is the emulator's; AWS does not document it).
Policies longer than IAM's 6,144-character managed-policy limit are split in several.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policygen.emulator.actions import actions_for, placeholders_for, service_prefix
from policygen.errors import PolicygenError

log = logging.getLogger(__name__)

#: IAM's limit on a managed policy document, whitespace excluded.
MAX_POLICY_CHARS = 6144


@dataclass(frozen=True)
class Limits:
    """How much CloudTrail data one generation may read (AWS: 100,000 files and 25 GB)."""

    max_files: int = 100_000
    max_bytes: int = 25 * 1024**3


@dataclass(frozen=True)
class Activity:
    """What a principal did in a window: IAM actions, and services seen without action-level detail."""

    actions: frozenset[str]
    service_level: frozenset[str]
    files: int = 0

    @property
    def is_complete(self) -> bool:
        """True when every event could be mapped to actions."""
        return not self.service_level


class TooMuchData(PolicygenError):
    """The window holds more CloudTrail data than one generation may read."""


def trail_regions(trails: list[dict[str, Any]]) -> set[str] | None:
    """The regions to read, or None for every region."""
    regions: set[str] = set()
    for trail in trails:
        if trail.get("allRegions"):
            return None
        regions.update(trail.get("regions") or [trail["cloudTrailArn"].split(":")[3]])
    return regions


def log_files(root: Path, account: str, regions: set[str] | None, start: datetime, end: datetime) -> Iterator[Path]:
    """The log files of an account, regions and days, in the S3 delivery layout under ``root``.

    The account comes from the request's principal ARN, whose pattern in the model allows any
    characters: only a 12-digit account id is looked up, so that ``*`` or ``..`` cannot make a
    generation read the logs of other accounts or folders.
    """
    if not re.fullmatch(r"[0-9]{12}", account):
        return
    # Files are delivered up to ~15 minutes after the events, into the folder of the delivery day.
    days = {(start + timedelta(days=n)).strftime("%Y/%m/%d") for n in range((end - start).days + 2)}
    bases = [*root.glob("AWSLogs"), *root.glob("*/AWSLogs")]
    for base in sorted(bases):
        for account_dir in sorted([*base.glob(account), *base.glob(f"o-*/{account}")]):
            trail_dir = account_dir / "CloudTrail"
            for region_dir in sorted(trail_dir.glob("*")):
                if regions is not None and region_dir.name not in regions:
                    continue
                for day in sorted(days):
                    day_dir = region_dir / day
                    for path in sorted(day_dir.glob("*.json*")):
                        if path.name.endswith((".json", ".json.gz")):
                            yield path


def read_records(path: Path) -> list[dict[str, Any]]:
    """The ``Records`` of one log file, plain or gzipped; a damaged file yields none (and a warning)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        records = json.loads(raw).get("Records", [])
    except (OSError, EOFError, ValueError, AttributeError) as exc:
        log.warning("skipping unreadable CloudTrail file %s: %s", path, exc)
        return []
    return [record for record in records if isinstance(record, dict)]


def is_principal(record: dict[str, Any], principal_arn: str) -> bool:
    """Whether the event was made by the role (through a session) or the user."""
    identity = record.get("userIdentity") or {}
    if identity.get("type") == "AssumedRole":
        issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
        return bool(issuer.get("arn") == principal_arn)
    return bool(identity.get("type") == "IAMUser" and identity.get("arn") == principal_arn)


def _event_time(record: dict[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(record["eventTime"]))
    except (KeyError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def collect_activity(
    root: Path,
    *,
    principal_arn: str,
    trails: list[dict[str, Any]],
    start: datetime,
    end: datetime,
    limits: Limits = Limits(),
) -> Activity:
    """The actions a principal used in a window, read from the logs under ``root``."""
    account = principal_arn.split(":")[4]
    files = list(log_files(root, account, trail_regions(trails), start, end))
    size = sum(path.stat().st_size for path in files)
    if len(files) > limits.max_files or size > limits.max_bytes:
        raise TooMuchData(
            f"The CloudTrail data for this request ({len(files)} files, {size} bytes) exceeds the "
            f"limit of {limits.max_files} files or {limits.max_bytes} bytes per policy generation. "
            "Choose a shorter time range or fewer regions."
        )
    actions: set[str] = set()
    service_level: set[str] = set()
    for path in files:
        for record in read_records(path):
            when = _event_time(record)
            if (
                when is None
                or not start <= when <= end
                or record.get("eventType") != "AwsApiCall"
                or record.get("managementEvent") is False
                or not is_principal(record, principal_arn)
            ):
                continue
            source, name = str(record.get("eventSource", "")), str(record.get("eventName", ""))
            mapped = actions_for(source, name)
            if mapped:
                actions.update(mapped)
            else:
                service_level.add(service_prefix(source) or source.split(".", 1)[0])
    return Activity(frozenset(actions), frozenset(service_level), len(files))


def _one_or_many(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def statements(
    activity: Activity, *, partition: str, resource_placeholders: bool, service_level_template: bool
) -> list[dict[str, Any]]:
    """The policy statements for an activity, as Access Analyzer orders and names them."""
    by_resource: dict[str, list[str]] = {}
    for action in sorted(activity.actions):
        for resource in placeholders_for(action, partition) if resource_placeholders else ("*",):
            by_resource.setdefault(resource, []).append(action)
    ordered = sorted(by_resource, key=lambda resource: (resource != "*", resource))
    result = [
        {
            "Sid": f"SupportedServiceSid{n}",
            "Effect": "Allow",
            "Action": _one_or_many(by_resource[resource]),
            "Resource": resource,
        }
        for n, resource in enumerate(ordered)
    ]
    if service_level_template and activity.service_level:
        result.append(
            {
                "Sid": "ServiceLevelTemplateSid0",
                "Effect": "Allow",
                "Action": _one_or_many([f"{prefix}:${{Action}}" for prefix in sorted(activity.service_level)]),
                "Resource": "*",
            }
        )
    return result


def _size(document: Any) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _fit(statement: dict[str, Any], room: int) -> list[dict[str, Any]]:
    """A statement split by its actions into parts that each fit in ``room`` characters."""
    actions = statement["Action"]
    if _size(statement) <= room or isinstance(actions, str):
        return [statement]
    half = len(actions) // 2
    first = {**statement, "Action": _one_or_many(actions[:half])}
    second = {**statement, "Action": _one_or_many(actions[half:]), "Sid": f"{statement['Sid']}Part2"}
    return _fit(first, room) + _fit(second, room)


def policies(parts: list[dict[str, Any]]) -> list[str]:
    """Policy documents holding the statements, each within IAM's managed-policy size."""
    empty = {"Version": "2012-10-17", "Statement": []}
    room = MAX_POLICY_CHARS - _size(empty)
    documents: list[list[dict[str, Any]]] = []
    for statement in (piece for part in parts for piece in _fit(part, room)):
        if documents and _size({**empty, "Statement": [*documents[-1], statement]}) <= MAX_POLICY_CHARS:
            documents[-1].append(statement)
        else:
            documents.append([statement])
    return [json.dumps({**empty, "Statement": body}, separators=(",", ":")) for body in documents]
