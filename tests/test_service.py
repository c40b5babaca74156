"""The boto3 wrapper: error translation and the one-at-a-time start queue, against the endpoint.

Every test that starts a job runs the endpoint on a :class:`FakeTime`, fixed at :data:`T0` and moved
only by the client's (fake) sleeps, and sends a window with an end: nothing depends on today's date
or on how fast the machine is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from policygen.aws.client import AccessAnalyzer, ClientSettings, Polling
from policygen.emulator import Emulator
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
from tests.emulator.helpers import FakeClock

#: The instant every fake clock starts at.
T0 = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"


class FakeTime:
    """One fake time for both sides: the endpoint's UTC clock, and the client's monotonic clock and sleep.

    Only :meth:`sleep` moves it, so a job of the endpoint finishes exactly when the client has
    slept long enough, and timeouts are counted in fake seconds.
    """

    def __init__(self, start: datetime = T0) -> None:
        self.utc = start
        self.seconds = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        """The endpoint's clock (and the client's daily-quota clock)."""
        return self.utc

    def monotonic(self) -> float:
        """The client's clock for waits."""
        return self.seconds

    def sleep(self, seconds: float) -> None:
        """Move both clocks forward, at once."""
        self.slept.append(seconds)
        self.seconds += seconds
        self.utc += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        """Move both clocks forward by ``timedelta(**delta)`` (between two calls of a test)."""
        self.sleep(timedelta(**delta).total_seconds())


def principal(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def request(name: str = "app", token: str | None = None) -> dict[str, Any]:
    """A start request with a fixed window that ends: valid whatever the endpoint's date after it."""
    body: dict[str, Any] = {
        "policyGenerationDetails": {"principalArn": principal(name)},
        "cloudTrailDetails": {
            "trails": [
                {"cloudTrailArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", "allRegions": True}
            ],
            "accessRole": f"arn:aws:iam::{ACCOUNT}:role/aa",
            "startTime": T0 - timedelta(days=14),
            "endTime": T0 - timedelta(days=1),
        },
    }
    if token:
        body["clientToken"] = token
    return body


def must_not_wait(seconds: float) -> None:
    pytest.fail(f"start_queued slept {seconds} s; it must fail at once")


@pytest.fixture
def client_for(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AccessAnalyzer]:
    """A client of the endpoint, in us-east-1 unless ``region`` says otherwise."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    def make(emu: Emulator, region: str = "us-east-1") -> AccessAnalyzer:
        return AccessAnalyzer(ClientSettings(region=region, endpoint_url=emu.url))

    return make


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def test_unknown_job_is_job_not_found(emulator: Emulator, client_for: Callable[..., AccessAnalyzer]) -> None:
    """GetGeneratedPolicy of an unknown id raises JobNotFoundError naming the id."""
    with pytest.raises(JobNotFoundError, match=UNKNOWN_JOB):
        client_for(emulator).get(UNKNOWN_JOB)


def test_unknown_job_names_the_region_and_endpoint_asked(
    emulator: Emulator, client_for: Callable[..., AccessAnalyzer]
) -> None:
    """A job unknown here may exist elsewhere: the message and attributes say which Region and endpoint were asked."""
    with pytest.raises(JobNotFoundError) as raised:
        client_for(emulator, region="eu-west-1").get(UNKNOWN_JOB)
    error = raised.value
    assert str(error).startswith(
        f"Access Analyzer has no policy generation job '{UNKNOWN_JOB}' in Region eu-west-1 (endpoint {emulator.url})"
    )
    assert "check the id, and the Region and endpoint" in str(error)
    assert (error.job_id, error.region, error.endpoint) == (UNKNOWN_JOB, "eu-west-1", emulator.url)
    assert (error.code, error.operation) == ("ValidationException", "GetGeneratedPolicy")


def test_start_queued_waits_for_the_running_job(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """A second start waits (polling) until the first job finishes, then starts: two jobs, no error."""
    emu = make_emulator(job_seconds=30, clock=fake.now)
    client = client_for(emu)
    first = client.start_queued(request("a", "t-a"), sleep=must_not_wait, clock=fake.monotonic, now=fake.now)
    second = client.start_queued(request("b", "t-b"), sleep=fake.sleep, clock=fake.monotonic, now=fake.now)
    assert first != second
    assert 30 <= sum(fake.slept) < 35, "the second start should have waited for the first job, and no longer"
    assert [j.job_id for j in emu.backend.jobs()] == [first, second]


def test_start_queued_fails_at_once_on_the_daily_quota(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """With nothing running, a quota refusal is the daily quota: fail at once, counting one job ("was")."""
    emu = make_emulator(job_seconds=0.0, daily_quota=1, clock=fake.now)
    client = client_for(emu)
    client.start_queued(request("a", "t-a"), now=fake.now)
    fake.advance(hours=3)
    with pytest.raises(QuotaExceededError) as raised:
        client.start_queued(request("b", "t-b"), sleep=must_not_wait, clock=fake.monotonic, now=fake.now)
    message = str(raised.value)
    assert message.startswith(
        "The daily quota of policy generations is used up: 1 was started in the last 24 hours "
        "in this account and Region us-east-1, and Access Analyzer allows 50 a day there"
    )
    assert "the next place frees at 2026-11-16 12:00 UTC" in message
    assert "Wait until then, or start fewer generations a day" in message
    assert "at most 1 policy generations can be started per day" in message  # the service's own words
    assert len(emu.backend.jobs()) == 1


def test_daily_quota_counts_the_last_24_hours_of_jobs(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """Two jobs of the last 24 hours are "2 were started"; a job older than 24 hours is not counted."""
    emu = make_emulator(job_seconds=0.0, daily_quota=2, concurrency=2, clock=fake.now)
    client = client_for(emu)
    client.start(request("old", "t-old"))
    fake.advance(hours=25)  # out of the day, still listed (seven days)
    client.start(request("a", "t-a"))
    fake.advance(hours=1)
    client.start(request("b", "t-b"))
    fake.advance(minutes=30, seconds=15)
    with pytest.raises(QuotaExceededError) as raised:
        client.start_queued(request("c", "t-c"), sleep=must_not_wait, clock=fake.monotonic, now=fake.now)
    message = str(raised.value)
    assert "used up: 2 were started in the last 24 hours in this account and Region us-east-1" in message
    assert "allows 50 a day there (5 in af-south-1, ap-east-1, ap-southeast-3, eu-south-1, me-south-1)" in message
    # The older of the two, started at T0 + 25 h, frees its place 24 hours later.
    assert "the next place frees at 2026-11-17 13:00 UTC" in message


def test_daily_quota_of_a_low_quota_region(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """In af-south-1 the quota is 5: with 6 started, the quota frees when the second oldest ages out."""
    emu = make_emulator(job_seconds=0.0, daily_quota=6, clock=fake.now)
    client = client_for(emu, region="af-south-1")
    for n in range(6):
        client.start(request(f"r{n}", f"t-{n}"))
        fake.advance(minutes=10, seconds=20)
    with pytest.raises(QuotaExceededError) as raised:
        client.start_queued(request("late", "t-late"), sleep=must_not_wait, clock=fake.monotonic, now=fake.now)
    message = str(raised.value)
    assert "6 were started in the last 24 hours in this account and Region af-south-1" in message
    assert "Access Analyzer allows 5 a day there (50 in most other Regions)" in message
    # Started at T0 + 10:20; the place is free 24 hours later, printed rounded up to the minute.
    assert "the next place frees at 2026-11-16 12:11 UTC" in message


def test_reused_token_with_a_different_request_fails_at_once(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """A token already used for another request is no busy slot: ClientTokenConflictError at once, saying the fix."""
    emu = make_emulator(job_seconds=3600, clock=fake.now)  # the first job is still running
    client = client_for(emu)
    first = client.start(request("a", token="shared"))
    with pytest.raises(ClientTokenConflictError) as raised:
        client.start_queued(request("b", token="shared"), sleep=must_not_wait, clock=fake.monotonic, now=fake.now)
    error = raised.value
    message = str(error)
    assert message.startswith(
        f"The client token 'shared' was already used for a different request (it started policy generation {first})"
    )
    assert "Give each resource its own `client_token`, or leave `client_token` out" in message
    assert "change `triggers`" in message
    assert "daily quota" not in message
    assert (error.client_token, error.job_id, error.code) == ("shared", first, "ConflictException")
    assert len(emu.backend.jobs()) == 1


def test_queue_timeout_names_the_job_waited_for(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """A start that waits longer than queue_timeout for a running job gives up, naming it; nothing is started."""
    emu = make_emulator(job_seconds=3600, concurrency=1, clock=fake.now)
    client = client_for(emu)
    first = client.start(request("first", "t-first"))
    with pytest.raises(QueueTimeoutError) as raised:
        client.start_queued(
            request("second", "t-second"), sleep=fake.sleep, queue_timeout=10, clock=fake.monotonic, now=fake.now
        )
    error = raised.value
    message = str(error)
    assert isinstance(error, WaitTimeoutError)
    assert f"for policy generation {first} (of {principal('first')}) to finish" in message
    assert "the limit (queue_timeout) is 10 s" in message
    assert "Raise `queue_timeout`, or run fewer generations per account and Region at once." in message
    assert "after waiting 10 s for policy generation" in message
    assert (error.job_id, error.principal_arn, error.waited, error.limit) == (first, principal("first"), 10, 10)
    assert sum(fake.slept) == pytest.approx(10), "the waits must use the budget, and no more"
    assert [j.job_id for j in emu.backend.jobs()] == [first]


def test_queue_uses_the_whole_budget_before_giving_up(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """A job that ends between the last poll and the limit still lets the start through, at the limit."""
    # Polling gives up after its poll at 9.85 s (its next would come after 10 s); the job ends at 9.9 s.
    emu = make_emulator(job_seconds=9.9, clock=fake.now)
    client = client_for(emu)
    first = client.start(request("first", "t-first"))
    second = client.start_queued(
        request("second", "t-second"), sleep=fake.sleep, queue_timeout=10, clock=fake.monotonic, now=fake.now
    )
    assert sum(fake.slept) == pytest.approx(10)
    assert [j.job_id for j in emu.backend.jobs()] == [first, second]


def test_queue_timeout_counts_the_time_behind_other_starts_of_the_process(
    emulator: Emulator, client_for: Callable[..., AccessAnalyzer]
) -> None:
    """Time spent queued behind this process's own starts counts too: once it is used up, give up."""
    client = client_for(emulator)
    ticks = iter([0.0, 60.0, 60.0])  # the budget is gone by the first look after the call began
    with (
        client._start_lock,  # another start of this process holds the slot
        pytest.raises(QueueTimeoutError, match=r"waiting 60 s behind the other starts of this process"),
    ):
        client.start_queued(request(), queue_timeout=10, clock=lambda: next(ticks), sleep=must_not_wait)
    assert emulator.backend.jobs() == []


def test_same_token_same_request_is_the_same_job(
    make_emulator: Callable[..., Emulator], client_for: Callable[..., AccessAnalyzer], fake: FakeTime
) -> None:
    """A retried start with the same token returns the job already started."""
    emu = make_emulator(job_seconds=0.0, clock=fake.now)
    client = client_for(emu)
    assert client.start(request(token="tok")) == client.start(request(token="tok"))
    assert len(emu.backend.jobs()) == 1


def test_unreachable_endpoint_says_what_to_check(client_for: Callable[..., AccessAnalyzer]) -> None:
    """A closed port gives a ServiceError that names the endpoint and what to check."""
    with Emulator() as emu:
        url = emu.url
    client = AccessAnalyzer(ClientSettings(region="us-east-1", endpoint_url=url, max_attempts=1))
    with pytest.raises(ServiceError, match="could not reach the Access Analyzer endpoint"):
        client.get("x")


def test_polling_is_a_tenth_of_the_wait_within_bounds() -> None:
    """Poll delays start short, grow with the time waited, and never exceed the cap."""
    polling = Polling(initial=0.25, ratio=0.1, cap=5.0)  # the schedule, given explicitly
    assert [polling.delay(t) for t in (0, 1, 10, 30, 600)] == [0.25, 0.25, 1.0, 3.0, 5.0]


def test_bad_settings_from_the_environment_and_config_files_are_sentences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A non-number AWS_MAX_ATTEMPTS, or an endpoint_url in the config file botocore refuses, is a ServiceError."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "many")
    with pytest.raises(ServiceError, match="AWS_MAX_ATTEMPTS='many' is not a whole number"):
        AccessAnalyzer(ClientSettings(region="us-east-1", endpoint_url="http://127.0.0.1:1")).client  # noqa: B018
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    config = tmp_path / "config"
    config.write_text("[default]\nendpoint_url = localhost:1234\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ServiceError, match="Check `region` and `endpoint_url` in your AWS config file"):
        AccessAnalyzer(ClientSettings(region="us-east-1")).client  # noqa: B018


class _Flaky(AccessAnalyzer):
    """GetGeneratedPolicy answers from a script: an error to raise, or a status."""

    def __init__(self, answers: list[object]) -> None:
        super().__init__(ClientSettings(region="us-east-1"))
        self.answers = answers

    def get(self, job_id: str, *, placeholders: bool = False, service_level: bool = False) -> dict[str, Any]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return {"jobDetails": {"jobId": job_id, "status": answer}}


def test_a_wait_rides_out_an_endpoint_it_cannot_reach() -> None:
    """Refused connections and 5xx answers (after botocore's retries) mid-wait are a passing outage."""
    clock = FakeClock()
    service = _Flaky(
        [
            "IN_PROGRESS",
            EndpointUnreachableError("GetGeneratedPolicy could not reach the endpoint"),
            ServiceError("GetGeneratedPolicy failed: oops", code="InternalServerException"),
            "SUCCEEDED",
        ]
    )
    details = service.wait("j", timeout=60, sleep=clock.sleep, clock=clock.monotonic)
    assert details["status"] == "SUCCEEDED"
    assert service.answers == []


def test_an_outage_longer_than_the_wait_raises_its_error() -> None:
    """An endpoint that stays away is no job that never ends: the last error is raised once the time is up."""
    clock = FakeClock()
    service = _Flaky([EndpointUnreachableError("unreachable")] * 1000)
    with pytest.raises(EndpointUnreachableError):
        service.wait("j", timeout=10, sleep=clock.sleep, clock=clock.monotonic)


def test_a_refusal_is_not_an_outage() -> None:
    """A ValidationException (or any refusal) ends the wait at once."""
    clock = FakeClock()
    service = _Flaky([ServiceError("refused", code="AccessDeniedException"), "SUCCEEDED"])
    with pytest.raises(ServiceError, match="refused"):
        service.wait("j", timeout=60, sleep=clock.sleep, clock=clock.monotonic)


def test_an_interrupt_ends_a_wait_at_once() -> None:
    """StopProvider's event ends a wait between polls with StopRequestedError, without sleeping on."""
    service = _Flaky(["IN_PROGRESS"] * 10)
    service.interrupt.set()
    with pytest.raises(StopRequestedError):
        service.wait("j", timeout=3600)
    assert len(service.answers) == 9  # one poll, then the interrupted pause


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07T06:00:00Z",
        "2026-12-07T06:00:00.123456Z",
        "2026-12-07T06:00:00.5Z",
        "2026-12-07T08:00:00+02:00",
        "2026-12-07T06:00:00+00:00",
        "2026-12-07T06:00:00",
        "2026-12-07",
        "Mon, 07 Dec 2026 06:00:00 GMT",
        "1796623200",
        1796623200,
        1796623200.25,
    ],
)
def test_timestamps_are_read_as_botocore_reads_them(text: object) -> None:
    """The client's faster timestamp parser gives botocore's instant for every form botocore reads."""
    import botocore.utils

    from policygen.aws.client import parse_timestamp

    ours, theirs = parse_timestamp(text), botocore.utils.parse_timestamp(text)
    assert ours == theirs
    assert ours.utcoffset() == theirs.utcoffset()
