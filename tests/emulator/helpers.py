"""Shared test values and helpers: fake ARNs, a boto3 client factory, request builders."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.model
import botocore.session
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/App"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management-events"


def make_client(url: str, *, retries: int = 0) -> Any:
    """An accessanalyzer client for the endpoint, with fake credentials and no retries by default.

    Its timeouts only stop a hang: no endpoint here is meant to be slow, but a loaded machine may be.
    """
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": retries + 1}, connect_timeout=10, read_timeout=30
        ),
    )


def unvalidated_client(url: str) -> Any:
    """A client with botocore's own parameter validation off, so the endpoint sees the bad input."""
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )


def start_request(
    principal: str = PRINCIPAL, *, days: int = 2, token: str | None = None, **trail: Any
) -> dict[str, Any]:
    """StartPolicyGeneration keyword arguments for a window of ``days`` ending now."""
    request: dict[str, Any] = {
        "policyGenerationDetails": {"principalArn": principal},
        "cloudTrailDetails": {
            "trails": [{"cloudTrailArn": TRAIL, **(trail or {"allRegions": True})}],
            "accessRole": ACCESS_ROLE,
            "startTime": datetime.now(UTC) - timedelta(days=days),
        },
    }
    if token is not None:
        request["clientToken"] = token
    return request


def raw_request(
    url: str, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP request (no SDK, no signature): status, lower-cased headers, body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


FAKE_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/access-analyzer/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def model() -> botocore.model.ServiceModel:
    """The accessanalyzer service model botocore ships."""
    return botocore.session.get_session().get_service_model("accessanalyzer")


_SCALARS: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "timestamp": datetime,
    "boolean": bool,
    "integer": int,
    "long": int,
}


def conformance_problems(shape: botocore.model.Shape | None, value: Any, path: str = "$") -> list[str]:
    """Where a parsed value breaks its model shape: missing required members, bad enums, wrong types."""
    if shape is None:
        return []
    problems: list[str] = []
    if isinstance(shape, botocore.model.StructureShape):
        if not isinstance(value, dict):
            return [f"{path}: expected a structure, got {value!r}"]
        problems += [f"{path}.{name}: required member missing" for name in shape.required_members if name not in value]
        for name, member in shape.members.items():
            if name in value and member.serialization.get("location") != "header":
                problems += conformance_problems(member, value[name], f"{path}.{name}")
    elif isinstance(shape, botocore.model.ListShape):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        for i, item in enumerate(value):
            problems += conformance_problems(shape.member, item, f"{path}[{i}]")
    elif not isinstance(value, _SCALARS.get(shape.type_name, object)):
        problems.append(f"{path}: expected a {shape.type_name}, got {value!r}")
    elif getattr(shape, "enum", None) and value not in shape.enum:
        problems.append(f"{path}: {value!r} is not one of {shape.enum}")
    return problems


def assert_conforms(operation: str, response: dict[str, Any]) -> None:
    """A parsed successful response satisfies the operation's output shape."""
    output = model().operation_model(operation).output_shape
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert conformance_problems(output, response) == []


def assert_error_conforms(error: ClientError, code: str) -> None:
    """A ClientError has the code, the model's HTTP status and every required member of its shape."""
    assert error.response["Error"]["Code"] == code
    shape = model().shape_for(code)
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == shape.metadata["error"]["httpStatusCode"]
    body = {k: v for k, v in error.response.items() if k not in {"Error", "ResponseMetadata"}}
    assert conformance_problems(shape, body) == []


class FakeClock:
    """A clock tests move by hand: ``clock.advance(hours=25)``, or by a client's fake :meth:`sleep`.

    Calling it gives the endpoint's UTC time (``Emulator(clock=clock)``); :meth:`monotonic` and
    :meth:`sleep` are the matching monotonic clock and sleep for the code under test (for example
    ``wait_for_job(..., sleep=clock.sleep, clock=clock.monotonic)``), so a job of the endpoint ends
    exactly when the client has slept long enough, whatever the machine's speed. Nothing moves it
    but :meth:`advance` and :meth:`sleep`.
    """

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)
        # Far from 0, so that the client's ``end - now()`` arithmetic in seconds is exact.
        self.seconds = 1000.0
        #: Every fake sleep, in order.
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        """Seconds on a monotonic scale that moves with :attr:`now`."""
        return self.seconds

    def sleep(self, seconds: float) -> None:
        """Pretend to sleep: move the time forward by ``seconds`` at once."""
        assert seconds >= 0, f"sleep({seconds})"
        self.slept.append(seconds)
        self.seconds += seconds
        self.now += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        """Move the time forward by a ``timedelta(**delta)``."""
        step = timedelta(**delta)
        self.seconds += step.total_seconds()
        self.now += step


def refused(call: Any, code: str, status: int) -> str:
    """Call, expect a ClientError with AWS's code and HTTP status; return its message."""
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    message: str = error["Error"]["Message"]
    return message


def run_cli_endpoint(tmp_path: Path, world: dict[str, Any] | None, call: Callable[[str], None]) -> tuple[int, str]:
    """Start `policygen emulator --port 0 [--world FILE]` as a process, ``call(url)`` it once, stop it with
    SIGTERM; return its exit status and what it wrote on stderr."""
    args = []
    if world is not None:
        (tmp_path / "world.json").write_text(json.dumps(world))
        args = ["--world", str(tmp_path / "world.json")]
    run = "import sys; from policygen.emulator.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", run, "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        call(proc.stdout.readline().strip().removeprefix("listening on "))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err
