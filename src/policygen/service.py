"""The Access Analyzer client: boto3 for the four policy-generation operations.

This is the one place where botocore's errors become :mod:`policygen.errors`. Retries of throttling
and 5xx answers are botocore's own retry modes (``standard`` by default), not a loop of ours.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from policygen.errors import JobNotFoundError, QuotaExceededError, ServiceError, WaitTimeoutError

log = logging.getLogger("policygen.service")

#: Error codes with which the service says a job id names no job it still knows.
_NOT_FOUND_CODES = {"ResourceNotFoundException", "ValidationException"}
#: Error codes with which StartPolicyGeneration may refuse while another generation runs.
_BUSY_CODES = {"ServiceQuotaExceededException", "ConflictException"}
#: Job statuses after which nothing changes any more.
FINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "CANCELED"})
#: The daily quota counts the generations of the last 24 hours.
QUOTA_PERIOD = timedelta(hours=24)


@dataclass(frozen=True)
class Polling:
    """How often to ask about a running job: a tenth of the time waited so far, within bounds.

    Short jobs are seen finishing within ``initial`` seconds; long ones (Access Analyzer jobs take
    minutes) are asked about at most every ``cap`` seconds, so a queue of jobs loses at most one
    poll interval per job and the account's API rate is spared.
    """

    initial: float = 0.25
    ratio: float = 0.1
    cap: float = 5.0

    def delay(self, elapsed: float) -> float:
        """Seconds to sleep before the next poll, after ``elapsed`` seconds of waiting."""
        return min(self.cap, max(self.initial, elapsed * self.ratio))


@dataclass(frozen=True)
class ClientSettings:
    """Where and as whom to call Access Analyzer. None means boto3's normal configuration chain
    (``AWS_REGION``, ``AWS_PROFILE``, ``AWS_ENDPOINT_URL_ACCESSANALYZER``, shared config files)."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    #: botocore retry mode for throttling and 5xx: "standard" or "adaptive". None: AWS_RETRY_MODE, else standard.
    retry_mode: str | None = None
    #: Attempts per call, the first included. None: AWS_MAX_ATTEMPTS, else 8.
    max_attempts: int | None = None


class AccessAnalyzer:
    """A thread-safe wrapper around one boto3 ``accessanalyzer`` client, created on first use."""

    def __init__(self, settings: ClientSettings | None = None) -> None:
        self.settings = settings or ClientSettings()
        self._client: Any = None
        self._lock = threading.Lock()
        # Access Analyzer runs one generation at a time per account and Region: starts from this
        # process queue here, one after another, instead of racing each other for the slot.
        self._start_lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The boto3 client (boto3 sessions are not thread-safe, so it is made once, under a lock)."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        import boto3  # deferred: ~0.2 s that provider start-up and `--help` should not pay
        import botocore.config
        import botocore.exceptions

        s = self.settings
        # botocore reads AWS_DEFAULT_REGION only; AWS_REGION is what Terraform's AWS provider and the
        # other SDKs read, so honour it too.
        region = s.region or os.environ.get("AWS_REGION")
        try:
            session = boto3.session.Session(profile_name=s.profile, region_name=region)
            return session.client(
                "accessanalyzer",
                endpoint_url=s.endpoint_url,
                config=botocore.config.Config(
                    retries={
                        "mode": s.retry_mode or os.environ.get("AWS_RETRY_MODE") or "standard",
                        "total_max_attempts": s.max_attempts or int(os.environ.get("AWS_MAX_ATTEMPTS") or 8),
                    },
                    user_agent_extra="policygen",
                ),
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise ServiceError(
                f"The AWS profile {s.profile!r} is not in your AWS config files; "
                "set `profile` to one that exists (see `aws configure list-profiles`)."
            ) from exc
        except botocore.exceptions.NoRegionError as exc:
            raise ServiceError(
                "No AWS Region is configured for Access Analyzer; set the provider's `region`, "
                "`--region`, AWS_REGION or AWS_DEFAULT_REGION."
            ) from exc

    def start(self, request: dict[str, Any]) -> str:
        """StartPolicyGeneration; returns the job id."""
        response = self._call("StartPolicyGeneration", "start_policy_generation", **request)
        job_id: str = response["jobId"]
        return job_id

    def start_queued(self, request: dict[str, Any], *, sleep: Callable[[float], None] = time.sleep) -> str:
        """StartPolicyGeneration, waiting while another generation is in progress.

        When the service refuses because a generation is running (ours or anyone's in the account
        and Region, as ListPolicyGenerations shows), follow that job and start as soon as it has
        finished. When nothing is running the refusal is the daily quota: raise
        :class:`QuotaExceededError` at once, saying when the quota frees. Starts from one process
        go one after another (a lock), so parallel resources queue instead of racing for the slot.
        """
        with self._start_lock:
            while True:
                try:
                    return self.start(request)
                except ServiceError as exc:
                    if exc.code not in _BUSY_CODES:
                        raise
                    generations = list(self.list())
                    running = [g["jobId"] for g in generations if g.get("status") == "IN_PROGRESS"]
                    if not running:
                        raise _daily_quota_error(generations, str(exc)) from exc
                    log.info("policy generation %s is in progress; starting when it has finished", running[0])
                    with contextlib.suppress(JobNotFoundError):  # gone already: try again at once
                        self.wait(running[0], sleep=sleep)

    def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        polling: Polling | None = None,
        on_poll: Callable[[dict[str, Any], float], None] | None = None,
    ) -> dict[str, Any]:
        """Poll GetGeneratedPolicy until the job reaches a final status; return its ``jobDetails``.

        ``on_poll(job_details, elapsed_seconds)`` is called after every poll (for progress displays).
        Raises :class:`WaitTimeoutError` when ``timeout`` seconds pass first.
        """
        polling = polling or Polling()
        started = time.monotonic()
        while True:
            details: dict[str, Any] = self.get(job_id)["jobDetails"]
            elapsed = time.monotonic() - started
            if on_poll:
                on_poll(details, elapsed)
            if details["status"] in FINAL_STATUSES:
                return details
            delay = polling.delay(elapsed)
            if timeout is not None and elapsed + delay > timeout:
                raise WaitTimeoutError(
                    f"Policy generation {job_id} is still {details['status']} after {elapsed:.0f} s "
                    f"(the limit is {timeout:.0f} s); it keeps running at Access Analyzer. "
                    f"Wait longer, or follow it with `policygen wait {job_id}`."
                )
            sleep(delay)

    def get(self, job_id: str, *, placeholders: bool = False, service_level: bool = False) -> dict[str, Any]:
        """GetGeneratedPolicy: the job's details and, once SUCCEEDED, its generated policies."""
        return self._call(
            "GetGeneratedPolicy",
            "get_generated_policy",
            jobId=job_id,
            includeResourcePlaceholders=placeholders,
            includeServiceLevelTemplate=service_level,
        )

    def list(self, principal_arn: str | None = None) -> Iterator[dict[str, Any]]:
        """ListPolicyGenerations of the last seven days, all pages."""
        kwargs: dict[str, Any] = {"principalArn": principal_arn} if principal_arn else {}
        while True:
            page = self._call("ListPolicyGenerations", "list_policy_generations", **kwargs)
            yield from page.get("policyGenerations", [])
            if not page.get("nextToken"):
                return
            kwargs["nextToken"] = page["nextToken"]

    def cancel(self, job_id: str) -> None:
        """CancelPolicyGeneration."""
        self._call("CancelPolicyGeneration", "cancel_policy_generation", jobId=job_id)

    def _call(self, operation: str, method: str, **kwargs: Any) -> dict[str, Any]:
        import botocore.exceptions

        try:
            response: dict[str, Any] = getattr(self.client, method)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            raise _translate(operation, kwargs, exc) from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise ServiceError(
                "No AWS credentials were found for Access Analyzer; configure them as for the AWS CLI "
                "(AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or SSO).",
                operation=operation,
            ) from exc
        except botocore.exceptions.EndpointConnectionError as exc:
            raise ServiceError(
                f"{operation} could not reach the Access Analyzer endpoint {exc.kwargs.get('endpoint_url')}; "
                "check the endpoint URL and that the service (or `policygen emulator`) is running.",
                operation=operation,
            ) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise ServiceError(f"{operation} failed: {exc}", operation=operation) from exc
        response.pop("ResponseMetadata", None)
        return response


def _translate(operation: str, kwargs: dict[str, Any], exc: Any) -> ServiceError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    message = error.get("Message", "") or str(exc)
    job_id = kwargs.get("jobId")
    if job_id and code in _NOT_FOUND_CODES and operation != "StartPolicyGeneration":
        return JobNotFoundError(
            f"Access Analyzer has no policy generation job {job_id!r} ({code}: {message}). "
            "Jobs are kept for about seven days; check the id and the Region.",
            code=code,
            operation=operation,
        )
    if code == "ServiceQuotaExceededException":
        return QuotaExceededError(
            f"{operation} was refused by a service quota: {message}", code=code, operation=operation
        )
    return ServiceError(f"{operation} failed with {code}: {message}", code=code, operation=operation)


def _daily_quota_error(generations: list[dict[str, Any]], detail: str) -> QuotaExceededError:
    now = datetime.now(UTC)
    recent = sorted(g["startedOn"] for g in generations if now - g["startedOn"] < QUOTA_PERIOD)
    when = (
        f"the oldest of them frees its place at {(recent[0] + QUOTA_PERIOD):%Y-%m-%d %H:%M} UTC"
        if recent
        else "try again later"
    )
    return QuotaExceededError(
        f"The daily quota of policy generations is used up: {len(recent)} were started in the last 24 hours "
        f"in this account and Region (Access Analyzer allows 50 a day, 5 in some Regions, cancelled ones "
        f"included); {when}. The service said: {detail}",
        code="ServiceQuotaExceededException",
        operation="StartPolicyGeneration",
    )
