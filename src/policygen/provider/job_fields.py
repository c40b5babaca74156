"""The job fields both the resource and the data source expose, in Terraform's terms."""

from __future__ import annotations

from typing import Any

from policygen.spec.timestamps import rfc3339


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
