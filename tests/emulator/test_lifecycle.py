"""Job lifecycle: IN_PROGRESS for the configured time, then SUCCEEDED; CANCELED on cancel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from policygen.emulator import Emulator

from .helpers import PRINCIPAL, FakeClock, make_client, start_request


def test_job_id_is_a_uuid(client: Any) -> None:
    """StartPolicyGeneration answers a jobId in the service's UUID form."""
    job_id = client.start_policy_generation(**start_request())["jobId"]
    assert str(uuid.UUID(job_id)) == job_id


def test_job_is_in_progress_then_succeeded(emulator_factory: Callable[..., Emulator]) -> None:
    """A job reports IN_PROGRESS for job_seconds and SUCCEEDED afterwards, with completedOn."""
    clock = FakeClock()
    emu = emulator_factory(job_seconds=0.3, clock=clock)
    client = make_client(emu.url)
    job_id = client.start_policy_generation(**start_request())["jobId"]
    first = client.get_generated_policy(jobId=job_id)["jobDetails"]
    assert first["status"] == "IN_PROGRESS"
    assert "completedOn" not in first
    clock.advance(seconds=0.3)
    done = client.get_generated_policy(jobId=job_id)["jobDetails"]
    assert done["status"] == "SUCCEEDED"
    assert done["completedOn"] >= done["startedOn"]


def test_cancel_makes_job_canceled(emulator_factory: Callable[..., Emulator]) -> None:
    """CancelPolicyGeneration on a job in progress makes it CANCELED for good."""
    emu = emulator_factory(job_seconds=30, clock=FakeClock())  # a clock that never reaches the job's end
    client = make_client(emu.url)
    job_id = client.start_policy_generation(**start_request())["jobId"]
    client.cancel_policy_generation(jobId=job_id)
    assert client.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "CANCELED"
    assert emu.backend.jobs()[0].status == "CANCELED"


def test_backend_records_the_request(emulator: Emulator, client: Any) -> None:
    """The backend keeps each job's principal, token and request body for tests to inspect."""
    job_id = client.start_policy_generation(**start_request(token="tok-1"))["jobId"]
    (job,) = emulator.backend.jobs()
    assert (job.job_id, job.principal_arn, job.client_token) == (job_id, PRINCIPAL, "tok-1")
    assert job.request["policyGenerationDetails"] == {"principalArn": PRINCIPAL}
    assert job.status == "SUCCEEDED"
