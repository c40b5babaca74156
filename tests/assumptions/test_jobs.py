"""What policygen assumes of a policy-generation job: idempotency, the quota, cancel, unknown ids, statuses.

One test per assumption of docs/assumptions.md, run on the embedded endpoint and, on demand, on a
real account. The order matters on the real-AWS side only, where one job serves the module: the
tests that need it running come before the one that cancels it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from policygen.aws.client import FINAL_STATUSES
from tests.emulator.helpers import model

from .real_aws import OLD_JOB_VARIABLE
from .targets import Started, Target, error_code, fresh_token, listed, status_of

#: The codes policygen's client reads as "no such job" (aws/client.py turns them into JobNotFoundError).
NOT_FOUND_CODES = {"ValidationException", "ResourceNotFoundException"}
#: The error code policygen's client reads as "this token was used with another request".
CONFLICT_CODE = "ConflictException"
#: The code of both quotas, one in progress and 50 a day (service.start_queued waits on the first).
QUOTA_CODE = "ServiceQuotaExceededException"


def require_running(target: Target, job: Started) -> None:
    """Skip when the job has ended already (a real one may end before the check is made)."""
    status = status_of(target.client, job.job_id)
    if status != "IN_PROGRESS":
        pytest.skip(f"job {job.job_id} is {status} already; run again (a longer window runs longer)")


def code_of_start(target: Target, request: dict[str, Any], token: str) -> str | None:
    """The error code a StartPolicyGeneration answers, or None when it starts (or returns) a job.

    A job it starts against the assumption is cancelled at once, so that it holds no slot.
    """
    try:
        job_id = target.start(request, token)
    except ClientError as exc:
        return error_code(exc)
    if status_of(target.client, job_id) == "IN_PROGRESS":
        target.client.cancel_policy_generation(jobId=job_id)
    return None


def test_started_job_is_listed_at_once_under_its_principal(target: Target) -> None:
    """A job is in ListPolicyGenerations, filtered by its principal, as soon as its start returns.

    The provider lists the principal's jobs before each start and judges the job the start
    returns against that list (provider/rules/creation.py, judge_returned).
    """
    job = target.running_job()
    ids = [g["jobId"] for g in listed(target.client, principalArn=target.principal_arn)]
    assert job.job_id in ids


def test_running_job_has_no_policies_yet(target: Target) -> None:
    """GetGeneratedPolicy of a running job: status IN_PROGRESS, no completedOn, no generated policies."""
    job = target.running_job()
    require_running(target, job)
    response = target.client.get_generated_policy(jobId=job.job_id)
    assert response["jobDetails"]["status"] == "IN_PROGRESS"
    assert "completedOn" not in response["jobDetails"]
    assert not (response.get("generatedPolicyResult") or {}).get("generatedPolicies")


def test_same_token_while_its_job_runs_returns_the_job(target: Target) -> None:
    """A start with the token and request of a running job returns that job, not the one-in-progress quota.

    botocore retries a start whose answer was lost, and the provider's create repeats it after an
    interruption: both rely on getting the running job back instead of ServiceQuotaExceeded.
    """
    job = target.running_job()
    require_running(target, job)
    assert target.start(job.request, job.token) == job.job_id


def test_second_start_while_one_runs_exceeds_the_quota(target: Target) -> None:
    """A start with a new token while a generation runs is ServiceQuotaExceededException (one at a time).

    service.start_queued waits for the running job on this code; a ConflictException would end
    the create at once instead.
    """
    job = target.running_job()
    require_running(target, job)
    assert code_of_start(target, target.request(window=timedelta(days=6)), fresh_token()) == QUOTA_CODE


def test_cancel_of_a_running_job_makes_it_canceled(target: Target) -> None:
    """CancelPolicyGeneration of a running job: the job is CANCELED from then on, with a completedOn."""
    job = target.running_job()
    require_running(target, job)
    target.client.cancel_policy_generation(jobId=job.job_id)
    details = target.client.get_generated_policy(jobId=job.job_id)["jobDetails"]
    assert details["status"] == "CANCELED"
    assert details["completedOn"] >= details["startedOn"]


def test_cancel_of_an_ended_job_succeeds_and_changes_nothing(target: Target) -> None:
    """CancelPolicyGeneration of a job that has ended answers success and leaves its status as it was.

    The model marks the operation idempotent; `policygen cancel` and the provider's destroy (which
    may cancel a job that ends meanwhile) expect no error.
    """
    job = target.ended_job()
    before = status_of(target.client, job.job_id)
    target.client.cancel_policy_generation(jobId=job.job_id)
    assert status_of(target.client, job.job_id) == before


def test_same_token_after_its_job_ended_returns_the_ended_job(target: Target) -> None:
    """A start with the token and request of an ended job returns that job, and starts nothing.

    The provider relies on it to tell a retried create (its own job back) from a new creation
    with an old token (a job that had ended: judge_returned's SPENT), and derives a new token then.
    """
    job = target.ended_job()
    before = status_of(target.client, job.job_id)
    assert target.start(job.request, job.token) == job.job_id
    assert status_of(target.client, job.job_id) == before


def test_same_token_with_another_request_is_a_conflict(target: Target) -> None:
    """A start with a used token and a different request is ConflictException (ClientTokenConflictError).

    AWS documents idempotency only for the same request; the answer to a different one is the
    model's ConflictException, as the emulator gives it (docs/assumptions.md: not seen on AWS yet).
    """
    job = target.ended_job()
    other = {**job.request, "cloudTrailDetails": {**job.request["cloudTrailDetails"]}}
    other["cloudTrailDetails"]["startTime"] -= timedelta(days=1)
    assert code_of_start(target, other, job.token) == CONFLICT_CODE


def test_unknown_job_id_is_not_found_by_get(target: Target) -> None:
    """GetGeneratedPolicy of a job id that names no job is ValidationException (or ResourceNotFoundException)."""
    with pytest.raises(ClientError) as caught:
        target.client.get_generated_policy(jobId=str(uuid.uuid4()))
    assert error_code(caught.value) in NOT_FOUND_CODES


def test_unknown_job_id_is_not_found_by_cancel(target: Target) -> None:
    """CancelPolicyGeneration of a job id that names no job is ValidationException (or ResourceNotFoundException)."""
    with pytest.raises(ClientError) as caught:
        target.client.cancel_policy_generation(jobId=str(uuid.uuid4()))
    assert error_code(caught.value) in NOT_FOUND_CODES


def test_job_older_than_seven_days_is_not_found(target: Target) -> None:
    """GetGeneratedPolicy of a job started over seven days ago answers as for an unknown id.

    The provider then keeps the resource, marked ``expired``, instead of starting a new job.
    """
    job_id = target.aged_job()
    if job_id is None:
        pytest.skip(f"needs the id of a job started over seven days ago in {OLD_JOB_VARIABLE}")
    with pytest.raises(ClientError) as caught:
        target.client.get_generated_policy(jobId=job_id)
    assert error_code(caught.value) in NOT_FOUND_CODES


def test_statuses_and_job_errors_are_the_documented_ones(target: Target) -> None:
    """Every job's status is one of the model's JobStatus, and every jobError code one of JobErrorCode.

    policygen's final statuses are exactly the model's statuses but IN_PROGRESS.
    """
    statuses = set(model().shape_for("JobStatus").enum)
    error_codes = set(model().shape_for("JobErrorCode").enum)
    assert statuses == {*FINAL_STATUSES, "IN_PROGRESS"}
    target.seed_history()
    generations = list(listed(target.client, max_pages=1))[:20]
    if not generations:
        pytest.skip("no policy generation in the last seven days to look at")
    for generation in generations:
        details = target.client.get_generated_policy(jobId=generation["jobId"])["jobDetails"]
        assert {generation["status"], details["status"]} <= statuses
        if "jobError" in details:
            assert details["jobError"]["code"] in error_codes
