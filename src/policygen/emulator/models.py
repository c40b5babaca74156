"""State and rules of the emulated policy-generation service: jobs, lifecycle, quotas, idempotency.

Decisions where the documentation leaves room, and why:

* **One generation in progress at a time, and 50 a day, are answered with
  ``ServiceQuotaExceededException`` (402).** IAM's quota page lists both as service quotas
  ("Policy generations in progress at a time: 1", "Policy generations per day: 50"), the shape's
  documentation is "Service quote met error", and it carries ``resourceId``/``resourceType``
  naming what is at the limit. ``ConflictException`` is kept for what AWS's Smithy-era services use
  it for: a request that conflicts with an earlier one.
* **Reusing a ``clientToken`` with a different request is a ``ConflictException`` (409).** The
  model has no ``IdempotentParameterMismatch`` shape; services that share Access Analyzer's error
  shapes (``ConflictException`` with ``resourceId``/``resourceType``) document exactly this case
  as a 409 conflict ("The client token was already used with different request parameters").
  The same token with the same request returns the first job and has no other effect, even when a
  quota has been met since.
* **An unknown ``jobId`` is a ``ValidationException``.** GetGeneratedPolicy and
  CancelPolicyGeneration model no ``ResourceNotFoundException``; the only client error they model
  is ``ValidationException``.
* **Cancelling a job that has already ended succeeds and changes nothing** (the operation is
  marked idempotent in the model), so a retried cancel never fails.
* **The day of the daily quota is the last 24 hours**, counting every job started in it,
  cancelled and failed ones included.

Status is computed from the clock when it is read: a job is IN_PROGRESS for ``job_seconds`` after it
started, then SUCCEEDED (or FAILED with a ``jobError``), unless it was CANCELED first. No timer
threads are involved, and tests can pass their own clock.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from policygen.emulator.cloudtrail import Activity, Limits, TooMuchData, collect_activity, policies, statements
from policygen.emulator.exceptions import (
    AccessDeniedException,
    ConflictException,
    ServiceQuotaExceededException,
    ValidationException,
)

JobStatus = Literal["IN_PROGRESS", "SUCCEEDED", "FAILED", "CANCELED"]
JobErrorCode = Literal[
    "AUTHORIZATION_ERROR", "RESOURCE_NOT_FOUND_ERROR", "SERVICE_QUOTA_EXCEEDED_ERROR", "SERVICE_ERROR"
]
Clock = Callable[[], datetime]

#: The service's quotas (not adjustable in AWS; adjustable here for tests and benchmarks).
DEFAULT_DAILY_QUOTA = 50
DEFAULT_CONCURRENCY = 1
LIST_WINDOW = timedelta(days=7)
MAX_TRAIL_WINDOW = timedelta(days=90)
DEFAULT_PAGE_SIZE = 100
#: The longest a job may stay IN_PROGRESS: jobs are forgotten seven days after they start anyway.
MAX_JOB_SECONDS = LIST_WINDOW.total_seconds()
#: The keys of a world file (``World.from_file``).
WORLD_KEYS = ("accessRoles", "trails", "deniedAccessKeys")


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class JobError:
    """Why a job FAILED: a ``JobErrorCode`` of the model and a message."""

    code: JobErrorCode
    message: str


@dataclass(frozen=True)
class World:
    """What exists in the emulated account, for the checks a generation makes when it runs.

    ``None`` means "anything exists": with no world configured, every access role and trail is known.
    A job whose access role or trail is unknown ends FAILED with the ``jobError`` AWS reports.
    Requests signed with one of ``denied_access_keys`` are refused (a caller without permissions).
    """

    access_roles: frozenset[str] | None = None
    trails: frozenset[str] | None = None
    denied_access_keys: frozenset[str] = frozenset()

    @classmethod
    def from_file(cls, path: Path) -> World:
        """A world from JSON: ``{"accessRoles": [...], "trails": [...], "deniedAccessKeys": [...]}``.

        Every key is optional; a missing (or null) ``accessRoles`` or ``trails`` means all of them
        exist. Raises OSError when the file cannot be read, ``json.JSONDecodeError`` when it is not
        JSON, and ValueError, saying what is wrong, for any other shape.
        """
        return cls.from_document(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_document(cls, document: Any) -> World:
        """A world from the parsed JSON of a world file; ValueError when its shape is wrong."""
        if not isinstance(document, dict):
            raise ValueError(
                f"A world is a JSON object such as {{\"accessRoles\": [...], \"trails\": [...]}}; got "
                f"{_json_type(document)}."
            )
        unknown = sorted(set(document) - set(WORLD_KEYS))
        if unknown:
            raise ValueError(
                f"Unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}: a world has only "
                f"{', '.join(WORLD_KEYS)}."
            )
        roles = _strings(document, "accessRoles")
        trails = _strings(document, "trails")
        denied = _strings(document, "deniedAccessKeys")
        return cls(roles, trails, denied or frozenset())

    def job_error(self, cloud_trail: dict[str, Any]) -> JobError | None:
        """The error a generation with these CloudTrail details fails with, if any."""
        role = cloud_trail["accessRole"]
        if self.access_roles is not None and role not in self.access_roles:
            return JobError(
                "AUTHORIZATION_ERROR",
                f"IAM Access Analyzer could not assume the access role {role}. Verify that the role "
                "exists and that its trust policy allows access-analyzer.amazonaws.com to assume it.",
            )
        for trail in cloud_trail["trails"]:
            arn = trail["cloudTrailArn"]
            if self.trails is not None and arn not in self.trails:
                return JobError("RESOURCE_NOT_FOUND_ERROR", f"The trail {arn} was not found.")
        return None


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, with its article, for messages ("an array")."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number"}
    names[float] = "a number"
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _strings(document: dict[str, Any], key: str) -> frozenset[str] | None:
    """The array of strings at ``key`` (None when absent or null); ValueError for any other value."""
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError(f"{key} must be an array of strings; got {_json_type(value)}.")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ValueError(f"{key}[{index}] must be a string; got {_json_type(item)}.")
    return frozenset(value)


@dataclass(eq=False)
class Job:
    """One policy generation, as StartPolicyGeneration recorded it.

    ``request`` is the JSON body exactly as the client sent it; ``parameters`` is the same request
    read against the model (timestamps as datetimes), which is what idempotency compares.
    """

    job_id: str
    principal_arn: str
    client_token: str | None
    request: dict[str, Any]
    parameters: dict[str, Any]
    started_on: datetime
    duration: timedelta
    clock: Clock = field(repr=False)
    error: JobError | None = None
    canceled_on: datetime | None = None
    activity: Activity | None = None

    @property
    def due_on(self) -> datetime:
        """When the job stops being IN_PROGRESS, unless cancelled before."""
        return self.started_on + self.duration

    @property
    def status(self) -> JobStatus:
        """The status now: CANCELED, IN_PROGRESS until ``due_on``, then FAILED or SUCCEEDED."""
        if self.canceled_on is not None:
            return "CANCELED"
        if self.clock() < self.due_on:
            return "IN_PROGRESS"
        return "FAILED" if self.error is not None else "SUCCEEDED"

    @property
    def completed_on(self) -> datetime | None:
        """When the job ended (cancelled, succeeded or failed); None while in progress."""
        if self.canceled_on is not None:
            return self.canceled_on
        return self.due_on if self.clock() >= self.due_on else None

    @property
    def cloud_trail(self) -> dict[str, Any]:
        """The request's ``cloudTrailDetails`` as read against the model."""
        details: dict[str, Any] = self.parameters["cloudTrailDetails"]
        return details

    @property
    def end_time(self) -> datetime:
        """The end of the analysed window: ``endTime``, or when the job started."""
        end: datetime | None = self.cloud_trail.get("endTime")
        return end if end is not None else self.started_on


class PolicyGenerationBackend:
    """The service's state for one emulated account and region, safe to use from many threads."""

    def __init__(
        self,
        *,
        job_seconds: float = 0.0,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        concurrency: int = DEFAULT_CONCURRENCY,
        clock: Clock = utc_now,
        world: World | None = None,
        cloudtrail_dir: Path | None = None,
        limits: Limits | None = None,
    ) -> None:
        # Refused here, not when a job starts: a negative quota used to answer InternalServerException.
        if isinstance(daily_quota, bool) or not isinstance(daily_quota, int) or daily_quota < 0:
            raise ValueError(f"The daily quota must be a whole number, 0 or more; got {daily_quota!r}.")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"The concurrency must be a whole number, 1 or more; got {concurrency!r}.")
        if not 0 <= job_seconds <= MAX_JOB_SECONDS:  # also refuses NaN
            raise ValueError(
                f"The job duration must be from 0 to {MAX_JOB_SECONDS:g} seconds (7 days, after which the "
                f"service forgets a job); got {job_seconds!r}."
            )
        self.job_seconds = job_seconds
        self.daily_quota = daily_quota
        self.concurrency = concurrency
        self.clock = clock
        self.world = world or World()
        self.cloudtrail_dir = cloudtrail_dir
        self.limits = limits or Limits()
        self._jobs: dict[str, Job] = {}
        self._by_token: dict[str, Job] = {}
        self._lock = threading.RLock()

    def authorize(self, access_key_id: str | None, operation: str) -> None:
        """Refuse callers the world denies, as IAM does when no policy allows the action."""
        if access_key_id is not None and access_key_id in self.world.denied_access_keys:
            raise AccessDeniedException(
                f"User with access key {access_key_id} is not authorized to perform: "
                f"access-analyzer:{operation} because no identity-based policy allows the "
                f"access-analyzer:{operation} action"
            )

    def jobs(self) -> list[Job]:
        """Every job recorded, oldest first (including those older than the list window)."""
        with self._lock:
            for job in self._jobs.values():
                self._settle(job)
            return sorted(self._jobs.values(), key=lambda job: job.started_on)

    def reset(self) -> None:
        """Forget every job and idempotency token."""
        with self._lock:
            self._jobs.clear()
            self._by_token.clear()

    def start_policy_generation(self, parameters: dict[str, Any], request: dict[str, Any]) -> Job:
        """Record a new job, or return the job an identical earlier request with the same token made."""
        token: str | None = parameters.get("clientToken")
        comparable = {k: v for k, v in parameters.items() if k != "clientToken"}
        with self._lock:
            now = self.clock()
            if token is not None and token in self._by_token:
                earlier = self._by_token[token]
                if earlier.parameters == comparable:
                    return earlier
                raise ConflictException(
                    "The client token was already used with different request parameters. A client "
                    "token must map to the same parameters for every request; to start a different "
                    "policy generation, use a new client token.",
                    resource_id=earlier.job_id,
                    resource_type="PolicyGeneration",
                )
            self._check_request(comparable, now)
            self._check_quotas(now, comparable["policyGenerationDetails"]["principalArn"])
            job = Job(
                job_id=str(uuid.uuid4()),
                principal_arn=comparable["policyGenerationDetails"]["principalArn"],
                client_token=token,
                request=request,
                parameters=comparable,
                started_on=now,
                duration=timedelta(seconds=self.job_seconds),
                clock=self.clock,
                error=self.world.job_error(comparable["cloudTrailDetails"]),
            )
            self._jobs[job.job_id] = job
            if token is not None:
                self._by_token[token] = job
            return job

    def get_job(self, job_id: str) -> Job:
        """The job with this id, or the ValidationException the service answers.

        Jobs are kept for seven days, like the list: after that the service no longer knows them.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.started_on < self.clock() - LIST_WINDOW:
                job = None
            if job is not None:
                self._settle(job)
        if job is None:
            raise ValidationException(
                f"Invalid jobId: no policy generation with the ID {job_id} exists.",
                fields=[("jobId", "No policy generation with this ID exists.")],
            )
        return job

    def cancel_policy_generation(self, job_id: str) -> Job:
        """Cancel the job if it is still in progress; a job that has ended stays as it is."""
        with self._lock:
            job = self.get_job(job_id)
            if job.status == "IN_PROGRESS":
                job.canceled_on = self.clock()
            return job

    def list_policy_generations(
        self, principal_arn: str | None = None, max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[Job], str | None]:
        """Jobs started in the last seven days, newest first, one page at a time.

        ``next_token`` is the id of the first job of the next page, so a page boundary is stable
        while new jobs are started.
        """
        size = min(max_results or DEFAULT_PAGE_SIZE, DEFAULT_PAGE_SIZE)
        with self._lock:
            since = self.clock() - LIST_WINDOW
            listed = [
                job
                for job in sorted(self._jobs.values(), key=lambda j: j.started_on, reverse=True)
                if job.started_on >= since and principal_arn in {None, job.principal_arn}
            ]
            for job in listed:
                self._settle(job)
        start = 0
        if next_token is not None:
            ids = [job.job_id for job in listed]
            if next_token not in ids:
                raise ValidationException(
                    "Invalid pagination token: the nextToken is not one this operation returned, "
                    "or the results it pointed to have expired.",
                    fields=[("nextToken", "Invalid pagination token.")],
                )
            start = ids.index(next_token)
        page = listed[start : start + size]
        more = start + size < len(listed)
        return page, (listed[start + size].job_id if more else None)

    def generated_policies(
        self, job: Job, *, resource_placeholders: bool = False, service_level_template: bool = False
    ) -> list[str]:
        """The policy documents of a SUCCEEDED job (none for any other status)."""
        with self._lock:
            self._settle(job)
            if job.status != "SUCCEEDED" or job.activity is None:
                return []
            parts = statements(
                job.activity,
                partition=job.principal_arn.split(":")[1],
                resource_placeholders=resource_placeholders,
                service_level_template=service_level_template,
            )
        return policies(parts) if parts else []

    def _settle(self, job: Job) -> None:
        """Once a job is due, analyse its CloudTrail data (once), or fail it when there is too much."""
        if job.activity is not None or job.error is not None or job.status != "SUCCEEDED":
            return
        if self.cloudtrail_dir is None:
            job.activity = Activity(frozenset(), frozenset())
            return
        try:
            job.activity = collect_activity(
                self.cloudtrail_dir,
                principal_arn=job.principal_arn,
                trails=job.cloud_trail["trails"],
                start=job.cloud_trail["startTime"],
                end=job.end_time,
                limits=self.limits,
            )
        except TooMuchData as exc:
            job.error = JobError("SERVICE_QUOTA_EXCEEDED_ERROR", str(exc))

    def _check_request(self, parameters: dict[str, Any], now: datetime) -> None:
        """Rules of the request the model cannot express, worded as the service words them."""
        details = parameters.get("cloudTrailDetails")
        if details is None:
            raise ValidationException(
                "cloudTrailDetails is required: policy generation analyses CloudTrail events.",
                fields=[("cloudTrailDetails", "Member must not be null")],
            )
        if not details["trails"]:
            raise ValidationException(
                "At least one trail is required in cloudTrailDetails.trails.",
                fields=[("cloudTrailDetails.trails", "Member must have length greater than or equal to 1")],
            )
        start: datetime = details["startTime"]
        end: datetime = details.get("endTime") or now
        if start > now:
            raise ValidationException(
                "The startTime must be in the past.",
                fields=[("cloudTrailDetails.startTime", "The startTime must be in the past.")],
            )
        if start >= end:
            raise ValidationException(
                "The startTime must be before the endTime.",
                fields=[("cloudTrailDetails.startTime", "The startTime must be before the endTime.")],
            )
        if end - start > MAX_TRAIL_WINDOW:
            raise ValidationException(
                "The time range between startTime and endTime must be 90 days or less.",
                fields=[("cloudTrailDetails.endTime", "The time range must be 90 days or less.")],
            )

    def _check_quotas(self, now: datetime, principal_arn: str) -> None:
        """Generations in progress at a time, and per day (cancelled ones counted)."""
        running = [job for job in self._jobs.values() if job.status == "IN_PROGRESS"]
        if len(running) >= self.concurrency:
            raise ServiceQuotaExceededException(
                f"Service quota met: at most {self.concurrency} policy generation(s) can be in "
                f"progress at a time; policy generation {running[0].job_id} is in progress. Wait "
                "for it to complete, or cancel it, and try again.",
                resource_id=running[0].job_id,
                resource_type="PolicyGeneration",
            )
        today = [job for job in self._jobs.values() if job.started_on > now - timedelta(days=1)]
        if len(today) >= self.daily_quota:
            account = principal_arn.split(":")[4]
            raise ServiceQuotaExceededException(
                f"Service quota met: at most {self.daily_quota} policy generations can be started "
                "per day, cancelled ones included. Try again later.",
                resource_id=account,
                resource_type="PolicyGeneration",
            )
