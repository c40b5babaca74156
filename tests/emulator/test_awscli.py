"""The same behaviour through the AWS CLI's accessanalyzer commands, where the CLI is installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from policygen.emulator import Emulator

from .helpers import ACCESS_ROLE, PRINCIPAL, TRAIL

#: The AWS CLI the dev extras install (``awscli``) beside this interpreter, not whatever `aws` is on PATH.
AWS = Path(sys.executable).parent / "aws"

pytestmark = pytest.mark.skipif(
    not AWS.exists(), reason=f"the AWS CLI is not installed at {AWS} (pip install -e '.[dev]', or make setup)"
)


def _aws(emu: Emulator, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    return subprocess.run(
        [str(AWS), "accessanalyzer", *args, "--endpoint-url", emu.url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_start_get_list_cancel_through_the_cli(emulator: Emulator, tmp_path: Path) -> None:
    """start-policy-generation, get-generated-policy, list-policy-generations and cancel work from the CLI."""
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    details = {"trails": [{"cloudTrailArn": TRAIL, "allRegions": True}], "accessRole": ACCESS_ROLE, "startTime": start}
    job_id = _ok(
        _aws(
            emulator,
            tmp_path,
            "start-policy-generation",
            "--policy-generation-details",
            json.dumps({"principalArn": PRINCIPAL}),
            "--cloud-trail-details",
            json.dumps(details),
        )
    )["jobId"]
    assert [job.job_id for job in emulator.backend.jobs()] == [job_id]
    got = _ok(_aws(emulator, tmp_path, "get-generated-policy", "--job-id", job_id, "--include-resource-placeholders"))
    assert got["jobDetails"]["status"] == "SUCCEEDED"
    listed = _ok(_aws(emulator, tmp_path, "list-policy-generations", "--principal-arn", PRINCIPAL))
    assert [entry["jobId"] for entry in listed["policyGenerations"]] == [job_id]
    _ok(_aws(emulator, tmp_path, "cancel-policy-generation", "--job-id", job_id))


def test_errors_reach_the_cli_with_their_code(emulator: Emulator, tmp_path: Path) -> None:
    """A validation error is reported by the CLI with its AWS error code and message, and a failing exit."""
    result = _aws(emulator, tmp_path, "get-generated-policy", "--job-id", "no-such-job")
    assert result.returncode != 0
    assert "ValidationException" in result.stderr
    assert "no-such-job" in result.stderr
