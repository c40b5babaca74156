"""Fault injection: seeded, reproducible throttling, internal errors, dropped connections and latency."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from policygen.emulator import Emulator
from policygen.emulator.faults import FaultInjector, FaultPlan

from .helpers import make_client, start_request


def _run(emu: Emulator, calls: int) -> list[str]:
    client = make_client(emu.url)
    outcomes = []
    for _ in range(calls):
        try:
            client.list_policy_generations()
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
        except ConnectionClosedError:
            outcomes.append("dropped")
    return outcomes


def test_same_seed_same_faults(emulator_factory: Callable[..., Emulator]) -> None:
    """Two endpoints with the same seed fail the same requests in the same ways."""
    plan = FaultPlan(rate=0.5, seed=7)
    first = _run(emulator_factory(faults=plan), 20)
    second = _run(emulator_factory(faults=plan), 20)
    assert first == second
    assert {"ok", "ThrottlingException", "InternalServerException", "dropped"} <= set(first)


def test_other_seed_other_faults() -> None:
    """A different seed draws a different sequence of faults."""
    first, second = FaultInjector(FaultPlan(rate=0.5, seed=1)), FaultInjector(FaultPlan(rate=0.5, seed=2))
    assert [first.draw(None) for _ in range(30)] != [second.draw(None) for _ in range(30)]


def test_rate_is_roughly_honoured() -> None:
    """About the configured fraction of requests fail."""
    injector = FaultInjector(FaultPlan(rate=0.2, seed=3))
    failed = sum(injector.draw("ListPolicyGenerations") is not None for _ in range(2000))
    assert 300 < failed < 500


def test_after_phase_creates_the_job_but_loses_the_response(emulator: Emulator) -> None:
    """A drop after processing leaves a job behind; retrying with the same token returns that job."""
    emulator.faults.configure(FaultPlan(rate=1.0, kinds=("drop",), phases=("after",)))
    request = start_request(token="lost-response")
    with pytest.raises(ConnectionClosedError):
        make_client(emulator.url).start_policy_generation(**request)
    (job,) = emulator.backend.jobs()
    emulator.faults.configure(FaultPlan())
    assert make_client(emulator.url).start_policy_generation(**request)["jobId"] == job.job_id
    assert len(emulator.backend.jobs()) == 1


def test_before_phase_changes_nothing(emulator: Emulator) -> None:
    """A fault before processing leaves no job behind."""
    emulator.faults.configure(FaultPlan(rate=1.0, kinds=("internal",), phases=("before",)))
    with pytest.raises(ClientError):
        make_client(emulator.url).start_policy_generation(**start_request())
    assert emulator.backend.jobs() == []


def test_sdk_retries_recover_from_faults(emulator_factory: Callable[..., Emulator]) -> None:
    """boto3's standard retries, reusing the clientToken, get through faults with exactly one job."""
    emu = emulator_factory(faults=FaultPlan(rate=0.5, seed=11, operations=frozenset({"StartPolicyGeneration"})))
    client = make_client(emu.url, retries=9)
    job_id = client.start_policy_generation(**start_request())["jobId"]
    assert emu.faults.injected, "the seed should inject at least one fault"
    assert [job.job_id for job in emu.backend.jobs()] == [job_id]


def test_operations_filter(emulator_factory: Callable[..., Emulator]) -> None:
    """With an operations filter, other operations never fail."""
    emu = emulator_factory(faults=FaultPlan(rate=1.0, operations=frozenset({"StartPolicyGeneration"})))
    assert _run(emu, 5) == ["ok"] * 5


def test_latency_is_added(emulator_factory: Callable[..., Emulator]) -> None:
    """latency delays every response by at least that many seconds."""
    client = make_client(emulator_factory(faults=FaultPlan(latency=0.2)).url)
    began = time.monotonic()
    client.list_policy_generations()
    assert time.monotonic() - began >= 0.2


def test_bad_plans_are_refused() -> None:
    """A rate outside 0..1 or a negative latency is refused with a message saying what was wrong."""
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan(rate=1.5)
    with pytest.raises(ValueError, match="latency"):
        FaultPlan(latency=-1)
