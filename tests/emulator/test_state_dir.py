"""The state folder (issue 21, item 6): jobs survive a restart, on the endpoint's clock; one endpoint per folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore.config
import pytest

from policygen.emulator import Emulator
from policygen.errors import StateFolderError, StateFolderLockedError

from .helpers import FakeClock, make_client, start_request

_RUN = "import sys; from policygen.emulator.cli import main; sys.exit(main(sys.argv[1:]))"


def _status(client: Any, job_id: str) -> str:
    status: str = client.get_generated_policy(jobId=job_id)["jobDetails"]["status"]
    return status


def test_jobs_survive_a_restart_with_their_status_and_timeline(tmp_path: Path) -> None:
    """A new endpoint on the folder knows the jobs, their status, tokens and quota; a running one ends on time."""
    clock = FakeClock()
    options: dict[str, Any] = {"job_seconds": 60, "concurrency": 2, "clock": clock, "state_dir": tmp_path / "state"}
    with Emulator(**options) as first:
        client = make_client(first.url)
        request = start_request(token="a")
        running = client.start_policy_generation(**request)["jobId"]
        canceled = client.start_policy_generation(**start_request(token="b"))["jobId"]
        client.cancel_policy_generation(jobId=canceled)
        started_on = client.get_generated_policy(jobId=running)["jobDetails"]["startedOn"]
    clock.advance(seconds=30)
    with Emulator(**options) as second:  # a new endpoint: what it knows comes from the folder
        client = make_client(second.url)
        assert _status(client, running) == "IN_PROGRESS"
        assert _status(client, canceled) == "CANCELED"
        assert client.start_policy_generation(**request)["jobId"] == running
        assert {g["jobId"] for g in client.list_policy_generations()["policyGenerations"]} == {running, canceled}
        clock.advance(seconds=30)
        details = client.get_generated_policy(jobId=running)["jobDetails"]
        assert details["status"] == "SUCCEEDED"
        assert details["completedOn"] - details["startedOn"] == timedelta(seconds=60)
        assert details["startedOn"] == started_on


def test_restart_keeps_the_url_and_the_jobs(tmp_path: Path) -> None:
    """Emulator.restart() serves the same URL with the jobs of its state folder."""
    with Emulator(job_seconds=0, state_dir=tmp_path) as emu:
        url = emu.url
        job_id = make_client(url).start_policy_generation(**start_request())["jobId"]
        emu.restart()
        assert emu.url == url
        assert _status(make_client(url), job_id) == "SUCCEEDED"


def test_without_a_state_folder_a_restart_forgets(tmp_path: Path) -> None:
    """Without state_dir, jobs live in memory: a new endpoint does not know them (the folder is what keeps them)."""
    with Emulator() as emu:
        job_id = make_client(emu.url).start_policy_generation(**start_request())["jobId"]
    with Emulator() as emu, pytest.raises(make_client(emu.url).exceptions.ValidationException):
        make_client(emu.url).get_generated_policy(jobId=job_id)


def test_a_restart_mid_poll_is_a_brief_outage_to_boto3(tmp_path: Path) -> None:
    """A poll sent while the endpoint is down is retried by botocore and answered once it is back."""
    emu = Emulator(job_seconds=0, state_dir=tmp_path).start()
    try:
        config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 10})
        client = _retrying_client(emu.url, config)
        job_id = client.start_policy_generation(**start_request())["jobId"]
        refused = threading.Event()
        client.meta.events.register("needs-retry.accessanalyzer.GetGeneratedPolicy", lambda **_: refused.set())
        emu.stop()
        answers: list[dict[str, Any]] = []
        poll = threading.Thread(target=lambda: answers.append(client.get_generated_policy(jobId=job_id)))
        poll.start()
        assert refused.wait(timeout=60), "the client never tried while the endpoint was down"
        emu.start()
        poll.join(timeout=120)
        (answer,) = answers
        assert answer["jobDetails"]["status"] == "SUCCEEDED"
        assert answer["ResponseMetadata"]["RetryAttempts"] >= 1
    finally:
        emu.stop()


def _retrying_client(url: str, config: botocore.config.Config) -> Any:
    import boto3

    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=config,
    )


def test_a_second_endpoint_on_the_folder_is_refused(tmp_path: Path) -> None:
    """While one endpoint holds the folder, another is refused, naming this process; after it stops, it may."""
    with Emulator(state_dir=tmp_path):
        other = Emulator(state_dir=tmp_path)
        with pytest.raises(StateFolderLockedError, match="in use by another endpoint") as caught:
            other.start()
        assert caught.value.pid == os.getpid()
        assert other.open_connections() == 0
    with Emulator(state_dir=tmp_path):
        pass


def test_the_cli_refuses_a_folder_in_use_with_one_line(tmp_path: Path) -> None:
    """`policygen emulator --state-dir` on a folder in use exits 1 with one line; the holder is unharmed."""
    with Emulator(state_dir=tmp_path) as holder:
        job_id = make_client(holder.url).start_policy_generation(**start_request())["jobId"]
        result = subprocess.run(
            [sys.executable, "-c", _RUN, "--state-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"policygen emulator: The state folder {tmp_path} is in use by another endpoint")
        assert _status(make_client(holder.url), job_id) == "SUCCEEDED"


def test_the_cli_says_how_many_jobs_it_restored(tmp_path: Path) -> None:
    """--state-dir restores the folder's jobs and says so on stderr."""
    with Emulator(state_dir=tmp_path) as emu:
        make_client(emu.url).start_policy_generation(**start_request())
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, "--port", "0", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("listening on ")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert f"keeping jobs in {tmp_path} (1 restored)" in err
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_link_in_the_folder_is_never_followed(tmp_path: Path) -> None:
    """A link planted as jobs.json is replaced on the next write, and its target is untouched."""
    state, outside = tmp_path / "state", tmp_path / "outside.json"
    outside.write_text("precious\n")
    with Emulator(state_dir=state) as emu:
        (state / "jobs.json").symlink_to(outside)
        make_client(emu.url).start_policy_generation(**start_request())
    assert outside.read_text() == "precious\n"
    assert not (state / "jobs.json").is_symlink()
    assert len(json.loads((state / "jobs.json").read_text())["jobs"]) == 1


def test_a_link_as_the_state_file_is_refused_at_start(tmp_path: Path) -> None:
    """An endpoint does not read its jobs through a link; it says so, and releases the folder."""
    (tmp_path / "elsewhere.json").write_text('{"format": 1, "jobs": []}')
    (tmp_path / "jobs.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(StateFolderError, match="symbolic link, which is never followed"):
        Emulator(state_dir=tmp_path).start()
    (tmp_path / "jobs.json").unlink()
    with Emulator(state_dir=tmp_path):
        pass


def test_a_state_file_it_did_not_write_is_refused(tmp_path: Path) -> None:
    """A jobs.json of another shape is refused with what is wrong, not guessed at."""
    (tmp_path / "jobs.json").write_text('["not", "ours"]')
    with pytest.raises(StateFolderError, match="not a state file of format 1"):
        Emulator(state_dir=tmp_path).start()
