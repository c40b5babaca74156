"""Semantic checks: the rules of a policy generation request that JSON Schema cannot express.

Each check takes one request document (API field names, as a spec file or the provider spells it)
and yields ``(pointer, message)`` pairs; the loader locates them in the file, the provider turns
them into diagnostics on attributes. The checks never assume the document passed the schema: they
judge every value whose type is right and skip the rest (the schema reports those), so that one run
reports as much as it can. Every rule and its source is listed in ``docs/spec.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from policygen.spec.arns import ArnKind, arn_problem, parse_arn, partition_of_region, region_problem
from policygen.spec.limits import quote
from policygen.spec.quotas import MAX_WINDOW, MAX_WINDOW_DAYS
from policygen.spec.timestamps import parse_timestamp

#: A problem: the JSON pointer of the offending value and a full-sentence message.
Finding = tuple[str, str]


def check_request(doc: Any, now: datetime | None = None) -> Iterator[Finding]:
    """Yield every semantic problem of a request document, judging only values of the right type.

    The rules that depend on the current time (no timestamp in the future; at most 90 days when
    the window ends now, without ``endTime``) are judged only when ``now`` is given: they hold at
    the moment a job is created, and a request that passed them must never become invalid because
    time has passed. ``policygen validate`` and the provider's plan of a create pass ``now``;
    synth, refresh and the plan of an existing resource do not.
    """
    if not isinstance(doc, dict):
        return
    principal = _mapping(doc.get("policyGenerationDetails"))
    details = _mapping(doc.get("cloudTrailDetails"))
    arns = list(_arns(principal, details))
    for pointer, value, kind in arns:
        problem = arn_problem(value, kind)
        if problem:
            yield pointer, problem
    yield from _check_partitions(arns)
    yield from _check_trails(details)
    if isinstance(doc.get("cloudTrailDetails"), dict):
        yield from _check_window(details, now)
    if "triggers" in doc and "clientToken" in doc:
        yield (
            "/triggers",
            "triggers cannot be combined with clientToken: a trigger starts a new job by changing the derived "
            "client token, which an explicit clientToken overrides; remove clientToken.",
        )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _trails(details: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    trails = details.get("trails")
    if not isinstance(trails, list):
        return []
    return [(index, trail) for index, trail in enumerate(trails) if isinstance(trail, dict)]


def _arns(principal: dict[str, Any], details: dict[str, Any]) -> Iterator[tuple[str, Any, ArnKind]]:
    """Every ARN of the request that is present: (pointer, value, kind)."""
    if "principalArn" in principal:
        yield "/policyGenerationDetails/principalArn", principal["principalArn"], "principalArn"
    if "accessRole" in details:
        yield "/cloudTrailDetails/accessRole", details["accessRole"], "accessRole"
    for index, trail in _trails(details):
        if "cloudTrailArn" in trail:
            yield f"/cloudTrailDetails/trails/{index}/cloudTrailArn", trail["cloudTrailArn"], "cloudTrailArn"


def _check_partitions(arns: list[tuple[str, Any, ArnKind]]) -> Iterator[Finding]:
    """All ARNs of one request must be in one partition: the request goes to one partition's endpoint.

    The partition most ARNs share is taken as the intended one (the principal's on a tie), and each
    ARN outside it is reported.
    """
    valid: list[tuple[str, str, str]] = []
    for pointer, value, kind in arns:
        arn = parse_arn(value)
        if arn is not None and arn_problem(value, kind) is None:
            valid.append((pointer, arn.partition, kind))
    if not valid:
        return
    counts = Counter(partition for _, partition, _ in valid)
    intended = max(counts, key=lambda p: (counts[p], p == valid[0][1]))
    holders = sorted({field for _, partition, field in valid if partition == intended})
    for pointer, partition, field in valid:
        if partition != intended:
            yield (
                pointer,
                f"this {field} is in partition {partition!r}, but {' and '.join(holders)} "
                f"{'is' if len(holders) == 1 else 'are'} in {intended!r}; one request cannot mix partitions. "
                "Use ARNs of one partition.",
            )


def _check_trails(details: dict[str, Any]) -> Iterator[Finding]:
    for index, trail in _trails(details):
        at = f"/cloudTrailDetails/trails/{index}"
        regions = trail.get("regions")
        if trail.get("allRegions") is True and regions:
            yield f"{at}/regions", "`regions` cannot be combined with `allRegions: true`; remove one of them."
        if not isinstance(regions, list):
            continue
        arn = parse_arn(trail.get("cloudTrailArn"))
        valid = arn is not None and arn_problem(trail["cloudTrailArn"], "cloudTrailArn") is None
        home = arn.partition if arn is not None and valid else None
        for position, region in enumerate(regions):
            problem = region_problem(region)
            if problem:
                yield f"{at}/regions/{position}", problem
            elif isinstance(region, str) and home and partition_of_region(region) != home:
                yield (
                    f"{at}/regions/{position}",
                    f"{quote(region)} is a Region of partition {partition_of_region(region)!r}, but the trail is in "
                    f"{home!r}; list Regions of the trail's partition.",
                )


def _check_window(details: dict[str, Any], now: datetime | None) -> Iterator[Finding]:
    if "startTime" in details and "lookbackDays" in details:
        yield (
            "/cloudTrailDetails/lookbackDays",
            "give either startTime or lookbackDays, not both; remove one of them.",
        )
    elif "startTime" not in details and "lookbackDays" not in details:
        yield (
            "/cloudTrailDetails",
            "the window has no start: add startTime (e.g. 2026-11-01T00:00:00Z) or lookbackDays "
            f"(1-{MAX_WINDOW_DAYS}).",
        )
    times: dict[str, datetime] = {}
    for key in ("startTime", "endTime"):
        if not isinstance(details.get(key), str):
            continue  # absent, or a type problem the schema reports
        parsed = parse_timestamp(details[key])
        pointer = f"/cloudTrailDetails/{key}"
        if parsed is None:
            yield (
                pointer,
                f"{quote(details[key])} is not an ISO 8601 timestamp with a time zone; "
                "write it like 2026-11-01T00:00:00Z.",
            )
        elif now is not None and parsed > now:
            yield pointer, f"{details[key]} is in the future; CloudTrail has no events after now."
        else:
            times[key] = parsed
    start, end = times.get("startTime"), times.get("endTime", now)
    if start is None or end is None or ("endTime" in details and "endTime" not in times):
        return  # no window to judge (its end is now, and no now was given), or its end is already reported
    if start >= end:
        end_text = details.get("endTime", "now (no endTime given)")
        yield (
            "/cloudTrailDetails/startTime",
            f"startTime {details['startTime']} must be before endTime {end_text}; move startTime earlier.",
        )
    elif end - start > MAX_WINDOW:
        yield (
            "/cloudTrailDetails/startTime",
            f"the window is {(end - start).days} days; Access Analyzer reads at most {MAX_WINDOW_DAYS} days of events. "
            "Move startTime later or endTime earlier.",
        )
