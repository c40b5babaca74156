"""Quotas: one generation in progress at a time, and a number per day with cancelled ones counted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator

from .helpers import FakeClock, make_client, start_request


def test_second_generation_in_progress_is_refused(emulator_factory: Callable[..., Emulator]) -> None:
    """While one job is IN_PROGRESS, another start is ServiceQuotaExceededException naming the first."""
    client = make_client(emulator_factory(job_seconds=30).url)
    first = client.start_policy_generation(**start_request())["jobId"]
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request())
    assert caught.value.response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert caught.value.response["resourceId"] == first


def test_start_is_allowed_again_once_the_job_ends(emulator_factory: Callable[..., Emulator]) -> None:
    """After the job in progress completes (or is cancelled), a new one may start."""
    clock = FakeClock()
    client = make_client(emulator_factory(job_seconds=60, clock=clock).url)
    client.start_policy_generation(**start_request())
    clock.advance(seconds=61)
    second = client.start_policy_generation(**start_request())["jobId"]
    client.cancel_policy_generation(jobId=second)
    assert client.start_policy_generation(**start_request())["jobId"]


def test_concurrency_is_configurable(emulator_factory: Callable[..., Emulator]) -> None:
    """With concurrency=2, two jobs may run at once and the third is refused."""
    client = make_client(emulator_factory(job_seconds=30, concurrency=2).url)
    client.start_policy_generation(**start_request())
    client.start_policy_generation(**start_request())
    with pytest.raises(ClientError, match="ServiceQuotaExceededException"):
        client.start_policy_generation(**start_request())


def test_daily_quota_counts_cancelled_jobs(emulator_factory: Callable[..., Emulator]) -> None:
    """Cancelled jobs count against the daily quota; the next start beyond it is refused."""
    clock = FakeClock()
    client = make_client(emulator_factory(job_seconds=60, daily_quota=3, clock=clock).url)
    for _ in range(3):
        client.cancel_policy_generation(jobId=client.start_policy_generation(**start_request())["jobId"])
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request())
    assert caught.value.response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert "per day" in caught.value.response["message"]


def test_daily_quota_frees_up_after_24_hours(emulator_factory: Callable[..., Emulator]) -> None:
    """The day is a rolling 24 hours: a day after the first jobs, starting is allowed again."""
    clock = FakeClock()
    client = make_client(emulator_factory(daily_quota=2, clock=clock).url)
    client.start_policy_generation(**start_request())
    client.start_policy_generation(**start_request())
    with pytest.raises(ClientError):
        client.start_policy_generation(**start_request())
    clock.advance(hours=24, seconds=1)
    assert client.start_policy_generation(**start_request())["jobId"]


def test_idempotent_retry_is_not_refused_by_quota(emulator_factory: Callable[..., Emulator]) -> None:
    """Retrying the in-progress job's own request (same token) returns it rather than a quota error."""
    client = make_client(emulator_factory(job_seconds=30).url)
    request = start_request(token="same")
    first = client.start_policy_generation(**request)["jobId"]
    assert client.start_policy_generation(**request)["jobId"] == first
