"""State and rules of the emulated policy-generation service: jobs, lifecycle, quotas, idempotency.

Access Analyzer is regional: its jobs, its two quotas and its seven days of history belong to an
account in a Region. The state here is partitioned the same way: :class:`PolicyGenerationBackend`
holds one :class:`RegionalBackend` per :class:`AccountRegion`, and every request is answered by
the partition of its caller (see :meth:`PolicyGenerationBackend.caller`).

Decisions where the documentation leaves room, and why:

* **The Region is the one of the request's SigV4 credential scope** (``Credential=AKID/DATE/
  REGION/access-analyzer/aws4_request``), since one endpoint here serves every Region: that is
  the Region the SDKs sign for, and the one AWS's regional endpoints insist on. A scope whose
  Region is not shaped like a Region name is refused with ``InvalidSignatureException`` (403),
  worded as AWS's front door words it ("Credential should be scoped to a valid region"). Any
  well-formed name is a Region: the endpoint keeps no list of them, so a new Region works at once.
* **The account is the access key's, through the world's ``accounts`` mapping**; a key the world
  does not map belongs to ``world.DEFAULT_ACCOUNT`` (123456789012). The endpoint accepts any credentials, so an
  unknown key is not refused, as it would be by AWS (``UnrecognizedClientException``).
* **A job id of another account or Region is unknown**, answered exactly as an id that never
  existed: a job is a regional resource, and the service's answer to a Get or Cancel elsewhere
  cannot tell the two apart.
* **Client tokens are per account and Region**, like the jobs they name (EC2 documents its client
  tokens the same way): the same token in another Region starts another job there.
* **One generation in progress at a time, and 50 a day, are answered with
  ``ServiceQuotaExceededException`` (402).** IAM's quota page lists both as service quotas
  ("Policy generations in progress at a time: 1", "Policy generations per day: 50"), the shape's
  documentation is "Service quote met error", and it carries ``resourceId``/``resourceType``
  naming what is at the limit. ``ConflictException`` is kept for what AWS's Smithy-era services use
  it for: a request that conflicts with an earlier one. Both count per account and Region, and the
  daily quota is 5 in :data:`LOW_DAILY_QUOTA_REGIONS`, as IAM's quota page says. A quota passed to
  the backend (``daily_quota=``, ``--daily-quota``) is a test's or a benchmark's override: it
  applies in every Region, the low-quota ones included, so that it means what it says.
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

import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from policygen.emulator.cloudtrail import Activity, Limits, TooMuchData, collect_activity, policies, statements
from policygen.emulator.exceptions import (
    AccessDeniedException,
    ConflictException,
    InvalidSignatureException,
    ServiceQuotaExceededException,
    ValidationException,
)
from policygen.emulator.world import JobError, World
from policygen.errors import InvalidArgumentError

JobState = Literal["IN_PROGRESS", "SUCCEEDED", "FAILED", "CANCELED"]
Clock = Callable[[], datetime]

#: The service's quotas per account and Region (not adjustable in AWS; adjustable here for tests
#: and benchmarks): policy generations per day, and in progress at a time.
DEFAULT_DAILY_QUOTA = 50
LOW_DAILY_QUOTA = 5
#: The Regions where the daily quota is :data:`LOW_DAILY_QUOTA` (IAM's quota page).
LOW_DAILY_QUOTA_REGIONS = frozenset({"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"})
DEFAULT_CONCURRENCY = 1
#: What a Region name looks like: us-east-1, us-gov-west-1, eu-central-2, eusc-de-east-1.
REGION_PATTERN = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}")
LIST_WINDOW = timedelta(days=7)
MAX_TRAIL_WINDOW = timedelta(days=90)
DEFAULT_PAGE_SIZE = 100
#: The longest a job may stay IN_PROGRESS: jobs are forgotten seven days after they start anyway.
MAX_JOB_SECONDS = LIST_WINDOW.total_seconds()


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def daily_quota_of(region: str) -> int:
    """AWS's daily quota of policy generations in ``region``: 50, or 5 in the low-quota Regions."""
    return LOW_DAILY_QUOTA if region in LOW_DAILY_QUOTA_REGIONS else DEFAULT_DAILY_QUOTA


@dataclass(frozen=True, order=True)
class AccountRegion:
    """Where a request's jobs belong: an account in a Region (a partition of the service's state)."""

    account: str
    region: str

    def __str__(self) -> str:
        return f"account {self.account} in {self.region}"


@dataclass(eq=False)
class Job:
    """One policy generation, as StartPolicyGeneration recorded it.

    ``request`` is the JSON body exactly as the client sent it; ``parameters`` is the same request
    read against the model (timestamps as datetimes), which is what idempotency compares. ``where``
    is the account and Region of the request that started it: only they know the job.
    """

    job_id: str
    principal_arn: str
    client_token: str | None
    request: dict[str, Any]
    parameters: dict[str, Any]
    started_on: datetime
    duration: timedelta
    where: AccountRegion
    clock: Clock = field(repr=False)
    error: JobError | None = None
    canceled_on: datetime | None = None
    activity: Activity | None = None

    @property
    def account(self) -> str:
        """The account that started the job."""
        return self.where.account

    @property
    def region(self) -> str:
        """The Region the job was started in."""
        return self.where.region

    @property
    def due_on(self) -> datetime:
        """When the job stops being IN_PROGRESS, unless cancelled before."""
        return self.started_on + self.duration

    @property
    def status(self) -> JobState:
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
    """The whole emulated service: its settings, its world, and one :class:`RegionalBackend` per partition.

    Requests are answered by :meth:`regional` of their :meth:`caller`. :meth:`jobs` and
    :meth:`reset` span every partition, for tests and benchmarks. Safe to use from many threads.

    ``daily_quota`` None is AWS's quota (:func:`daily_quota_of` the Region); a number applies in every
    Region. ``concurrency`` is the generations in progress at a time in each account and Region.
    """

    def __init__(
        self,
        *,
        job_seconds: float = 0.0,
        daily_quota: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        clock: Clock = utc_now,
        world: World | None = None,
        cloudtrail_dir: Path | None = None,
        limits: Limits | None = None,
    ) -> None:
        # Refused here, not when a job starts: a negative quota used to answer InternalServerException.
        if daily_quota is not None and (
            isinstance(daily_quota, bool) or not isinstance(daily_quota, int) or daily_quota < 0
        ):
            raise InvalidArgumentError(
                f"The daily quota must be a whole number, 0 or more (or None for AWS's); got {daily_quota!r}."
            )
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidArgumentError(f"The concurrency must be a whole number, 1 or more; got {concurrency!r}.")
        if not 0 <= job_seconds <= MAX_JOB_SECONDS:  # also refuses NaN
            raise InvalidArgumentError(
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
        self._partitions: dict[AccountRegion, RegionalBackend] = {}
        self._lock = threading.Lock()
        #: Called with every job after each change (a start, a cancel): the state folder's writer.
        self._save: Callable[[list[Job]], None] | None = None
        self._save_lock = threading.Lock()

    def caller(self, access_key_id: str | None, region: str | None, account: str | None = None) -> AccountRegion:
        """The partition of a request signed with ``access_key_id`` (or acting in ``account``) for ``region``.

        Raises InvalidSignatureException when the signature names no Region, or something that is
        not shaped like one (AWS's front door refuses a credential scope it cannot serve).
        """
        if region is None or not REGION_PATTERN.fullmatch(region):
            shown = "no Region" if region is None else f"'{region[:40]}'"
            raise InvalidSignatureException(
                f"Credential should be scoped to a valid region, not {shown}. Sign the request for the Region "
                "of the jobs (the SDK's region_name, --region, AWS_REGION), such as us-east-1."
            )
        return AccountRegion(account or self.world.account_of(access_key_id), region)

    def regional(self, where: AccountRegion, *, create: bool = False) -> RegionalBackend:
        """The state of one account in one Region.

        A partition is kept only once a job is started in it (``create=True``); reading one that has
        none gives an empty one, so that requests signed for ever new Region names cost no memory.
        """
        with self._lock:
            backend = self._partitions.get(where)
            if backend is None:
                backend = RegionalBackend(self, where)
                if create:
                    self._partitions[where] = backend
            return backend

    def partitions(self) -> list[AccountRegion]:
        """Every account and Region where a job was started, in order."""
        with self._lock:
            return sorted(self._partitions)

    def authorize(self, access_key_id: str | None, operation: str) -> None:
        """Refuse callers the world denies, as IAM does when no policy allows the action."""
        if access_key_id is not None and access_key_id in self.world.denied_access_keys:
            raise AccessDeniedException(
                f"User with access key {access_key_id} is not authorized to perform: "
                f"access-analyzer:{operation} because no identity-based policy allows the "
                f"access-analyzer:{operation} action"
            )

    def jobs(self, *, region: str | None = None, account: str | None = None) -> list[Job]:
        """Every job recorded, oldest first (those older than the list window included).

        All partitions' by default; ``region`` and ``account`` keep only that Region's or account's.
        """
        with self._lock:
            partitions = [
                backend
                for where, backend in self._partitions.items()
                if region in (None, where.region) and account in (None, where.account)
            ]
        jobs = [job for backend in partitions for job in backend.jobs()]
        return sorted(jobs, key=lambda job: job.started_on)

    def reset(self) -> None:
        """Forget every job and idempotency token, in every account and Region."""
        with self._lock:
            self._partitions.clear()

    def restore(self, jobs: Iterable[Job], save: Callable[[list[Job]], None] | None) -> None:
        """Replace every job with ``jobs`` (a state folder's), and call ``save`` after each change from now on.

        ``save`` gets every job the service still knows (started in the last seven days) and must
        have written them before it returns: the request is answered after it. None stops saving.
        """
        with self._lock:
            self._partitions.clear()
            for job in jobs:
                job.clock = self.clock
                self._partitions.setdefault(job.where, RegionalBackend(self, job.where)).adopt(job)
            self._save = save

    def stop_saving(self) -> None:
        """Keep the jobs in memory only from now on (the state folder is being released)."""
        with self._save_lock:
            self._save = None

    def changed(self) -> None:
        """A job was started or cancelled: hand every job to ``save`` (see :meth:`restore`), one call at a time."""
        if self._save is None:
            return
        with self._save_lock:  # taken before any partition's lock, never inside one
            since = self.clock() - LIST_WINDOW
            with self._lock:
                partitions = list(self._partitions.values())
            jobs = [job for backend in partitions for job in backend.snapshot() if job.started_on >= since]
            self._save(sorted(jobs, key=lambda job: job.started_on))


class RegionalBackend:
    """The service's state for one account in one Region: its jobs, tokens, quotas and history.

    Made by :meth:`PolicyGenerationBackend.regional`; the settings (clock, quotas, world, logs) are
    the service's.
    """

    def __init__(self, service: PolicyGenerationBackend, where: AccountRegion) -> None:
        self.service = service
        self.where = where
        self._jobs: dict[str, Job] = {}
        self._by_token: dict[str, Job] = {}
        self._lock = threading.RLock()

    @property
    def clock(self) -> Clock:
        """The service's clock."""
        return self.service.clock

    @property
    def daily_quota(self) -> int:
        """Generations a day here: the service's override, else AWS's quota of the Region."""
        override = self.service.daily_quota
        return override if override is not None else daily_quota_of(self.where.region)

    def adopt(self, job: Job) -> None:
        """Know ``job`` as it was recorded (restored from a state folder), its client token included."""
        with self._lock:
            self._jobs[job.job_id] = job
            if job.client_token is not None:
                self._by_token[job.client_token] = job

    def snapshot(self) -> list[Job]:
        """This partition's jobs as they are, without settling them (for the state folder)."""
        with self._lock:
            return list(self._jobs.values())

    def jobs(self) -> list[Job]:
        """Every job of this account and Region, oldest first (those older than the list window included)."""
        with self._lock:
            for job in self._jobs.values():
                self._settle(job)
            return sorted(self._jobs.values(), key=lambda job: job.started_on)

    def start_policy_generation(self, parameters: dict[str, Any], request: dict[str, Any]) -> Job:
        """Record a new job, or return the job an identical earlier request with the same token made."""
        token: str | None = parameters.get("clientToken")
        comparable = {k: v for k, v in parameters.items() if k != "clientToken"}
        with self._lock:
            now = self.clock()
            if token is not None and token in self._by_token:
                earlier = self._by_token[token]
                if earlier.parameters == comparable:
                    return earlier  # nothing changed, nothing to save
                raise ConflictException(
                    "The client token was already used with different request parameters. A client "
                    "token must map to the same parameters for every request; to start a different "
                    "policy generation, use a new client token.",
                    resource_id=earlier.job_id,
                    resource_type="PolicyGeneration",
                )
            self._check_request(comparable, now)
            self._check_quotas(now)
            job = Job(
                job_id=str(uuid.uuid4()),
                principal_arn=comparable["policyGenerationDetails"]["principalArn"],
                client_token=token,
                request=request,
                parameters=comparable,
                started_on=now,
                duration=timedelta(seconds=self.service.job_seconds),
                where=self.where,
                clock=self.clock,
                error=self.service.world.job_error(comparable["cloudTrailDetails"]),
            )
            self._jobs[job.job_id] = job
            if token is not None:
                self._by_token[token] = job
        self.service.changed()
        return job

    def get_job(self, job_id: str) -> Job:
        """The job with this id, or the ValidationException the service answers.

        Jobs are kept for seven days, like the list: after that the service no longer knows them.
        A job of another account or Region is not here, so it is unknown, with the same answer.
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
            canceled = job.status == "IN_PROGRESS"
            if canceled:
                job.canceled_on = self.clock()
        if canceled:
            self.service.changed()
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
        if self.service.cloudtrail_dir is None:
            job.activity = Activity(frozenset(), frozenset())
            return
        try:
            job.activity = collect_activity(
                self.service.cloudtrail_dir,
                principal_arn=job.principal_arn,
                trails=job.cloud_trail["trails"],
                start=job.cloud_trail["startTime"],
                end=job.end_time,
                limits=self.service.limits,
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

    def _check_quotas(self, now: datetime) -> None:
        """Generations in progress at a time, and per day (cancelled ones counted), in this account and Region."""
        running = [job for job in self._jobs.values() if job.status == "IN_PROGRESS"]
        concurrency = self.service.concurrency
        if len(running) >= concurrency:
            raise ServiceQuotaExceededException(
                f"Service quota met: at most {concurrency} policy generation(s) can be in progress at a "
                f"time in an account and Region; policy generation {running[0].job_id} is in progress in "
                f"{self.where.region}. Wait for it to complete, or cancel it, and try again.",
                resource_id=running[0].job_id,
                resource_type="PolicyGeneration",
            )
        today = [job for job in self._jobs.values() if job.started_on > now - timedelta(days=1)]
        quota = self.daily_quota
        if len(today) >= quota:
            raise ServiceQuotaExceededException(
                f"Service quota met: at most {quota} policy generations can be started per day in an "
                f"account and Region ({self.where.region} here), cancelled ones included. Try again later.",
                resource_id=self.where.account,
                resource_type="PolicyGeneration",
            )
