"""The job fields both the resource and the data source expose, in Terraform's terms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def rfc3339(value: datetime | None) -> str | None:
    """A botocore timestamp as RFC 3339 UTC with seconds (``2026-11-28T12:00:00Z``), None stays None."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def job_error(details: dict[str, Any]) -> str | None:
    """``CODE: message`` of a failed job, else None."""
    error = details.get("jobError")
    return f"{error['code']}: {error['message']}" if error else None


def job_fields(details: dict[str, Any]) -> dict[str, Any]:
    """``status``, ``started_on``, ``completed_on`` and ``job_error`` from GetGeneratedPolicy's jobDetails."""
    return {
        "status": details["status"],
        "started_on": rfc3339(details.get("startedOn")),
        "completed_on": rfc3339(details.get("completedOn")),
        "job_error": job_error(details),
    }
