"""Following a policy generation job: its status, waiting for it to finish, and fetching its policies.

Used by ``policygen status``, ``policygen wait`` and ``policygen fetch``, and free of printing so
that other callers (the provider, scripts) can reuse it: progress is reported through callbacks.
Every call goes through :class:`policygen.service.AccessAnalyzer`, so botocore's errors arrive here
already translated (an unknown job id is a :class:`~policygen.errors.JobNotFoundError`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from policygen.errors import JobFailedError, JobNotFinishedError
from policygen.service import FINAL_STATUSES, AccessAnalyzer

#: Longest pause between two progress callbacks while waiting (a live display ticks every second).
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class JobStatus:
    """What GetGeneratedPolicy says about a job, without its policies.

    ``error_code`` and ``error_message`` are the ``jobError`` of a FAILED job (for example
    ``AUTHORIZATION_ERROR``); ``principal_arn`` is the principal the policy is generated for, when
    the service reports it.
    """

    job_id: str
    status: str
    started_on: datetime | None = None
    completed_on: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    principal_arn: str | None = None

    @property
    def is_final(self) -> bool:
        """True once the job is SUCCEEDED, FAILED or CANCELED."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_details(cls, details: dict[str, Any], principal_arn: str | None = None) -> JobStatus:
        """Read the ``jobDetails`` of a GetGeneratedPolicy response."""
        error = details.get("jobError") or {}
        return cls(
            job_id=details["jobId"],
            status=details["status"],
            started_on=details.get("startedOn"),
            completed_on=details.get("completedOn"),
            error_code=error.get("code"),
            error_message=error.get("message"),
            principal_arn=principal_arn,
        )

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> JobStatus:
        """Read a whole GetGeneratedPolicy response (the principal too, when the service reports it)."""
        properties = (response.get("generatedPolicyResult") or {}).get("properties") or {}
        return cls.from_details(response["jobDetails"], properties.get("principalArn"))

    def to_dict(self) -> dict[str, Any]:
        """The status as a JSON-ready mapping (timestamps in ISO 8601)."""
        return {
            "jobId": self.job_id,
            "status": self.status,
            "startedOn": self.started_on.isoformat() if self.started_on else None,
            "completedOn": self.completed_on.isoformat() if self.completed_on else None,
            "jobError": {"code": self.error_code, "message": self.error_message} if self.error_code else None,
            "principalArn": self.principal_arn,
        }


@dataclass(frozen=True)
class GeneratedPolicies:
    """The result of a SUCCEEDED job: its policy documents (parsed JSON), and whether it is complete.

    ``is_complete`` is the service's ``isComplete``: False when Access Analyzer could not read or
    map all of the activity, so the policies may lack actions.
    """

    status: JobStatus
    policies: tuple[dict[str, Any], ...]
    is_complete: bool | None = None


#: Called while waiting with the job's latest status and the seconds elapsed since the wait began.
TickCallback = Callable[[JobStatus, float], None]


def get_status(service: AccessAnalyzer, job_id: str) -> JobStatus:
    """The job's current status (GetGeneratedPolicy). Raises JobNotFoundError for an unknown id."""
    return JobStatus.from_response(service.get(job_id))


def wait_for_job(
    service: AccessAnalyzer,
    job_id: str,
    *,
    timeout: float | None,
    on_tick: TickCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> JobStatus:
    """Poll the job until it is final and return its final status (SUCCEEDED, FAILED or CANCELED).

    Polling is :meth:`AccessAnalyzer.wait`'s (short at first, at most every 5 s). ``on_tick(status,
    elapsed)`` is called after every poll and, between polls, about every :data:`TICK_SECONDS` with
    the latest status, so that a display can show the elapsed time. ``timeout`` is in seconds; None
    waits without limit. A FAILED or CANCELED job is returned, not raised: pass the result to
    :func:`require_success` when only SUCCEEDED will do.

    Raises:
        JobNotFoundError: no job has this id.
        WaitTimeoutError: the job was still in progress after ``timeout`` seconds (it keeps running).
    """
    started = time.monotonic()
    latest: list[JobStatus] = []

    def on_poll(details: dict[str, Any], elapsed: float) -> None:
        latest[:] = [JobStatus.from_details(details)]
        if on_tick is not None:
            on_tick(latest[0], elapsed)

    def sleep_ticking(seconds: float) -> None:
        end = time.monotonic() + seconds
        while (remaining := end - time.monotonic()) > 0:
            sleep(min(TICK_SECONDS, remaining))
            if on_tick is not None and latest:
                on_tick(latest[0], time.monotonic() - started)

    return JobStatus.from_details(service.wait(job_id, timeout=timeout, sleep=sleep_ticking, on_poll=on_poll))


def require_success(status: JobStatus) -> JobStatus:
    """Return ``status`` when the job SUCCEEDED; raise JobFailedError when it FAILED or was CANCELED.

    An IN_PROGRESS job raises :class:`JobNotFinishedError` (it has no policies yet).
    """
    if status.status == "SUCCEEDED":
        return status
    if status.status == "FAILED":
        raise JobFailedError(
            f"Policy generation job {status.job_id} FAILED with {status.error_code or 'no error code'}: "
            f"{status.error_message or 'Access Analyzer gave no message.'}",
            code=status.error_code or "",
            operation="GetGeneratedPolicy",
        )
    if status.status == "CANCELED":
        raise JobFailedError(
            f"Policy generation job {status.job_id} was CANCELED (CancelPolicyGeneration, for example by "
            "destroying its Terraform resource); it has no policy. Start a new generation.",
            code="CANCELED",
            operation="GetGeneratedPolicy",
        )
    raise JobNotFinishedError(
        f"Policy generation job {status.job_id} is still {status.status}; it has no policy yet. "
        f"Wait for it first (`policygen wait {status.job_id}`)."
    )


def fetch_policies(
    service: AccessAnalyzer, job_id: str, *, placeholders: bool = False, service_level: bool = False
) -> GeneratedPolicies:
    """The policies of a SUCCEEDED job, parsed from the JSON strings the service returns.

    ``placeholders`` asks for resource ARN placeholders (``includeResourcePlaceholders``) instead of
    ``"*"``; ``service_level`` adds a service-level template (``includeServiceLevelTemplate``) for
    services whose actions could not be identified.

    Raises:
        JobNotFoundError: no job has this id.
        JobFailedError: the job FAILED or was CANCELED.
        JobNotFinishedError: the job is still in progress.
    """
    response = service.get(job_id, placeholders=placeholders, service_level=service_level)
    status = require_success(JobStatus.from_response(response))
    result = response.get("generatedPolicyResult") or {}
    policies = tuple(json.loads(entry["policy"]) for entry in result.get("generatedPolicies") or [])
    return GeneratedPolicies(status, policies, (result.get("properties") or {}).get("isComplete"))


def write_policies(result: GeneratedPolicies, directory: Path) -> list[Path]:
    """Write each policy as indented JSON to ``directory/<jobId>-<n>.json`` (n from 1); return the paths.

    The folder is created when missing; files of the same job are overwritten, so fetching twice
    gives the same files.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, policy in enumerate(result.policies, start=1):
        path = directory / f"{result.status.job_id}-{number}.json"
        path.write_text(json.dumps(policy, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
