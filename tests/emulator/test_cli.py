"""`policygen emulator` as a process: first line, flags, serving, clean exit on signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from policygen.emulator.cli import main

from .helpers import PRINCIPAL, make_client, raw_request, start_request

_RUN = "import sys; from policygen.emulator.cli import main; sys.exit(main(sys.argv[1:]))"


@contextmanager
def _serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run the command with ``args``; yield the process and its URL; kill it if still running."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:"), proc.stderr.read() if proc.stderr else line
        yield proc, line.removeprefix("listening on ")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_prints_url_first_and_exits_cleanly_on_signal(sig: signal.Signals) -> None:
    """The first stdout line is `listening on URL`; the URL answers; a signal ends it with exit 0."""
    with _serving() as (proc, url):
        status, _, _ = raw_request(url, "GET", "/policy/generation")
        assert status == 403
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0


def test_sample_logs_flag_serves_a_real_policy(tmp_path: Path) -> None:
    """--cloudtrail DIR --sample-principal ARN writes synthetic logs and generates policies from them."""
    with _serving("--cloudtrail", str(tmp_path), "--sample-principal", PRINCIPAL, "--sample-days", "2") as (proc, url):
        client = make_client(url)
        job_id = client.start_policy_generation(**start_request(days=3))["jobId"]
        (policy,) = client.get_generated_policy(jobId=job_id)["generatedPolicyResult"]["generatedPolicies"]
        assert json.loads(policy["policy"])["Statement"][0]["Action"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert list((tmp_path / "AWSLogs").rglob("*.json.gz"))


def test_flags_reach_the_endpoint() -> None:
    """--job-seconds, --concurrency and the fault flags configure the running endpoint."""
    with _serving("--job-seconds", "30", "--fault-rate", "0", "--seed", "4", "--latency", "0") as (proc, url):
        client = make_client(url)
        job_id = client.start_policy_generation(**start_request())["jobId"]
        assert client.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "IN_PROGRESS"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--fault-rate", "2"],
        ["--fault-kinds", "meteor"],
        ["--sample-principal", PRINCIPAL],
        ["--world", "/nonexistent/world.json"],
    ],
)
def test_bad_usage_exits_2_with_a_message(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Invalid flags stop with exit status 2 and a message naming the problem, before serving."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "policygen emulator: error:" in capsys.readouterr().err
