"""`policygen list` and `policygen cancel`: the jobs of one Region, through `policygen.cli.main` (issue 14, item 5).

Jobs that must still be running run on a :class:`~tests.emulator.helpers.FakeClock`, so no test
depends on how fast the machine is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.cli import main
from policygen.emulator import Emulator
from tests.emulator.helpers import PRINCIPAL, FakeClock, start_request
from tests.emulator.regional import regional_client

OTHER = PRINCIPAL.replace("role/App", "role/Other")
CONSOLE_SCRIPT = Path(sys.executable).parent / "policygen"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, empty AWS config files, us-east-1; no endpoint from the environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTCLI")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI, expect argparse's exit 2, and return standard error."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --- list ------------------------------------------------------------------------------------------


def test_list_shows_the_regions_jobs_newest_first(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    """Text: a header and one line per job of the Region, newest first; another Region's job is not shown."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=60, clock=clock)
    east = regional_client(emu.url, "us-east-1")
    older = east.start_policy_generation(**start_request())["jobId"]
    clock.advance(minutes=5)
    newer = east.start_policy_generation(**start_request(OTHER))["jobId"]
    regional_client(emu.url, "eu-west-1").start_policy_generation(**start_request())
    assert main(["list", "--endpoint-url", emu.url, "--region", "us-east-1"]) == 0
    header, first, second = capsys.readouterr().out.splitlines()
    assert header.split() == ["JOB", "ID", "STATUS", "STARTED", "(UTC)", "COMPLETED", "(UTC)", "PRINCIPAL"]
    assert first.split()[:2] == [newer, "IN_PROGRESS"]
    assert first.endswith(OTHER)
    assert second.split()[:2] == [older, "SUCCEEDED"]
    assert second.endswith(PRINCIPAL)
    assert first.index("IN_PROGRESS") == header.index("STATUS")  # columns line up


def test_list_json_with_a_principal(make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str]) -> None:
    """--format json --principal ARN: a JSON array of that principal's jobs, with ISO 8601 times."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=0, clock=clock)
    client = regional_client(emu.url, "eu-central-1")
    mine = client.start_policy_generation(**start_request())["jobId"]
    client.start_policy_generation(**start_request(OTHER))
    argv = ["list", "--principal", PRINCIPAL, "--format", "json", "--endpoint-url", emu.url, "--region", "eu-central-1"]
    assert main(argv) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry == {
        "jobId": mine,
        "status": "SUCCEEDED",
        "startedOn": entry["startedOn"],
        "completedOn": entry["completedOn"],
        "principalArn": PRINCIPAL,
    }
    assert entry["startedOn"].endswith("+00:00")


def test_list_of_a_region_without_jobs_says_so(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """No jobs: nothing on standard output, a line naming the Region on standard error, exit 0."""
    regional_client(emulator.url, "us-east-1").start_policy_generation(**start_request())
    assert main(["list", "--endpoint-url", emulator.url, "--region", "ap-southeast-2"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no policy generation jobs in the last seven days in Region ap-southeast-2" in captured.err
    assert main(["list", "--endpoint-url", emulator.url, "--region", "ap-southeast-2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_list_principal_that_is_no_role_or_user_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--principal must be an IAM role or user ARN: anything else exits 2, saying why, before any call."""
    err = _usage_error(["list", "--principal", "arn:aws:s3:::bucket", "--endpoint-url", "http://127.0.0.1:9"], capsys)
    assert "argument --principal: 'arn:aws:s3:::bucket' is not an IAM role or user ARN" in err


@pytest.mark.parametrize("command", [["list"], ["cancel", "8f14e45f-ceea-467f-a9a8-3a5b7c2d1e0f"]])
def test_endpoint_url_is_checked_as_for_status(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A bad --endpoint-url is a usage error (exit 2), worded as for status, wait and fetch."""
    err = _usage_error([*command, "--endpoint-url", "localhost:1234"], capsys)
    assert "argument --endpoint-url: 'localhost:1234' is not an endpoint URL: it has no scheme" in err


@pytest.mark.parametrize("command", [["list"], ["cancel", "8f14e45f-ceea-467f-a9a8-3a5b7c2d1e0f"]])
def test_endpoint_variable_is_checked_as_for_status(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --endpoint-url, an endpoint variable boto3 cannot call is a usage error naming it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", "http://[::1")
    err = _usage_error(command, capsys)
    assert "the environment variable AWS_ENDPOINT_URL_ACCESSANALYZER='http://[::1' is not an endpoint URL" in err


def test_list_of_an_unreachable_endpoint_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A service error is one line and exit 1, as for status."""
    assert main(["list", "--endpoint-url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("policygen: ListPolicyGenerations could not reach the Access Analyzer endpoint")


# --- cancel ----------------------------------------------------------------------------------------


def test_cancel_cancels_a_job_in_progress(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    """A job IN_PROGRESS is CANCELED, said in one line, exit 0."""
    emu = make_emulator(job_seconds=600, clock=FakeClock())
    job_id = regional_client(emu.url, "eu-west-1").start_policy_generation(**start_request())["jobId"]
    assert main(["cancel", job_id, "--endpoint-url", emu.url, "--region", "eu-west-1"]) == 0
    assert capsys.readouterr().out == f"job {job_id}: CANCELED\n"
    assert [job.status for job in emu.backend.jobs()] == ["CANCELED"]


def test_cancel_of_a_finished_job_changes_nothing(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """A job that has ended stays as it was: exit 0, saying there was nothing to cancel."""
    job_id = regional_client(emulator.url, "us-east-1").start_policy_generation(**start_request())["jobId"]
    assert main(["cancel", job_id, "--endpoint-url", emulator.url]) == 0
    assert capsys.readouterr().out == f"job {job_id}: had already ended SUCCEEDED, so there was nothing to cancel\n"
    assert [job.status for job in emulator.backend.jobs()] == ["SUCCEEDED"]


def test_cancel_in_another_region_is_an_unknown_job(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    """A job of eu-west-1 cancelled with --region us-east-1: unknown there, exit 1; the job runs on."""
    emu = make_emulator(job_seconds=600, clock=FakeClock())
    job_id = regional_client(emu.url, "eu-west-1").start_policy_generation(**start_request())["jobId"]
    assert main(["cancel", job_id, "--endpoint-url", emu.url, "--region", "us-east-1"]) == 1
    err = capsys.readouterr().err
    assert f"Access Analyzer has no policy generation job '{job_id}' in Region us-east-1" in err
    assert [job.status for job in emu.backend.jobs()] == ["IN_PROGRESS"]


def test_cancel_job_id_that_cannot_be_one_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """JOB_ID is checked as fetch checks it: `../x` exits 2 before any call."""
    err = _usage_error(["cancel", "../x", "--endpoint-url", "http://127.0.0.1:9"], capsys)
    assert "argument JOB_ID: '../x' is not a policy generation job id" in err


def test_list_and_cancel_through_the_console_script(make_emulator: Callable[..., Emulator]) -> None:
    """The installed `policygen` runs both commands: list shows the job, cancel ends it."""
    emu = make_emulator(job_seconds=600, clock=FakeClock())
    job_id = regional_client(emu.url, "us-east-1").start_policy_generation(**start_request())["jobId"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CONSOLE_SCRIPT), *args, "--endpoint-url", emu.url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    listed = run("list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert [entry["jobId"] for entry in json.loads(listed.stdout)] == [job_id]
    cancelled = run("cancel", job_id)
    assert (cancelled.returncode, cancelled.stdout) == (0, f"job {job_id}: CANCELED\n")
