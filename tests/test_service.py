"""The boto3 wrapper: error translation and the one-at-a-time start queue, against the endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from policygen.emulator import Emulator
from policygen.errors import JobNotFoundError, QuotaExceededError, ServiceError
from policygen.service import AccessAnalyzer, ClientSettings, Polling


def request(principal: str = "app", token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "policyGenerationDetails": {"principalArn": f"arn:aws:iam::123456789012:role/{principal}"},
        "cloudTrailDetails": {
            "trails": [
                {"cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management", "allRegions": True}
            ],
            "accessRole": "arn:aws:iam::123456789012:role/aa",
            "startTime": "2026-11-01T00:00:00Z",
        },
    }
    if token:
        body["clientToken"] = token
    return body


@pytest.fixture
def client_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[Emulator], AccessAnalyzer]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return lambda emu: AccessAnalyzer(ClientSettings(region="us-east-1", endpoint_url=emu.url))


def test_unknown_job_is_job_not_found(emulator: Emulator, client_for: Callable[[Emulator], AccessAnalyzer]) -> None:
    """GetGeneratedPolicy of an unknown id raises JobNotFoundError naming the id."""
    with pytest.raises(JobNotFoundError, match="00000000-0000-4000-8000-000000000000"):
        client_for(emulator).get("00000000-0000-4000-8000-000000000000")


def test_start_queued_waits_for_the_running_job(
    make_emulator: Callable[..., Emulator], client_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """A second start waits (polling) until the first job finishes, then starts: two jobs, no error."""
    emu = make_emulator(job_seconds=0.6)
    client = client_for(emu)
    slept: list[float] = []
    first = client.start_queued(request("a", "t-a"))
    second = client.start_queued(request("b", "t-b"), sleep=lambda s: (slept.append(s), __import__("time").sleep(s)))
    assert first != second
    assert slept, "the second start should have waited for the first job"
    assert [j.job_id for j in emu.backend.jobs()] == [first, second]


def test_start_queued_fails_at_once_on_the_daily_quota(
    make_emulator: Callable[..., Emulator], client_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """With nothing running, a quota refusal is the daily quota: fail at once, saying when it frees."""
    emu = make_emulator(job_seconds=0.0, daily_quota=1)
    client = client_for(emu)
    client.start_queued(request("a", "t-a"))
    with pytest.raises(QuotaExceededError, match=r"daily quota .* frees its place at \d{4}-\d\d-\d\d \d\d:\d\d UTC"):
        client.start_queued(request("b", "t-b"), sleep=lambda s: pytest.fail("must not wait"))


def test_same_token_same_request_is_the_same_job(
    emulator: Emulator, client_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """A retried start with the same token returns the job already started."""
    client = client_for(emulator)
    assert client.start(request(token="tok")) == client.start(request(token="tok"))
    assert len(emulator.backend.jobs()) == 1


def test_unreachable_endpoint_says_what_to_check(client_for: Callable[[Emulator], AccessAnalyzer]) -> None:
    """A closed port gives a ServiceError that names the endpoint and what to check."""
    with Emulator() as emu:
        url = emu.url
    client = AccessAnalyzer(ClientSettings(region="us-east-1", endpoint_url=url, max_attempts=1))
    with pytest.raises(ServiceError, match="could not reach the Access Analyzer endpoint"):
        client.get("x")


def test_polling_is_a_tenth_of_the_wait_within_bounds() -> None:
    """Poll delays start short, grow with the time waited, and never exceed the cap."""
    polling = Polling(initial=0.25, ratio=0.1, cap=5.0)
    assert [polling.delay(t) for t in (0, 1, 10, 30, 600)] == [0.25, 0.25, 1.0, 3.0, 5.0]
