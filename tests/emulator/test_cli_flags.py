"""`policygen emulator` refuses what it cannot serve safely, as argparse errors: exit 2, the reason, no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.cli import main as policygen_main
from policygen.emulator import Emulator, server
from policygen.emulator.cli import main

from .helpers import PRINCIPAL, make_client, start_request

#: The address that means every interface: these tests check it is refused, or pass it to a fake start().
ALL = "0.0.0.0"  # noqa: S104 - never bound here

_RUN = "import sys; from policygen.emulator.cli import main; sys.exit(main(sys.argv[1:]))"


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command, expect argparse's exit 2, and return its one error line."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("policygen emulator: error:")]
    return line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "argument --port: expected a port from 0 to 65535; got '99999'"),
        (["--port", "-1"], "argument --port: expected a port from 0 to 65535; got '-1'"),
        (["--port", "http"], "argument --port: expected a port from 0 to 65535; got 'http'"),
        (["--host", ALL], f"argument --host: {ALL} is not a loopback address"),
        (["--host", "::"], "argument --host: :: is not a loopback address"),
        (["--host", "my laptop"], "argument --host: expected an IP address (127.0.0.1, ::1) or a host name"),
        (["--daily-quota", "-1"], "argument --daily-quota: expected a number of generations 0 or more; got '-1'"),
        (["--concurrency", "0"], "argument --concurrency: expected a number of generations 1 or more; got '0'"),
        (["--concurrency", "-3"], "argument --concurrency: expected a number of generations 1 or more"),
        (["--job-seconds", "-1"], "argument --job-seconds: expected seconds from 0 to 604800; got '-1'"),
        (["--job-seconds", "inf"], "argument --job-seconds: expected seconds from 0 to 604800; got 'inf'"),
        (["--job-seconds", "nan"], "argument --job-seconds: expected seconds from 0 to 604800; got 'nan'"),
        (["--fault-rate", "1.5"], "argument --fault-rate: expected a fraction from 0 to 1; got '1.5'"),
        (["--fault-rate", "-0.1"], "argument --fault-rate: expected a fraction from 0 to 1; got '-0.1'"),
        (["--latency", "-1"], "argument --latency: expected seconds from 0 to 60; got '-1'"),
        (["--socket-timeout", "0"], "argument --socket-timeout: expected seconds above 0 to 3600; got '0'"),
        (["--sample-days", "0"], "argument --sample-days: expected a number of days from 1 to 90; got '0'"),
        (
            ["--cloudtrail", "logs", "--sample-principal", "not-an-arn"],
            "argument --sample-principal: expected the ARN of an IAM role or user",
        ),
        (
            ["--cloudtrail", "logs", "--sample-principal", "arn:aws:iam::*:role/App"],
            "expected the ARN of an IAM role or user, arn:aws:iam::<12-digit account>:role/NAME",
        ),
        (
            ["--cloudtrail", "logs", "--sample-principal", PRINCIPAL, "--sample-regions", "../../etc"],
            "argument --sample-regions: expected comma-separated Region names such as us-east-1,eu-west-1",
        ),
    ],
)
def test_values_out_of_range_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every flag's value is checked before anything is written or bound."""
    monkeypatch.chdir(tmp_path)
    assert message in _refused(argv, capsys)
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('["arn:aws:iam::123456789012:role/R"]', 'A world is a JSON object such as {"accessRoles"'),
        ("{", "is not JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
        ('{"accessRoles": "arn:aws:iam::1:role/R"}', "accessRoles must be an array of strings; got a string"),
        ('{"trails": [42]}', "trails[0] must be a string; got a number"),
        ('{"deniedAccessKeys": {"a": 1}}', "deniedAccessKeys must be an array of strings; got an object"),
        ('{"accesRoles": []}', "Unknown key(s) 'accesRoles': a world has only accessRoles, trails, deniedAccessKeys"),
    ],
)
def test_a_world_of_the_wrong_shape_is_a_usage_error(
    document: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--world must hold a JSON object of string arrays; anything else names the file and the problem."""
    path = tmp_path / "world.json"
    path.write_text(document)
    line = _refused(["--world", str(path)], capsys)
    assert f"argument --world: {path}" in line
    assert message in line


def test_a_world_that_is_not_text_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Binary data in --world is refused as not UTF-8."""
    path = tmp_path / "world.json"
    path.write_bytes(b"\xff\xfe\x00{")
    assert "is not UTF-8 text" in _refused(["--world", str(path)], capsys)


def test_cloudtrail_naming_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--cloudtrail must be a folder (or not exist yet, for --sample-principal to create)."""
    (tmp_path / "file").write_text("x")
    line = _refused(["--cloudtrail", str(tmp_path / "file"), "--sample-principal", PRINCIPAL], capsys)
    assert "argument --cloudtrail: " in line
    assert "is not a folder" in line


def test_the_policygen_command_refuses_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    """`policygen emulator ...` is the same command line."""
    with pytest.raises(SystemExit) as caught:
        policygen_main(["emulator", "--daily-quota", "-5"])
    assert caught.value.code == 2
    assert "argument --daily-quota" in capsys.readouterr().err


def test_allow_remote_warns_on_stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--host 0.0.0.0 --allow-remote says, before listening, that other machines can reach the endpoint.

    Nothing is bound: start() is replaced by one that fails as a taken port does, which also shows
    that a bind error ends in one line and exit status 1.
    """
    hosts: list[str] = []

    def start(self: Emulator) -> Emulator:
        hosts.append(self.host)
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(server.Emulator, "start", start)
    assert main(["--host", ALL, "--allow-remote", "--port", "4566"]) == 1
    err = capsys.readouterr().err
    assert hosts == [ALL]
    assert "policygen emulator: warning: listening on 0.0.0.0, which other machines can reach" in err
    assert "accepts any signature" in err
    assert "policygen emulator: cannot listen on http://0.0.0.0:4566: Address already in use" in err
    assert "Traceback" not in err


def test_a_taken_port_is_one_line_and_exit_1(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """Binding a port another endpoint holds ends with a message naming it, not a traceback."""
    assert main(["--port", str(emulator.port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"policygen emulator: cannot listen on http://127.0.0.1:{emulator.port}: ")
    assert "Choose another --port" in err


def test_ipv6_loopback_host_is_served(tmp_path: Path) -> None:
    """--host ::1 is supported: the first line names http://[::1]:PORT, and that URL answers boto3."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, "--host", "::1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line:
            pytest.skip(f"::1 cannot be bound here: {proc.communicate(timeout=10)[1].strip()}")
        assert line.startswith("listening on http://[::1]:")
        client = make_client(line.removeprefix("listening on "))
        job_id = client.start_policy_generation(**start_request())["jobId"]
        assert client.get_generated_policy(jobId=job_id)["jobDetails"]["jobId"] == job_id
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err
