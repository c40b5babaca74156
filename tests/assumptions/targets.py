"""The two sides an assumption is checked on: the embedded endpoint, and a real AWS account.

A test speaks to a :class:`Target` only: a boto3 ``accessanalyzer`` client and a few ways to get
jobs in a given state. The emulator side makes them in a fresh endpoint per test, on a clock the
test moves (``FakeClock``); the real-AWS side shares one job over the session, starts at most
:data:`MAX_FRESH_STARTS` with a new client token, and cancels every job it started that still runs
when the session ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator
from tests.emulator.helpers import ACCESS_ROLE, ACCOUNT, PRINCIPAL, TRAIL, FakeClock, make_client

from .real_aws import ACCESS_ROLE_VARIABLE, TRAIL_VARIABLE, RealAws

#: The modules of the assumptions: every test in them takes ``target`` and runs on both sides.
ASSUMPTION_MODULES = ("test_jobs.py", "test_listing.py")
#: How long a job of the emulator side runs, on its fake clock (the AWS CLI's example job took
#: about 2 min 20 s): tests end it by cancelling it or by moving the clock.
JOB_SECONDS = 140.0
#: The analysed window of every job: a week ends before now, so a real job runs for a while.
WINDOW = timedelta(days=7)
#: StartPolicyGeneration calls with a client token not used before, per real-AWS session. Each may
#: start a job, and each job counts against the daily quota of 50 (5 in a few Regions).
MAX_FRESH_STARTS = 4
#: Most list pages one walk reads (a busy account can have hundreds of jobs in seven days).
MAX_PAGES = 25
#: An access role the emulator side's world does not know: a job naming it ends FAILED.
UNKNOWN_ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/NoSuchAccessRole"
#: A principal of the emulator side's jobs other than :data:`PRINCIPAL`.
OTHER_PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/Other"


@dataclass(frozen=True)
class Started:
    """A job, with the client token and the request (without the token) that started it."""

    job_id: str
    token: str
    request: dict[str, Any]


def fresh_token() -> str:
    """A client token never used before."""
    return f"policygen-assumptions-{uuid.uuid4()}"


def error_code(error: ClientError) -> str:
    """The service's error code of a ``ClientError``."""
    code: str = error.response.get("Error", {}).get("Code", "")
    return code


def status_of(client: Any, job_id: str) -> str:
    """The job's status, from GetGeneratedPolicy."""
    status: str = client.get_generated_policy(jobId=job_id)["jobDetails"]["status"]
    return status


def listed(client: Any, *, max_pages: int = MAX_PAGES, **params: Any) -> Iterator[dict[str, Any]]:
    """ListPolicyGenerations' entries, following ``nextToken`` for at most ``max_pages`` pages."""
    for _ in range(max_pages):
        page = client.list_policy_generations(**params)
        yield from page.get("policyGenerations", [])
        if not page.get("nextToken"):
            return
        params = {**params, "nextToken": page["nextToken"]}


class Target:
    """What a test of an assumption needs from a side; see :class:`EmulatorTarget` and :class:`AwsTarget`."""

    #: ``emulator`` or ``aws``, as in the test ids.
    name: str
    #: A boto3 ``accessanalyzer`` client of this side.
    client: Any
    #: The principal whose activity the jobs analyse.
    principal_arn: str
    trail_arn: str
    access_role_arn: str

    def now(self) -> datetime:
        """This side's current time."""
        raise NotImplementedError

    def request(self, *, window: timedelta = WINDOW, access_role: str | None = None) -> dict[str, Any]:
        """A StartPolicyGeneration request, without a token, for ``window`` up to now."""
        return {
            "policyGenerationDetails": {"principalArn": self.principal_arn},
            "cloudTrailDetails": {
                "trails": [{"cloudTrailArn": self.trail_arn, "allRegions": True}],
                "accessRole": access_role or self.access_role_arn,
                "startTime": self.now() - window,
            },
        }

    def start(self, request: dict[str, Any], token: str) -> str:
        """StartPolicyGeneration of ``request`` with ``token``: the job id it answers."""
        job_id: str = self.client.start_policy_generation(**request, clientToken=token)["jobId"]
        return job_id

    def running_job(self) -> Started:
        """A job that is IN_PROGRESS now."""
        raise NotImplementedError

    def ended_job(self) -> Started:
        """A job that has ended (by being cancelled)."""
        raise NotImplementedError

    def ended_jobs(self, count: int) -> list[str]:
        """At least ``count`` ended jobs of :attr:`principal_arn`, started at different times."""
        raise NotImplementedError

    def seed_history(self) -> None:
        """Jobs of every status, where this side can make them (the real account's history is its own)."""

    def other_principal_job(self) -> str | None:
        """An ended job of another principal, where this side can make one cheaply."""
        return None

    def aged_job(self) -> str | None:
        """A job started more than seven days ago, where this side has one."""
        return None


class EmulatorTarget(Target):
    """The embedded endpoint, fresh for each test, on a clock the test moves."""

    name = "emulator"

    def __init__(self, emulator: Emulator, clock: FakeClock) -> None:
        self.emulator = emulator
        self.clock = clock
        self.client = make_client(emulator.url)
        self.principal_arn = PRINCIPAL
        self.trail_arn = TRAIL
        self.access_role_arn = ACCESS_ROLE

    def now(self) -> datetime:
        return self.clock.now

    def start(self, request: dict[str, Any], token: str) -> str:
        job_id = super().start(request, token)
        self.clock.advance(seconds=1)  # so that no two jobs start at the same moment
        return job_id

    def running_job(self) -> Started:
        request, token = self.request(), fresh_token()
        return Started(self.start(request, token), token, request)

    def ended_job(self) -> Started:
        job = self.running_job()
        self.client.cancel_policy_generation(jobId=job.job_id)
        return job

    def ended_jobs(self, count: int) -> list[str]:
        return [self.ended_job().job_id for _ in range(count)]

    def seed_history(self) -> None:
        self.start(self.request(), fresh_token())
        self.clock.advance(seconds=JOB_SECONDS)  # SUCCEEDED
        self.start(self.request(access_role=UNKNOWN_ACCESS_ROLE), fresh_token())
        self.clock.advance(seconds=JOB_SECONDS)  # FAILED, AUTHORIZATION_ERROR
        self.ended_job()  # CANCELED
        self.running_job()  # IN_PROGRESS

    def other_principal_job(self) -> str:
        request = self.request()
        request["policyGenerationDetails"] = {"principalArn": OTHER_PRINCIPAL}
        job_id = self.start(request, fresh_token())
        self.client.cancel_policy_generation(jobId=job_id)
        return job_id

    def aged_job(self) -> str:
        job = self.ended_job()
        self.clock.advance(days=8)
        return job.job_id


@dataclass
class AwsTarget(Target):
    """A real account, through checked clients (:func:`tests.assumptions.real_aws.connect`), for a whole session.

    One job (:attr:`job`) serves every test that needs one running or ended; the tests that need
    it running come first in their module. Jobs are started only with the trail and access role
    the environment names, and only :data:`MAX_FRESH_STARTS` times with a new token.
    """

    real: RealAws
    name: str = "aws"
    job: Started | None = None
    fresh_starts: int = 0
    #: Every job this session started, for :meth:`clean_up`.
    started: list[str] = field(default_factory=list)
    _tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        given = self.real.settings
        self.client = self.real.accessanalyzer
        self.trail_arn = given.trail_arn or ""
        self.access_role_arn = given.access_role_arn or ""
        self.principal_arn = given.principal_arn or self.access_role_arn

    def now(self) -> datetime:
        return datetime.now(UTC)

    def _require_jobs(self) -> None:
        if not (self.trail_arn and self.access_role_arn):
            pytest.skip(f"starts a job: set {TRAIL_VARIABLE} and {ACCESS_ROLE_VARIABLE} (docs/assumptions.md)")

    def start(self, request: dict[str, Any], token: str) -> str:
        self._require_jobs()
        if token not in self._tokens:
            if self.fresh_starts >= MAX_FRESH_STARTS:
                pytest.fail(
                    f"The real-AWS side may start at most {MAX_FRESH_STARTS} jobs with a new client token per "
                    "run (each counts against the daily quota); this test would start one more.",
                    pytrace=False,
                )
            self.fresh_starts += 1
            self._tokens.add(token)
        job_id = super().start(request, token)
        if job_id not in self.started:
            self.started.append(job_id)
        return job_id

    def _running_elsewhere(self) -> None:
        running = [g for g in listed(self.client) if g["status"] == "IN_PROGRESS"]
        if running:
            pytest.fail(
                f"Policy generation {running[0]['jobId']} is in progress in account {self.real.settings.account} "
                f"in {self.real.region}; the real-AWS side needs the one slot. Wait for it to end.",
                pytrace=False,
            )

    def running_job(self) -> Started:
        if self.job is not None and status_of(self.client, self.job.job_id) == "IN_PROGRESS":
            return self.job
        self._require_jobs()
        self._running_elsewhere()
        request, token = self.request(), fresh_token()
        self.job = Started(self.start(request, token), token, request)
        return self.job

    def ended_job(self) -> Started:
        job = self.job or self.running_job()
        if status_of(self.client, job.job_id) == "IN_PROGRESS":
            self.client.cancel_policy_generation(jobId=job.job_id)
        return job

    def ended_jobs(self, count: int) -> list[str]:
        since = self.now() - timedelta(days=7)
        ended = [
            g["jobId"]
            for g in listed(self.client, principalArn=self.principal_arn)
            if g["status"] != "IN_PROGRESS" and g["startedOn"] > since
        ]
        while len(ended) < count:
            self._require_jobs()
            self._running_elsewhere()
            job_id = self.start(self.request(), fresh_token())
            self.client.cancel_policy_generation(jobId=job_id)
            ended.append(job_id)
        return ended

    def aged_job(self) -> str | None:
        return self.real.settings.old_job_id

    def clean_up(self) -> None:
        """Cancel every job this session started that is still in progress."""
        for job_id in self.started:
            if status_of(self.client, job_id) == "IN_PROGRESS":
                self.client.cancel_policy_generation(jobId=job_id)
