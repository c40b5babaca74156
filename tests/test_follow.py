"""policygen.cli.follow: job status, waiting with progress callbacks, and fetching policies, against the endpoint.

Nothing here depends on the machine's speed: a job that must run for a while runs on a
:class:`~tests.emulator.helpers.FakeClock` that only the wait's own (fake) sleeps move, and no test
sleeps for real (:func:`no_real_sleep`).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from policygen.aws.client import AccessAnalyzer, ClientSettings
from policygen.cli.follow import (
    TICK_SECONDS,
    GeneratedPolicies,
    JobStatus,
    fetch_policies,
    get_status,
    require_success,
    wait_for_job,
    write_policies,
)
from policygen.emulator import Emulator
from policygen.emulator.models import World
from policygen.emulator.samplelogs import SampleLogs, write_sample_logs
from policygen.errors import JobFailedError, JobNotFoundError, PolicygenError, WaitTimeoutError
from tests.emulator.helpers import FakeClock

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/app"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"
UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"


def generation_request(
    access_role: str = ACCESS_ROLE, principal: str = PRINCIPAL, *, now: datetime | None = None
) -> dict[str, Any]:
    """A StartPolicyGeneration request over the eight days before ``now`` (default: the real now),
    which covers the sample logs; pass the endpoint's fake ``clock.now`` when it runs on one."""
    return {
        "policyGenerationDetails": {"principalArn": principal},
        "cloudTrailDetails": {
            "trails": [{"cloudTrailArn": TRAIL, "allRegions": True}],
            "accessRole": access_role,
            "startTime": (now or datetime.now(UTC)) - timedelta(days=8),
        },
    }


def sample_logs(directory: Path, now: datetime | None = None) -> SampleLogs:
    """Seven days of synthetic CloudTrail logs of PRINCIPAL in us-east-1, up to ``now`` (default: the real now)."""
    return write_sample_logs(directory, principal_arns=[PRINCIPAL], account_id=ACCOUNT, now=now)


def must_not_sleep(seconds: float) -> None:
    """The sleep of a wait that must not wait (the job is final, or the clock is fake)."""
    pytest.fail(f"slept {seconds} s for real: a test must move a fake clock instead")


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """wait_for_job's default sleep fails the test: no test here waits for real time to pass."""
    monkeypatch.setattr("policygen.cli.follow._sleep", must_not_sleep)


def add_unmapped_event(logs: SampleLogs) -> None:
    """Add a call of PRINCIPAL to a service with no known actions (Access Analyzer cannot map it)."""
    first = logs.files[0]
    records = json.loads(gzip.decompress(first.read_bytes()) if first.suffix == ".gz" else first.read_bytes())
    record = next(r for r in records["Records"] if r.get("userIdentity", {}).get("type") == "AssumedRole")
    unmapped = {**record, "eventSource": "widgets.example.com", "eventName": "ListWidgets"}
    (first.parent / "unmapped.json").write_text(json.dumps({"Records": [unmapped]}))


def all_actions(policies: tuple[dict[str, Any], ...]) -> set[str]:
    """Every action named in the statements of ``policies``."""
    found: set[str] = set()
    for policy in policies:
        for statement in policy["Statement"]:
            action = statement["Action"]
            found.update([action] if isinstance(action, str) else action)
    return found


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and empty AWS config files, so that nothing of the user's configuration leaks in."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTFOLLOW")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
def service_for(aws_env: None) -> Callable[[Emulator], AccessAnalyzer]:
    """A client of the given endpoint."""
    return lambda emu: AccessAnalyzer(ClientSettings(endpoint_url=emu.url))


def test_get_status_of_a_running_job(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """get_status reports IN_PROGRESS, the start time and the principal of a job still running."""
    clock = FakeClock()  # never moved: the job stays IN_PROGRESS however long the test takes
    service = service_for(make_emulator(job_seconds=30, clock=clock))
    job_id = service.start(generation_request(now=clock.now))
    status = get_status(service, job_id)
    assert (status.job_id, status.status, status.principal_arn) == (job_id, "IN_PROGRESS", PRINCIPAL)
    assert status.started_on is not None
    assert not status.is_final


def test_wait_returns_succeeded_after_reporting_progress(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """wait_for_job ticks with IN_PROGRESS while the job runs and returns its SUCCEEDED status."""
    clock = FakeClock()
    service = service_for(make_emulator(job_seconds=0.6, clock=clock))
    job_id = service.start(generation_request(now=clock.now))
    ticks: list[tuple[str, float]] = []
    status = wait_for_job(
        service,
        job_id,
        timeout=30,
        on_tick=lambda s, elapsed: ticks.append((s.status, elapsed)),
        sleep=clock.sleep,
        clock=clock.monotonic,
    )
    assert status.status == "SUCCEEDED"
    assert ticks[0] == ("IN_PROGRESS", 0.0)
    assert ticks[-1][0] == "SUCCEEDED"
    assert ticks[-1][1] >= 0.6  # not seen done before the job's 0.6 s had passed
    assert [elapsed for _, elapsed in ticks] == sorted(elapsed for _, elapsed in ticks)


def test_wait_returns_a_failed_job_with_its_error(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """A job whose access role does not exist ends FAILED; wait returns it with the jobError."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=0.2, world=World(access_roles=frozenset({ACCESS_ROLE})), clock=clock)
    service = service_for(emu)
    job_id = service.start(generation_request(access_role=f"arn:aws:iam::{ACCOUNT}:role/missing", now=clock.now))
    status = wait_for_job(service, job_id, timeout=30, sleep=clock.sleep, clock=clock.monotonic)
    assert status.status == "FAILED"
    assert sum(clock.slept) >= 0.2  # it did wait for the job, on the fake clock
    assert status.error_code == "AUTHORIZATION_ERROR"
    assert status.error_message is not None
    assert "role/missing" in status.error_message


def test_wait_times_out_while_the_job_runs(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """A job that outlasts the timeout raises WaitTimeoutError naming the job; the job keeps running."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=60, clock=clock)
    service = service_for(emu)
    job_id = service.start(generation_request(now=clock.now))
    with pytest.raises(WaitTimeoutError, match=job_id):
        wait_for_job(service, job_id, timeout=0.5, sleep=clock.sleep, clock=clock.monotonic)
    assert 0 < sum(clock.slept) <= 0.5  # it gave up within the timeout, counted on the same clock
    assert emu.backend.jobs()[0].status == "IN_PROGRESS"


def test_wait_for_an_unknown_job_raises_not_found(
    emulator: Emulator, service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """An id the service does not know raises JobNotFoundError at the first poll."""
    with pytest.raises(JobNotFoundError, match=UNKNOWN_JOB):
        wait_for_job(service_for(emulator), UNKNOWN_JOB, timeout=5)


class _SlowPollingService:
    """A stand-in for AccessAnalyzer whose wait polls twice, three seconds apart."""

    def wait(
        self, job_id: str, *, timeout: float | None, sleep: Callable[[float], None], on_poll: Any, clock: Any
    ) -> Any:
        details = {"jobId": job_id, "status": "IN_PROGRESS"}
        on_poll(details, 0.0)
        sleep(3.0)
        details = {"jobId": job_id, "status": "SUCCEEDED"}
        on_poll(details, 3.0)
        return details


def test_wait_ticks_between_polls() -> None:
    """Between two polls three seconds apart, on_tick is called every TICK_SECONDS with the last status."""
    clock = FakeClock()
    ticks: list[tuple[str, float]] = []
    status = wait_for_job(
        cast(AccessAnalyzer, _SlowPollingService()),
        "job",
        timeout=None,
        on_tick=lambda s, elapsed: ticks.append((s.status, elapsed)),
        sleep=clock.sleep,
        clock=clock.monotonic,
    )
    assert status.status == "SUCCEEDED"
    assert ticks == [
        ("IN_PROGRESS", 0.0),
        ("IN_PROGRESS", TICK_SECONDS),
        ("IN_PROGRESS", 2 * TICK_SECONDS),
        ("IN_PROGRESS", 3 * TICK_SECONDS),
        ("SUCCEEDED", 3.0),
    ]


def test_fetch_returns_the_policy_of_the_principals_activity(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer], tmp_path: Path
) -> None:
    """A SUCCEEDED job's policies are parsed JSON naming exactly the actions of the principal's logs."""
    logs = sample_logs(tmp_path / "trail")
    service = service_for(make_emulator(cloudtrail_dir=tmp_path / "trail"))
    job_id = service.start(generation_request())
    wait_for_job(service, job_id, timeout=30)
    result = fetch_policies(service, job_id)
    assert result.status.status == "SUCCEEDED"
    assert result.is_complete is True
    assert all_actions(result.policies) == logs.actions[PRINCIPAL]
    assert all(s["Resource"] == "*" for p in result.policies for s in p["Statement"])


def test_fetch_with_placeholders_names_resource_arns(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer], tmp_path: Path
) -> None:
    """placeholders=True asks for resource placeholders: some statements name ARNs with ${...} parts."""
    sample_logs(tmp_path / "trail")
    service = service_for(make_emulator(cloudtrail_dir=tmp_path / "trail"))
    job_id = service.start(generation_request())
    wait_for_job(service, job_id, timeout=30)
    policies = fetch_policies(service, job_id, placeholders=True).policies
    resources = [s["Resource"] for p in policies for s in p["Statement"]]
    assert any(isinstance(r, str) and r.startswith("arn:aws:") and "${" in r for r in resources)


def test_fetch_with_service_level_adds_a_template_for_unmapped_activity(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer], tmp_path: Path
) -> None:
    """service_level=True adds a service-level template statement, and the result is marked incomplete."""
    add_unmapped_event(sample_logs(tmp_path / "trail"))
    service = service_for(make_emulator(cloudtrail_dir=tmp_path / "trail"))
    job_id = service.start(generation_request())
    wait_for_job(service, job_id, timeout=30)
    plain = fetch_policies(service, job_id)
    templated = fetch_policies(service, job_id, service_level=True)
    assert plain.is_complete is False
    sids = [s.get("Sid", "") for p in templated.policies for s in p["Statement"]]
    assert any(sid.startswith("ServiceLevelTemplate") for sid in sids)
    assert not any(s.get("Sid", "").startswith("ServiceLevelTemplate") for p in plain.policies for s in p["Statement"])


def test_fetch_of_a_failed_job_raises_with_the_job_error(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """fetch_policies of a FAILED job raises JobFailedError carrying the jobError code and message."""
    service = service_for(make_emulator(world=World(access_roles=frozenset({ACCESS_ROLE}))))
    job_id = service.start(generation_request(access_role=f"arn:aws:iam::{ACCOUNT}:role/missing"))
    wait_for_job(service, job_id, timeout=30)
    with pytest.raises(JobFailedError, match="AUTHORIZATION_ERROR: IAM Access Analyzer could not assume") as caught:
        fetch_policies(service, job_id)
    assert caught.value.code == "AUTHORIZATION_ERROR"


def test_fetch_of_a_running_job_says_to_wait(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """fetch_policies of an IN_PROGRESS job raises a PolicygenError that suggests `policygen wait`."""
    clock = FakeClock()
    service = service_for(make_emulator(job_seconds=60, clock=clock))
    job_id = service.start(generation_request(now=clock.now))
    with pytest.raises(PolicygenError, match=f"still IN_PROGRESS.*policygen wait {job_id}") as caught:
        fetch_policies(service, job_id)
    assert not isinstance(caught.value, JobFailedError)


def test_a_canceled_job_is_not_a_success(
    make_emulator: Callable[..., Emulator], service_for: Callable[[Emulator], AccessAnalyzer]
) -> None:
    """A job cancelled while running ends CANCELED, and require_success raises JobFailedError for it."""
    clock = FakeClock()
    service = service_for(make_emulator(job_seconds=60, clock=clock))
    job_id = service.start(generation_request(now=clock.now))
    service.cancel(job_id)
    status = wait_for_job(service, job_id, timeout=30, sleep=clock.sleep, clock=clock.monotonic)
    assert status.status == "CANCELED"
    with pytest.raises(JobFailedError, match="CANCELED"):
        require_success(status)


def test_write_policies_writes_one_indented_file_per_policy(tmp_path: Path) -> None:
    """Each policy goes to DIR/<jobId>-<n>.json (n from 1) as indented JSON ending in a newline."""
    policies = ({"Version": "2012-10-17", "Statement": []}, {"Version": "2012-10-17", "Statement": [{"Sid": "x"}]})
    result = GeneratedPolicies(JobStatus("job-1", "SUCCEEDED"), policies, True)
    paths = write_policies(result, tmp_path / "new" / "folder")
    assert paths == [tmp_path / "new" / "folder" / "job-1-1.json", tmp_path / "new" / "folder" / "job-1-2.json"]
    assert [json.loads(p.read_text()) for p in paths] == list(policies)
    assert paths[1].read_text() == json.dumps(policies[1], indent=2) + "\n"
