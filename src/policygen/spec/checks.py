"""Semantic checks: the rules of a policy generation request that JSON Schema cannot express.

Each check takes the request document (API field names) and yields ``(pointer, message)`` pairs;
the loader locates them in the file, the provider turns them into diagnostics on attributes. Every
rule and its source is listed in the README's "Spec rules" table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

#: Access Analyzer reads at most 90 days of CloudTrail events per generation (service quota).
MAX_WINDOW = timedelta(days=90)

Finding = tuple[str, str]


def parse_timestamp(value: str) -> datetime | None:
    """Parse an ISO 8601 timestamp that carries a time zone; None when it is not one."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None


def format_timestamp(value: datetime) -> str:
    """Format a timestamp the way policygen writes them: UTC, seconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_request(doc: dict[str, Any], now: datetime | None = None) -> Iterator[Finding]:
    """Yield every semantic problem of a schema-valid request document."""
    now = now or datetime.now(UTC)
    details = doc.get("cloudTrailDetails", {})
    yield from _check_window(details, now)
    for index, trail in enumerate(details.get("trails", [])):
        if trail.get("allRegions") is True and trail.get("regions"):
            yield (
                f"/cloudTrailDetails/trails/{index}/regions",
                "`regions` cannot be combined with `allRegions: true`; remove one of them.",
            )


def _check_window(details: dict[str, Any], now: datetime) -> Iterator[Finding]:
    if "startTime" in details and "lookbackDays" in details:
        yield (
            "/cloudTrailDetails/lookbackDays",
            "give either startTime or lookbackDays, not both; remove one of them.",
        )
    elif "startTime" not in details and "lookbackDays" not in details:
        yield (
            "/cloudTrailDetails",
            "the window has no start: add startTime (e.g. 2026-11-01T00:00:00Z) or lookbackDays (1-90).",
        )
    times: dict[str, datetime] = {}
    for key in ("startTime", "endTime"):
        if key not in details:
            continue
        parsed = parse_timestamp(details[key])
        pointer = f"/cloudTrailDetails/{key}"
        if parsed is None:
            yield (
                pointer,
                f"{details[key]!r} is not an ISO 8601 timestamp with a time zone; write it like 2026-11-01T00:00:00Z.",
            )
        elif parsed > now:
            yield pointer, f"{details[key]} is in the future; CloudTrail has no events after now."
        else:
            times[key] = parsed
    start, end = times.get("startTime"), times.get("endTime", now)
    if start is None:
        return
    if start >= end:
        yield "/cloudTrailDetails/startTime", "startTime must be before endTime."
    elif end - start > MAX_WINDOW:
        yield (
            "/cloudTrailDetails/startTime",
            f"the window is {(end - start).days} days; Access Analyzer reads at most 90 days of events. "
            "Move startTime later or endTime earlier.",
        )
