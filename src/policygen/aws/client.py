"""The Access Analyzer client: botocore's, for the policy-generation operations and the policy checks.

This is the one place where botocore's errors become :mod:`policygen.errors`. Retries of throttling
and 5xx answers are botocore's own retry modes (``standard`` by default), not a loop of ours.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from policygen.aws.settings import configured_endpoint as configured_endpoint  # noqa: PLC0414
from policygen.aws.settings import endpoint_url_problem as endpoint_url_problem  # noqa: PLC0414

# The client-settings checks live in policygen.aws.settings; these three are re-exported
# because the CLI, the provider's configuration and the tests import them from here (the
# `as` form marks them exported, for mypy).
from policygen.aws.settings import max_attempts_from_environment
from policygen.aws.settings import settings_problems as settings_problems  # noqa: PLC0414
from policygen.errors import (
    ClientTokenConflictError,
    EndpointUnreachableError,
    JobNotFoundError,
    QueueTimeoutError,
    QuotaExceededError,
    ServiceError,
    StopRequestedError,
    WaitTimeoutError,
)
from policygen.spec.quotas import (
    DAILY_QUOTA,
    LOW_DAILY_QUOTA,
    LOW_DAILY_QUOTA_REGIONS,
    QUOTA_PERIOD,
    daily_quota,
)

log = logging.getLogger("policygen.aws.client")

#: Error codes with which the service says a job id names no job it still knows.
_NOT_FOUND_CODES = {"ResourceNotFoundException", "ValidationException"}
#: The error code of a StartPolicyGeneration whose client token was already used with a different
#: request. It is no "busy" answer: waiting never helps, the token or the request has to change.
#: (Both quotas, one in progress and the daily one, are ServiceQuotaExceededException.)
_CONFLICT_CODE = "ConflictException"
#: Job statuses after which nothing changes any more.
FINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "CANCELED"})
#: Seconds :meth:`AccessAnalyzer.start_queued` waits at most for other generations to finish.
DEFAULT_QUEUE_TIMEOUT = 3600.0
#: Longest real pause between two looks at the queue budget while another start of this process
#: holds the start lock (the budget's clock may be a test's fake one, which a lock cannot wait on).
_LOCK_POLL_SECONDS = 0.5
#: Error codes of answers that say the service is passing through trouble (after botocore's own
#: retries): a wait keeps asking through them, as through an endpoint it cannot reach.
_PASSING_CODES = frozenset({"InternalServerException", "ThrottlingException", "ServiceUnavailable"})
#: Error codes with which a service refuses credentials that have expired (rest-json: the first).
_EXPIRED_CODES = frozenset({"ExpiredTokenException", "ExpiredToken"})
_SOURCE = " They are the source credentials of `assume_role`, which need sts:AssumeRole on the role."
_NO_REGION = (
    "No AWS Region is configured for Access Analyzer; set the provider's `region`, `--region`, "
    "AWS_REGION or AWS_DEFAULT_REGION (an empty one counts as unset), or `region` in the AWS profile."
)
_NO_CREDENTIALS = (
    "No AWS credentials were found for Access Analyzer; configure them as for the AWS CLI "
    "(AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, or AWS_ROLE_ARN with "
    "AWS_WEB_IDENTITY_TOKEN_FILE in CI)."
)
#: How long a wait without a time limit rides out an endpoint it cannot reach before it gives up.
OUTAGE_LIMIT = 300.0


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC (the default clock of the daily-quota count)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Polling:
    """How often to ask about a running job: a tenth of the time waited so far, within bounds.

    Short jobs are seen finishing within ``initial`` seconds; long ones (Access Analyzer jobs take
    minutes) are asked about at most every ``cap`` seconds, so a queue of jobs loses at most one
    poll interval per job and the account's API rate is spared.
    """

    initial: float = 0.1
    ratio: float = 0.1
    cap: float = 5.0

    def delay(self, elapsed: float) -> float:
        """Seconds to sleep before the next poll, after ``elapsed`` seconds of waiting."""
        return min(self.cap, max(self.initial, elapsed * self.ratio))


#: ValidatePolicy's findings, as botocore returns them.
Findings = list[dict[str, Any]]


@dataclass(frozen=True)
class AssumeRole:
    """The provider's ``assume_role`` block: a role to assume (sts:AssumeRole) before calling Access Analyzer.

    The fields are those of terraform-provider-aws's block and of STS's AssumeRole request. The
    credentials are refreshed before they expire (botocore's refreshable credentials), and once
    more when the service says they have (a long wait on another clock).
    """

    role_arn: str
    session_name: str = "policygen"
    external_id: str | None = None
    #: DurationSeconds; None: the role's default (one hour).
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None

    def request(self) -> dict[str, Any]:
        """The AssumeRole request's members, as botocore names them, without the role ARN."""
        members: dict[str, Any] = {"RoleSessionName": self.session_name}
        optional = {
            "ExternalId": self.external_id,
            "DurationSeconds": self.duration_seconds,
            "Policy": self.policy,
            "SourceIdentity": self.source_identity,
            "PolicyArns": [{"arn": arn} for arn in self.policy_arns] or None,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags] or None,
            "TransitiveTagKeys": list(self.transitive_tag_keys) or None,
        }
        members.update({k: v for k, v in optional.items() if v is not None})
        return members

    @property
    def account(self) -> str:
        """The role's account, from its ARN (``arn:PARTITION:iam::ACCOUNT:role/NAME``)."""
        parts = self.role_arn.split(":")
        return parts[4] if len(parts) > 5 else "(unknown)"


@dataclass(frozen=True)
class ClientSettings:
    """Where and as whom to call Access Analyzer. None means the AWS SDKs' normal configuration chain
    (``AWS_REGION``, ``AWS_PROFILE``, ``AWS_ENDPOINT_URL_ACCESSANALYZER``, shared config files)."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    #: botocore retry mode for throttling and 5xx: "standard" or "adaptive". None: AWS_RETRY_MODE, else standard.
    retry_mode: str | None = None
    #: Attempts per call, the first included. None: AWS_MAX_ATTEMPTS, else 8.
    max_attempts: int | None = None
    #: A role to assume first (the provider's ``assume_role`` block), or None: the chain's own credentials.
    assume_role: AssumeRole | None = None
    #: Endpoint URL of STS for ``assume_role``. None: AWS_ENDPOINT_URL_STS, else the Region's.
    sts_endpoint_url: str | None = None


class AccessAnalyzer:
    """A thread-safe wrapper around one botocore ``accessanalyzer`` client, created on first use."""

    def __init__(self, settings: ClientSettings | None = None, *, interrupt: threading.Event | None = None) -> None:
        self.settings = settings or ClientSettings()
        #: When set (the provider's StopProvider), every wait of this client ends at once with
        #: :class:`StopRequestedError` instead of sleeping on.
        self.interrupt = interrupt or threading.Event()
        self._client: Any = None
        self._session: Any = None
        self._lock = threading.Lock()
        # Access Analyzer runs one generation at a time per account and Region: starts from this
        # process queue here, one after another, instead of racing each other for the slot.
        self._start_lock = threading.Lock()
        # The generation the start holding the lock is waiting for (a ListPolicyGenerations
        # entry), so that a start queued behind it can name it when its own time runs out.
        self._ahead: dict[str, Any] | None = None

    @property
    def client(self) -> Any:
        """The botocore client (botocore sessions are not thread-safe, so it is made once, under a lock)."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        # Deferred: ~0.1 s that provider start-up and `--help` should not pay. botocore's session
        # makes the client: boto3's adds resources and S3 transfers (another 11 ms of imports on
        # the provider's launch that refreshes), and nothing a client of Access Analyzer uses.
        import botocore.config
        import botocore.exceptions
        import botocore.session

        s = self.settings
        problems = settings_problems(s.region, s.endpoint_url)
        if problems:
            raise ServiceError(" ".join(message[0].upper() + message[1:] for _, message in problems))
        # botocore reads AWS_DEFAULT_REGION only; AWS_REGION is what Terraform's AWS provider and the
        # other SDKs read, so honour it too. An empty value counts as unset.
        region = s.region or os.environ.get("AWS_REGION") or None
        try:
            if s.assume_role is None:
                session = botocore.session.Session(profile=s.profile)
            else:
                session = _assumed_role_session(s.profile, region, s.assume_role, s.sts_endpoint_url)
            self._session = session
            session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_timestamp)
            client = session.create_client(
                "accessanalyzer",
                region_name=region,
                endpoint_url=s.endpoint_url,
                config=botocore.config.Config(
                    retries={
                        "mode": s.retry_mode or os.environ.get("AWS_RETRY_MODE") or "standard",
                        "total_max_attempts": s.max_attempts or max_attempts_from_environment(),
                    },
                    user_agent_extra="policygen",
                ),
            )
        except botocore.exceptions.ProfileNotFound as exc:
            variable = "AWS_PROFILE" if os.environ.get("AWS_PROFILE") else "AWS_DEFAULT_PROFILE"
            named = f"{s.profile!r}" if s.profile else f"{os.environ.get(variable)!r} (from {variable})"
            raise ServiceError(
                f"The AWS profile {named} is not in your AWS config files "
                f"({os.environ.get('AWS_CONFIG_FILE') or '~/.aws/config'}); set it to one that exists "
                "(see `aws configure list-profiles`), or unset it."
            ) from exc
        except botocore.exceptions.NoRegionError as exc:
            raise ServiceError(_NO_REGION) from exc
        except ValueError as exc:  # botocore's word for a bad Region or endpoint from the config files
            raise ServiceError(
                f"The AWS configuration cannot make an Access Analyzer client: {exc}. Check `region` and "
                f"`endpoint_url` in your AWS config file ({os.environ.get('AWS_CONFIG_FILE') or '~/.aws/config'}"
                f"{f', profile {s.profile}' if s.profile else ''})."
            ) from exc
        if not client.meta.region_name:  # never sign a request for an empty Region
            raise ServiceError(_NO_REGION)
        return client

    def verify(self) -> None:
        """Make the client now and check that it has a Region and credentials (the provider's plan does).

        Raises :class:`ServiceError` naming the setting at fault and the fix. Credentials are
        resolved as botocore resolves them (environment, profile, SSO, web identity, container or
        instance metadata unless AWS_EC2_METADATA_DISABLED is true); nothing is called.
        """
        import botocore.exceptions

        self.client  # noqa: B018  # made for its checks
        role = self.settings.assume_role
        try:
            credentials = self._session.get_credentials()
            if credentials is not None and role is not None:
                credentials.get_frozen_credentials()  # assumes the role now: its refusal is the plan's
        except botocore.exceptions.ClientError as exc:
            raise self._assume_role_error(exc) from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise ServiceError(_NO_CREDENTIALS + _SOURCE if role else _NO_CREDENTIALS) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise ServiceError(f"The AWS credentials for Access Analyzer cannot be loaded: {exc}") from exc
        if credentials is None:
            raise ServiceError(_NO_CREDENTIALS)

    def _assume_role_error(self, exc: Any) -> ServiceError:
        """The error of an AssumeRole that STS refused, naming the role, its account and the fix."""
        role = self.settings.assume_role
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "") or str(exc)
        if role is None:
            return ServiceError(f"Loading AWS credentials failed with {code}: {message}", code=code)
        fix = (
            "Check that the role exists, that its trust policy lets the caller's account assume it, and that "
            "`external_id` matches the trust policy's sts:ExternalId condition (if it has one)."
            if code == "AccessDenied"
            else "Check the `assume_role` block (role_arn, duration, policy, tags)."
        )
        return ServiceError(
            f"Could not assume the role {role.role_arn} (account {role.account}) for Access Analyzer: STS said "
            f"{code}: {message} {fix}",
            code=code,
            operation="AssumeRole",
        )

    def start(self, request: dict[str, Any]) -> str:
        """StartPolicyGeneration; returns the job id."""
        response = self._call("StartPolicyGeneration", "start_policy_generation", **request)
        job_id: str = response["jobId"]
        return job_id

    def start_queued(
        self,
        request: dict[str, Any],
        *,
        sleep: Callable[[float], None] | None = None,
        queue_timeout: float | None = DEFAULT_QUEUE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
    ) -> str:
        """StartPolicyGeneration, waiting while another generation is in progress; returns the job id.

        When the service refuses because a generation is running (ours or anyone's in the account
        and Region, as ListPolicyGenerations shows), follow that job and start as soon as it has
        finished. When nothing is running the refusal is the daily quota: raise
        :class:`QuotaExceededError` at once, counting the generations started in the 24 hours
        before ``now()`` and saying when the quota frees. Starts from one process go one after
        another (a lock), so parallel resources queue instead of racing for the slot.

        ``queue_timeout`` bounds, in seconds of ``clock``, the whole time this call waits for its
        turn: behind the other starts of this process and for running generations, over every
        job it follows. When it runs out, raise :class:`QueueTimeoutError` (nothing is started);
        None waits without limit. ``sleep`` and ``clock`` are injectable so that tests run on a
        fake time.

        Raises:
            ClientTokenConflictError: the client token was already used for a different request
                (at once: waiting cannot help).
            QuotaExceededError: the daily quota is used up.
            QueueTimeoutError: other generations kept the slot longer than ``queue_timeout``.
        """
        sleep = sleep or self.pause
        began = clock()
        self._enter_queue(began, queue_timeout, clock)
        try:
            while True:
                try:
                    return self.start(request)
                except QuotaExceededError as exc:
                    generations = list(self.list())
                    running = [g for g in generations if g.get("status") == "IN_PROGRESS"]
                    if not running:
                        raise self._daily_quota_error(generations, str(exc), now()) from exc
                    # With several running (a service allowing more than one), the oldest frees the
                    # slot first.
                    ahead = min(running, key=lambda g: g["startedOn"])
                    self._ahead = ahead
                    remaining: float | None = None
                    if queue_timeout is not None:
                        # What is left of the budget bounds this wait, so several waits in a row
                        # (a job finished, another took the slot) add up to at most queue_timeout.
                        remaining = began + queue_timeout - clock()
                        if remaining <= 0:
                            raise self._queue_timeout_error(ahead, clock() - began, queue_timeout) from exc
                    log.info("policy generation %s is in progress; starting when it has finished", ahead["jobId"])
                    try:
                        self.wait(ahead["jobId"], timeout=remaining, sleep=sleep, clock=clock)
                    except JobNotFoundError:
                        continue  # gone already: try again at once
                    except WaitTimeoutError:
                        # wait() gives up when its next poll would come too late. Use the rest of the
                        # budget and try once more at its end: a job finishing just before the
                        # limit still lets us start, and the error then reports the whole limit.
                        if queue_timeout is None:  # an unbounded wait does not time out
                            raise
                        sleep(max(0.0, began + queue_timeout - clock()))
        finally:
            self._ahead = None
            self._start_lock.release()

    def _enter_queue(self, began: float, queue_timeout: float | None, clock: Callable[[], float]) -> None:
        """Take the start lock, giving up when ``queue_timeout`` (counted from ``began``) runs out."""
        if queue_timeout is None:
            while not self._start_lock.acquire(timeout=_LOCK_POLL_SECONDS):
                self._check_interrupt()
            return
        # Look at the budget between short real waits rather than waiting `remaining` on the lock:
        # `clock` may be a fake one that only the starts ahead of us move.
        while not self._start_lock.acquire(blocking=False):
            self._check_interrupt()
            remaining = began + queue_timeout - clock()
            if remaining <= 0:
                raise self._queue_timeout_error(self._ahead, clock() - began, queue_timeout, behind_own_starts=True)
            if self._start_lock.acquire(timeout=min(remaining, _LOCK_POLL_SECONDS)):
                return

    def _queue_timeout_error(
        self, ahead: dict[str, Any] | None, waited: float, limit: float, *, behind_own_starts: bool = False
    ) -> QueueTimeoutError:
        """The error of a start whose turn did not come within ``limit`` seconds."""
        job_id = ahead.get("jobId") if ahead else None
        principal = ahead.get("principalArn") if ahead else None
        job = f"policy generation {job_id}" + (f" (of {principal})" if principal else "") if job_id else None
        if behind_own_starts:
            what = "behind the other starts of this process" + (f", the first of which waits for {job}" if job else "")
        else:
            what = f"for {job} to finish"
        return QueueTimeoutError(
            f"Gave up starting the policy generation after waiting {waited:.0f} s {what}; the limit "
            f"(queue_timeout) is {limit:.0f} s. Access Analyzer runs one generation at a time per "
            f"account and Region (here {self.client.meta.region_name}, endpoint {self.client.meta.endpoint_url}), "
            "and nothing was started. Raise `queue_timeout`, or run fewer generations per account and Region "
            "at once.",
            job_id=job_id,
            principal_arn=principal,
            waited=waited,
            limit=limit,
        )

    def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        sleep: Callable[[float], None] | None = None,
        polling: Polling | None = None,
        on_poll: Callable[[dict[str, Any], float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict[str, Any]:
        """Poll GetGeneratedPolicy until the job reaches a final status; return its ``jobDetails``.

        ``on_poll(job_details, elapsed_seconds)`` is called after every poll (for progress displays).
        Raises :class:`WaitTimeoutError` when ``timeout`` seconds of ``clock`` would pass before the
        next poll (``clock`` and ``sleep`` are injectable, for tests on a fake time), and
        :class:`StopRequestedError` when :attr:`interrupt` is set.

        An endpoint that cannot be reached, or answers that it is in trouble, after botocore's own
        retries, is a passing outage: the wait keeps asking at its usual pace, within ``timeout``
        (or :data:`OUTAGE_LIMIT` seconds of outage without one), and then raises the last error.
        """
        polling = polling or Polling()
        sleep = sleep or self.pause
        started = clock()
        outage_began: float | None = None
        while True:
            try:
                details: dict[str, Any] = self.get(job_id)["jobDetails"]
            except ServiceError as exc:
                if not _passing(exc):
                    raise
                outage_began = clock() if outage_began is None else outage_began
                elapsed = clock() - started
                delay = polling.delay(elapsed)
                too_long = clock() - outage_began + delay > OUTAGE_LIMIT
                if (timeout is not None and elapsed + delay > timeout) or (timeout is None and too_long):
                    raise
                log.warning("policy generation %s: %s; asking again in %.1f s", job_id, exc, delay)
                sleep(delay)
                continue
            outage_began = None
            elapsed = clock() - started
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

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or end at once with :class:`StopRequestedError` when :attr:`interrupt` is set."""
        if self.interrupt.wait(seconds):
            self._check_interrupt()

    def _check_interrupt(self) -> None:
        if self.interrupt.is_set():
            raise StopRequestedError(
                "Terraform asked the provider to stop (Ctrl-C or a cancelled run) while it was waiting."
            )

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

    # ---- policy checks (issue 16): the draft's quality gate ------------------------------------

    def validate_policy(self, document: str, policy_type: str = "IDENTITY_POLICY") -> Findings:
        """ValidatePolicy, all pages: the findings (ERROR, SECURITY_WARNING, WARNING, SUGGESTION)."""
        kwargs: dict[str, Any] = {"policyDocument": document, "policyType": policy_type}
        findings: Findings = []
        while True:
            page = self._call("ValidatePolicy", "validate_policy", **kwargs)
            findings.extend(page.get("findings", []))
            if not page.get("nextToken"):
                return findings
            kwargs["nextToken"] = page["nextToken"]

    def check_no_new_access(self, new: str, existing: str, policy_type: str = "IDENTITY_POLICY") -> dict[str, Any]:
        """CheckNoNewAccess: ``result`` PASS when ``new`` grants nothing ``existing`` does not, with reasons."""
        return self._call(
            "CheckNoNewAccess",
            "check_no_new_access",
            newPolicyDocument=new,
            existingPolicyDocument=existing,
            policyType=policy_type,
        )

    def check_access_not_granted(
        self, document: str, actions: Sequence[str], policy_type: str = "IDENTITY_POLICY"
    ) -> dict[str, Any]:
        """CheckAccessNotGranted: ``result`` PASS when ``document`` grants none of ``actions``, with reasons.

        The service takes at most 100 actions per call, so a longer list is checked 100 at a time:
        the result is FAIL when any part fails, with the reasons of all parts.
        """
        chunks = [actions[i : i + 100] for i in range(0, len(actions), 100)] or [actions]
        answers = [
            self._call(
                "CheckAccessNotGranted",
                "check_access_not_granted",
                policyDocument=document,
                access=[{"actions": [*chunk]}],
                policyType=policy_type,
            )
            for chunk in chunks
        ]
        failed = [a for a in answers if a.get("result") == "FAIL"]
        merged = dict((failed or answers)[0])
        merged["reasons"] = [reason for a in answers for reason in a.get("reasons", [])]
        return merged

    def _call(self, operation: str, method: str, **kwargs: Any) -> dict[str, Any]:
        import botocore.exceptions

        try:
            try:
                response: dict[str, Any] = getattr(self.client, method)(**kwargs)
            except botocore.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if self.settings.assume_role is None or code not in _EXPIRED_CODES:
                    raise
                # The role's credentials expired by the service's clock before botocore's own refresh:
                # assume the role again (a new client and session) and call once more.
                log.info("the assumed role's credentials expired (%s); assuming the role again", code)
                with self._lock:
                    self._client = None
                response = getattr(self.client, method)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            if exc.operation_name == "AssumeRole":
                raise self._assume_role_error(exc) from exc
            raise self._translate(operation, kwargs, exc) from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise ServiceError(_NO_CREDENTIALS, operation=operation) from exc
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError) as exc:
            raise EndpointUnreachableError(
                f"{operation} could not reach the Access Analyzer endpoint {exc.kwargs.get('endpoint_url')}; "
                "check the endpoint URL and that the service (or `policygen emulator`) is running.",
                operation=operation,
            ) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise ServiceError(f"{operation} failed: {exc}", operation=operation) from exc
        response.pop("ResponseMetadata", None)
        return response

    def _translate(self, operation: str, kwargs: dict[str, Any], exc: Any) -> ServiceError:
        """The policygen error for a botocore ``ClientError`` of ``operation`` called with ``kwargs``."""
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        message = error.get("Message", "") or str(exc)
        job_id = kwargs.get("jobId")
        if job_id and code in _NOT_FOUND_CODES and operation != "StartPolicyGeneration":
            region, endpoint = self.client.meta.region_name, self.client.meta.endpoint_url
            return JobNotFoundError(
                f"Access Analyzer has no policy generation job {job_id!r} in Region {region} (endpoint "
                f"{endpoint}) ({code}: {message}). Jobs are kept for about seven days, and only the Region "
                "and endpoint that started a job know it; check the id, and the Region and endpoint "
                "configured (`region` and `endpoint` of the provider, or --region and --endpoint-url).",
                job_id=job_id,
                region=region,
                endpoint=endpoint,
                code=code,
                operation=operation,
            )
        token = kwargs.get("clientToken")
        if operation == "StartPolicyGeneration" and code == _CONFLICT_CODE and token:
            earlier = exc.response.get("resourceId")
            started = f" (it started policy generation {earlier})" if earlier else ""
            return ClientTokenConflictError(
                f"The client token {token!r} was already used for a different request{started}, and a "
                "token must always come with the same request, so nothing was started. Give each resource "
                "its own `client_token`, or leave `client_token` out so that policygen derives one from the "
                f"request; to run an unchanged request again, change `triggers`. The service said: {message}",
                client_token=token,
                job_id=earlier,
                code=code,
                operation=operation,
            )
        if code == "ServiceQuotaExceededException":
            return QuotaExceededError(
                f"{operation} was refused by a service quota: {message}", code=code, operation=operation
            )
        return ServiceError(f"{operation} failed with {code}: {message}", code=code, operation=operation)

    def _daily_quota_error(
        self, generations: Sequence[dict[str, Any]], detail: str, now: datetime
    ) -> QuotaExceededError:
        """The error of a start refused with nothing in progress: the daily quota is used up.

        ``generations`` is ListPolicyGenerations' answer; those started in the 24 hours before
        ``now`` are the ones the quota counts.
        """
        region = self.client.meta.region_name
        quota = daily_quota(region)
        recent = sorted(g["startedOn"] for g in generations if now - g["startedOn"] < QUOTA_PERIOD)
        count = len(recent)
        where = f"in this account and Region {region}"
        others = (
            f"{DAILY_QUOTA} in most other Regions"
            if quota == LOW_DAILY_QUOTA
            else f"{LOW_DAILY_QUOTA} in {', '.join(sorted(LOW_DAILY_QUOTA_REGIONS))}"
        )
        allowed = f"Access Analyzer allows {quota} a day there ({others}), cancelled and failed ones included"
        if not recent:
            return QuotaExceededError(
                f"The daily quota of policy generations is used up, although ListPolicyGenerations shows none "
                f"started in the last 24 hours {where}; {allowed}. Try again later. The service said: {detail}",
                code="ServiceQuotaExceededException",
                operation="StartPolicyGeneration",
            )
        # A place frees once so many have aged out that fewer than `quota` remain: 24 hours after
        # the (count - quota + 1)th oldest. When fewer are listed than the quota (the service's own
        # count decides), the oldest is the best guess.
        frees_at = _next_minute((recent[max(0, count - quota)] + QUOTA_PERIOD).astimezone(UTC))
        started = f"{count} was started" if count == 1 else f"{count} were started"
        return QuotaExceededError(
            f"The daily quota of policy generations is used up: {started} in the last 24 hours {where}, "
            f"and {allowed}; the next place frees at {frees_at:%Y-%m-%d %H:%M} UTC. Wait until "
            f"then, or start fewer generations a day in this Region. The service said: {detail}",
            code="ServiceQuotaExceededException",
            operation="StartPolicyGeneration",
        )


def parse_timestamp(value: Any) -> datetime:
    """A timestamp of a response, as botocore's own parser reads it, faster for the usual ISO 8601 text.

    botocore hands every timestamp to dateutil's general parser, about 0.1 ms each: a plan's one
    ListPolicyGenerations of a few hundred jobs spent more in it than in the call. Access Analyzer
    writes ISO 8601 with a zone (``2026-12-07T06:00:00Z``), which the standard library reads; any
    other form (epoch seconds, no zone, RFC 822) goes to botocore's parser as before.
    """
    import botocore.utils

    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    result: datetime = botocore.utils.parse_timestamp(value)
    return result


def _assumed_role_session(
    profile: str | None, region: str | None, role: AssumeRole, sts_endpoint_url: str | None
) -> Any:
    """A botocore session whose credentials are ``role``'s, assumed with the chain's (``profile``) and refreshed.

    botocore's own pieces do the work (AssumeRoleCredentialFetcher, DeferredRefreshableCredentials),
    given to a fresh botocore session as the first credential provider of its chain, so that they
    are refreshed before they expire, during a long wait too.
    """
    import botocore.credentials
    import botocore.session

    source = botocore.session.Session(profile=profile)
    region = region or source.get_config_variable("region")

    def sts_client(service_name: str, **kwargs: Any) -> Any:
        return source.create_client(service_name, region_name=region, endpoint_url=sts_endpoint_url, **kwargs)

    fetcher = botocore.credentials.AssumeRoleCredentialFetcher(
        client_creator=sts_client,
        source_credentials=source.get_credentials(),
        role_arn=role.role_arn,
        extra_args=role.request(),
    )
    credentials = botocore.credentials.DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role"
    )

    class AssumedRole(botocore.credentials.CredentialProvider):  # type: ignore[misc]
        METHOD = "assume-role"
        CANONICAL_NAME = "policygen-assume-role"

        def load(self) -> Any:
            return credentials

    assumed = botocore.session.Session()
    assumed.get_component("credential_provider").insert_before("env", AssumedRole())
    if region:
        assumed.set_config_variable("region", region)
    return assumed


def _passing(exc: ServiceError) -> bool:
    """Whether ``exc`` says the service is passing through trouble rather than refusing the call."""
    return isinstance(exc, EndpointUnreachableError) or exc.code in _PASSING_CODES


def _next_minute(moment: datetime) -> datetime:
    """``moment`` rounded up to the minute, so that a time printed to the minute is never too early."""
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)
