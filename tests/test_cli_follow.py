"""`policygen status`, `wait` and `fetch`: through `policygen.cli.main` and the real console script.

No test races a job's duration. In this process, a job that must run for a while runs on a
:class:`~tests.emulator.helpers.FakeClock` that `policygen wait` also sleeps on (the ``clock``
fixture replaces ``policygen.cli.follow._sleep`` and ``_monotonic``), and no test sleeps for real
(:func:`no_real_sleep`). The console-script tests run the CLI in a child process: their job stays
IN_PROGRESS on a fake clock until the child has shown it running, and only then does the test move
the clock past the job's end, so the child sees it finish at its next poll, however slow the machine.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.aws.client import AccessAnalyzer, ClientSettings
from policygen.cli import main
from policygen.cli.follow import JobStatus
from policygen.cli.progress import WaitProgress, format_duration
from policygen.emulator import Emulator
from policygen.emulator.models import World
from tests.conftest import isolated_env
from tests.emulator.helpers import FakeClock
from tests.test_follow import (
    ACCESS_ROLE,
    ACCOUNT,
    PRINCIPAL,
    UNKNOWN_JOB,
    add_unmapped_event,
    all_actions,
    generation_request,
    must_not_sleep,
    sample_logs,
)

CONSOLE_SCRIPT = Path(sys.executable).parent / "policygen"
MISSING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/missing"
#: How long a console-script test lets its child process run before killing it: a guard against a
#: hang only (the job ends as soon as the test moves the clock), never something a job must beat.
CHILD_TIMEOUT = 120


class _Terminal(io.StringIO):
    """Standard output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and empty AWS config files; no endpoint from the environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTCLI")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """`policygen wait` in this process fails the test if it sleeps for real (use the ``clock`` fixture)."""
    monkeypatch.setattr("policygen.cli.follow._sleep", must_not_sleep)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """One fake time for an endpoint (``make_emulator(clock=clock)``) and for `policygen wait` run by main().

    Only the wait's own sleeps move it, so a job of N seconds is seen finishing after exactly N
    fake seconds of waiting, and a timeout is counted in the same fake seconds.
    """
    fake = FakeClock()
    monkeypatch.setattr("policygen.cli.follow._sleep", fake.sleep)
    monkeypatch.setattr("policygen.cli.follow._monotonic", fake.monotonic)
    return fake


def start_job(emu: Emulator, access_role: str = ACCESS_ROLE) -> str:
    """Start a generation of PRINCIPAL at the endpoint; return its job id."""
    now = emu.backend.clock()  # the endpoint's time, fake or real: the window ends there
    return AccessAnalyzer(ClientSettings(endpoint_url=emu.url)).start(generation_request(access_role, now=now))


def failing_emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    """An endpoint where only ACCESS_ROLE exists, so jobs with MISSING_ROLE end FAILED."""
    return make_emulator(world=World(access_roles=frozenset({ACCESS_ROLE})))


def test_status_prints_a_running_job_and_exits_0(
    make_emulator: Callable[..., Emulator], clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` of a running job prints its id, IN_PROGRESS and the principal, and exits 0."""
    emu = make_emulator(job_seconds=60, clock=clock)  # the clock never moves: the job keeps running
    job_id = start_job(emu)
    assert main(["status", job_id, "--endpoint-url", emu.url]) == 0
    out = capsys.readouterr().out
    assert f"jobId:        {job_id}" in out
    assert "status:       IN_PROGRESS" in out
    assert f"principalArn: {PRINCIPAL}" in out


def test_status_json_is_one_document(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """`status --format json` prints the status as a JSON object."""
    job_id = start_job(emulator)
    assert main(["status", job_id, "--format", "json", "--endpoint-url", emulator.url]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["jobId"] == job_id
    assert document["status"] == "SUCCEEDED"
    assert document["jobError"] is None


def test_status_of_a_failed_job_shows_the_job_error_and_exits_1(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    """`status` of a FAILED job exits 1 and prints the jobError code and message on stderr."""
    emu = failing_emulator(make_emulator)
    job_id = start_job(emu, MISSING_ROLE)
    assert main(["status", job_id, "--endpoint-url", emu.url]) == 1
    captured = capsys.readouterr()
    assert "status:       FAILED" in captured.out
    assert f"job {job_id} FAILED with AUTHORIZATION_ERROR: IAM Access Analyzer could not assume" in captured.err
    assert MISSING_ROLE in captured.err


@pytest.mark.parametrize("command", ["status", "wait", "fetch"])
def test_unknown_job_exits_1_naming_it(command: str, emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """Every job command exits 1 with a message naming the id the service does not know."""
    assert main([command, UNKNOWN_JOB, "--endpoint-url", emulator.url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("policygen: Access Analyzer has no policy generation job")
    assert UNKNOWN_JOB in err


def test_wait_prints_plain_lines_when_not_a_terminal(
    make_emulator: Callable[..., Emulator], clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Off a terminal, `wait` writes whole lines (no carriage returns) and ends with SUCCEEDED, exit 0."""
    emu = make_emulator(job_seconds=0.8, clock=clock)
    job_id = start_job(emu)
    assert main(["wait", job_id, "--endpoint-url", emu.url]) == 0
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert lines[0].startswith(f"job {job_id}: IN_PROGRESS, 0:00 elapsed (timeout 1:00:00)")
    assert lines[-1].startswith(f"job {job_id}: SUCCEEDED (this wait took 0:0")
    assert len(lines) == 2  # one line per status, not one per poll


def test_wait_draws_a_live_line_on_a_terminal(
    make_emulator: Callable[..., Emulator], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, `wait` redraws one line in place (carriage return, erase) and erases it at the end."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    emu = make_emulator(job_seconds=1.2, clock=clock)
    job_id = start_job(emu)
    assert main(["wait", job_id, "--endpoint-url", emu.url]) == 0
    first, *draws, last = terminal.getvalue().split("\r\x1b[2K")
    assert first == ""
    assert len(draws) >= 2  # the first draw and at least one redraw, none ending a line
    assert all(re.fullmatch(rf"[|/\\-] job {job_id}: IN_PROGRESS, 0:0\d elapsed \(timeout 1:00:00\)", d) for d in draws)
    assert re.fullmatch(rf"job {job_id}: SUCCEEDED \(this wait took 0:0\d\)\n", last)


def test_wait_timeout_exits_1(
    make_emulator: Callable[..., Emulator], clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """`wait --timeout` exits 1 with a message saying the job is still running."""
    emu = make_emulator(job_seconds=60, clock=clock)
    job_id = start_job(emu)
    assert main(["wait", job_id, "--timeout", "0.5", "--endpoint-url", emu.url]) == 1
    err = capsys.readouterr().err
    assert f"Policy generation {job_id} is still IN_PROGRESS" in err
    assert "keeps running" in err
    assert 0 < sum(clock.slept) <= 0.5  # it gave up within its timeout, on the clock the job runs on
    assert emu.backend.jobs()[0].status == "IN_PROGRESS"


def test_wait_for_a_failed_job_exits_1_with_the_job_error(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str]
) -> None:
    """`wait` for a job that ends FAILED exits 1 and shows the jobError code and message."""
    emu = failing_emulator(make_emulator)
    job_id = start_job(emu, MISSING_ROLE)
    assert main(["wait", job_id, "--endpoint-url", emu.url]) == 1
    captured = capsys.readouterr()
    assert "SUCCEEDED" not in captured.out
    assert f"job {job_id} FAILED with AUTHORIZATION_ERROR:" in captured.err


def test_wait_for_a_canceled_job_exits_1(
    make_emulator: Callable[..., Emulator], clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """`wait` for a CANCELED job exits 1 and says it was cancelled."""
    emu = make_emulator(job_seconds=60, clock=clock)
    job_id = start_job(emu)
    AccessAnalyzer(ClientSettings(endpoint_url=emu.url)).cancel(job_id)
    assert main(["wait", job_id, "--endpoint-url", emu.url]) == 1
    assert f"job {job_id} was CANCELED" in capsys.readouterr().err


def test_fetch_writes_the_policy_and_prints_where(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`fetch --out DIR` writes DIR/<jobId>-1.json with the principal's actions and prints that path."""
    logs = sample_logs(tmp_path / "trail")
    emu = make_emulator(cloudtrail_dir=tmp_path / "trail")
    job_id = start_job(emu)
    assert main(["fetch", job_id, "--out", str(tmp_path / "policies"), "--endpoint-url", emu.url]) == 0
    path = tmp_path / "policies" / f"{job_id}-1.json"
    assert capsys.readouterr().out == f"{path}\n"
    assert all_actions((json.loads(path.read_text()),)) == logs.actions[PRINCIPAL]


def test_fetch_placeholders_writes_resource_placeholders(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """`fetch --placeholders` writes statements on placeholder ARNs instead of only "*"."""
    sample_logs(tmp_path / "trail")
    emu = make_emulator(cloudtrail_dir=tmp_path / "trail")
    job_id = start_job(emu)
    assert main(["fetch", job_id, "--placeholders", "--out", str(tmp_path), "--endpoint-url", emu.url]) == 0
    policy = (tmp_path / f"{job_id}-1.json").read_text()
    assert "${Region}" in policy or "${Account}" in policy


def test_fetch_service_level_and_incomplete_note(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`fetch --service-level` writes a template statement and notes on stderr that the result is incomplete."""
    add_unmapped_event(sample_logs(tmp_path / "trail"))
    emu = make_emulator(cloudtrail_dir=tmp_path / "trail")
    job_id = start_job(emu)
    assert main(["fetch", job_id, "--service-level", "--out", str(tmp_path), "--endpoint-url", emu.url]) == 0
    assert "ServiceLevelTemplate" in (tmp_path / f"{job_id}-1.json").read_text()
    assert "isComplete: false" in capsys.readouterr().err


def test_fetch_without_activity_writes_nothing_and_says_so(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A SUCCEEDED job without activity writes no file, exits 0, and says there is no policy."""
    job_id = start_job(emulator)
    assert main(["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emulator.url]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"job {job_id} SUCCEEDED with no policy" in captured.err
    assert not list((tmp_path / "out").iterdir())


def test_fetch_of_a_failed_job_exits_1(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`fetch` of a FAILED job exits 1 with the jobError and writes nothing."""
    emu = failing_emulator(make_emulator)
    job_id = start_job(emu, MISSING_ROLE)
    AccessAnalyzer(ClientSettings(endpoint_url=emu.url)).wait(job_id, timeout=30, sleep=must_not_sleep)
    assert main(["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emu.url]) == 1
    assert "FAILED with AUTHORIZATION_ERROR" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_endpoint_comes_from_the_environment(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --endpoint-url, AWS_ENDPOINT_URL_ACCESSANALYZER points the commands at the endpoint."""
    job_id = start_job(emulator)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", emulator.url)
    assert main(["status", job_id]) == 0
    assert "status:       SUCCEEDED" in capsys.readouterr().out


def test_unknown_profile_exits_1_naming_it(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """--profile is passed to boto3: a profile missing from the config files is a clear error, exit 1."""
    assert main(["status", UNKNOWN_JOB, "--profile", "nobody", "--endpoint-url", emulator.url]) == 1
    assert "The AWS profile 'nobody' is not in your AWS config files" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["wait"], ["fetch"], ["status"], ["wait", "job", "--timeout", "-1"], ["wait", "job", "--timeout", "soon"]]
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A missing JOB_ID or a bad --timeout is a usage error: exit status 2."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage: policygen" in capsys.readouterr().err


def test_console_script_waits_and_fetches(make_emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    """The installed `policygen` script, configured only by the environment, waits for a job and fetches it."""
    clock = FakeClock()
    sample_logs(tmp_path / "trail", now=clock.now)
    emu = make_emulator(job_seconds=60, clock=clock, cloudtrail_dir=tmp_path / "trail")
    job_id = start_job(emu)
    env = isolated_env(tmp_path / "home", emu.url)
    with (tmp_path / "wait-stderr").open("w+") as stderr:
        waiting = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "wait", job_id], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        watchdog = threading.Timer(CHILD_TIMEOUT, waiting.kill)
        watchdog.start()
        try:
            assert waiting.stdout is not None
            first = waiting.stdout.readline()  # the first poll saw the job running ...
            clock.advance(seconds=60)  # ... and now it has run its 60 s: the next poll sees it SUCCEEDED
            rest = waiting.stdout.read()
            waiting.stdout.close()
            returncode = waiting.wait()
        finally:
            watchdog.cancel()
        stderr.seek(0)
        errors = stderr.read()
    assert first.startswith(f"job {job_id}: IN_PROGRESS, "), first + errors
    assert returncode == 0, errors
    assert rest.splitlines()[-1].startswith(f"job {job_id}: SUCCEEDED (this wait took ")
    fetched = subprocess.run(
        [str(CONSOLE_SCRIPT), "fetch", job_id, "--out", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout == f"{tmp_path / 'out' / f'{job_id}-1.json'}\n"


def test_console_script_draws_the_live_line_on_a_real_terminal(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    """Run under a pseudo-terminal, the installed script redraws its progress line in place."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=60, clock=clock)
    job_id = start_job(emu)
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "wait", job_id],
            env=isolated_env(tmp_path / "home", emu.url),
            stdout=terminal,
            stderr=subprocess.PIPE,
        )
        os.close(terminal)
        watchdog = threading.Timer(CHILD_TIMEOUT, process.kill)
        watchdog.start()
        output = b""
        job_ended = False
        try:
            while True:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # EIO: the script has exited and closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if not job_ended and b"IN_PROGRESS" in output:
                    clock.advance(seconds=60)  # the script has drawn the job running; now the job ends
                    job_ended = True
            returncode = process.wait()
        finally:
            watchdog.cancel()
        assert returncode == 0, process.stderr.read() if process.stderr else ""
        if process.stderr:
            process.stderr.close()
    finally:
        os.close(controller)
    text = output.decode()
    assert f"\r\x1b[2K| job {job_id}: IN_PROGRESS" in text
    assert re.search(rf"job {job_id}: SUCCEEDED \(this wait took \d+:\d\d\)", text), text


def test_plain_progress_writes_a_heartbeat_every_30_seconds() -> None:
    """Off a terminal, a running job gets a line at the start and then one per 30 s, not one per tick."""
    stream = io.StringIO()
    progress = WaitProgress(stream, live=False, timeout=None)
    running = JobStatus("job-1", "IN_PROGRESS")
    for second in range(0, 75):
        progress(running, float(second))
    assert stream.getvalue().splitlines() == [
        "job job-1: IN_PROGRESS, 0:00 elapsed",
        "job job-1: IN_PROGRESS, 0:30 elapsed",
        "job job-1: IN_PROGRESS, 1:00 elapsed",
    ]


def test_durations_over_an_hour_show_hours() -> None:
    """Elapsed times read m:ss under an hour and h:mm:ss from then on."""
    assert [format_duration(s) for s in (0, 59.9, 61, 3599, 3600, 3725)] == [
        "0:00",
        "0:59",
        "1:01",
        "59:59",
        "1:00:00",
        "1:02:05",
    ]
