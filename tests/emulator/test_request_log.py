"""The request log: one line per request (method, operation, account, Region, status, ms), and the counts."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from policygen.emulator import Emulator
from policygen.emulator.faults import FaultPlan
from policygen.emulator.models import World
from policygen.emulator.requestlog import RequestRecord

from .helpers import FAKE_AUTHORIZATION, raw_request, start_request
from .regional import ACCOUNT_A, ACCOUNTS, KEY_A, regional_client

LINE = re.compile(
    r"(?P<method>\S+) (?P<operation>\S+) account=(?P<account>\S+) region=(?P<region>\S+) "
    r"status=(?P<status>\S+) ms=(?P<ms>[0-9]+\.[0-9])"
)


def _lines(stream: io.StringIO) -> list[dict[str, str]]:
    lines = stream.getvalue().splitlines()
    matches = [LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    return [m.groupdict() for m in matches if m]


def test_each_request_is_one_line_with_its_account_and_region(emulator_factory: Callable[..., Emulator]) -> None:
    """Calls in two Regions and accounts give one line each, with what was asked and what was answered."""
    log = io.StringIO()
    emu = emulator_factory(request_log=log, world=World(accounts=ACCOUNTS))
    job_id = regional_client(emu.url, "eu-west-1", KEY_A).start_policy_generation(**start_request())["jobId"]
    with pytest.raises(ClientError):
        regional_client(emu.url, "ap-southeast-2").get_generated_policy(jobId=job_id)
    first, second = _lines(log)
    assert {k: first[k] for k in ("method", "operation", "account", "region", "status")} == {
        "method": "PUT",
        "operation": "StartPolicyGeneration",
        "account": ACCOUNT_A,
        "region": "eu-west-1",
        "status": "200",
    }
    assert (second["operation"], second["account"], second["region"], second["status"]) == (
        "GetGeneratedPolicy",
        "123456789012",
        "ap-southeast-2",
        "400",
    )
    assert emu.requests.counts() == Counter({"StartPolicyGeneration": 1, "GetGeneratedPolicy": 1})
    assert emu.requests.total() == 2


def test_what_the_endpoint_cannot_tell_is_a_dash(emulator_factory: Callable[..., Emulator]) -> None:
    """An unsigned request to a path of no operation logs '-' for the operation, account and Region."""
    log = io.StringIO()
    emu = emulator_factory(request_log=log)
    assert raw_request(emu.url, "GET", "/nowhere")[0] == 403
    (line,) = _lines(log)
    assert (line["method"], line["operation"], line["account"], line["region"], line["status"]) == (
        "GET",
        "-",
        "-",
        "-",
        "403",
    )


def test_a_dropped_connection_has_no_status(emulator_factory: Callable[..., Emulator]) -> None:
    """A request whose connection an injected fault closes is logged with status '-'."""
    log = io.StringIO()
    emu = emulator_factory(request_log=log, faults=FaultPlan(rate=1.0, kinds=("drop",), phases=("before",)))
    with pytest.raises(ConnectionClosedError):
        regional_client(emu.url, "us-east-1").list_policy_generations()
    (line,) = _lines(log)
    assert (line["operation"], line["region"], line["status"]) == ("ListPolicyGenerations", "us-east-1", "-")


def test_requests_are_counted_without_a_log(emulator: Emulator) -> None:
    """Without a stream nothing is written, and the requests are still counted by operation."""
    client = regional_client(emulator.url, "us-east-1")
    client.start_policy_generation(**start_request())
    client.list_policy_generations()
    client.list_policy_generations()
    assert emulator.requests.counts() == Counter({"StartPolicyGeneration": 1, "ListPolicyGenerations": 2})


def test_a_record_reads_as_its_line() -> None:
    """The line format, as the README documents it."""
    record = RequestRecord("PUT", "StartPolicyGeneration", "123456789012", "eu-west-1", 200, 2.44)
    assert record.line() == "PUT StartPolicyGeneration account=123456789012 region=eu-west-1 status=200 ms=2.4"


_RUN = "import sys; from policygen.emulator.cli import main; sys.exit(main(sys.argv[1:]))"


def test_log_requests_flag_prints_each_request_on_stderr() -> None:
    """`policygen emulator --log-requests` writes one line per request on stderr, none on stdout."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, "--port", "0", "--log-requests"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("listening on ")
        regional_client(url, "eu-central-1").list_policy_generations()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out == ""
    # Besides the requests, only the endpoint's own notices (whether it checks signatures).
    (line,) = [line for line in err.splitlines() if not line.startswith("policygen emulator: ")]
    match = LINE.fullmatch(line)
    assert match, line
    assert (match["operation"], match["region"], match["status"]) == ("ListPolicyGenerations", "eu-central-1", "200")


def test_a_body_refused_unread_is_logged_with_its_caller(emulator_factory: Callable[..., Emulator]) -> None:
    """A 413 answered from Content-Length alone still logs the Region its signature names."""
    log = io.StringIO()
    emu = emulator_factory(request_log=log)
    headers = {"Authorization": FAKE_AUTHORIZATION, "Content-Length": str(100 * 1024 * 1024)}
    assert raw_request(emu.url, "PUT", "/policy/generation", headers=headers)[0] == 413
    (line,) = _lines(log)
    assert (line["method"], line["region"], line["status"]) == ("PUT", "us-east-1", "413")
