"""Two Regions through the AWS CLI: two independent services behind one endpoint (issue 14).

Skipped only when the AWS CLI of the dev extras is not installed, and never under ``CI=true``
(tests/conftest.py turns the skip into a failure there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from policygen.emulator import Emulator

from .helpers import ACCESS_ROLE, PRINCIPAL, TRAIL, FakeClock

#: The AWS CLI the dev extras install (``awscli``) beside this interpreter.
AWS = Path(sys.executable).parent / "aws"

pytestmark = pytest.mark.skipif(
    not AWS.exists(), reason=f"the AWS CLI is not installed at {AWS} (pip install -e '.[dev]', or make setup)"
)


def _aws(emu: Emulator, home: Path, region: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One `aws accessanalyzer` command signed for ``region``, seeing no configuration but ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_MAX_ATTEMPTS="1",
        AWS_PAGER="",
    )
    return subprocess.run(
        [str(AWS), "accessanalyzer", *args, "--region", region, "--endpoint-url", emu.url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def _start(emu: Emulator, home: Path, region: str) -> subprocess.CompletedProcess[str]:
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    details = {"trails": [{"cloudTrailArn": TRAIL, "allRegions": True}], "accessRole": ACCESS_ROLE, "startTime": start}
    return _aws(
        emu,
        home,
        region,
        "start-policy-generation",
        "--policy-generation-details",
        json.dumps({"principalArn": PRINCIPAL}),
        "--cloud-trail-details",
        json.dumps(details),
    )


def test_a_job_of_one_region_is_unknown_in_another(emulator_factory: Callable[..., Emulator], tmp_path: Path) -> None:
    """Started with --region eu-west-1: listed and known there; unknown to get, list and cancel in ap-southeast-2."""
    emu = emulator_factory(job_seconds=600, clock=FakeClock())
    job_id = _ok(_start(emu, tmp_path, "eu-west-1"))["jobId"]
    listed = _ok(_aws(emu, tmp_path, "eu-west-1", "list-policy-generations"))
    assert [g["jobId"] for g in listed["policyGenerations"]] == [job_id]
    assert _ok(_aws(emu, tmp_path, "ap-southeast-2", "list-policy-generations"))["policyGenerations"] == []
    for command in ("get-generated-policy", "cancel-policy-generation"):
        refused = _aws(emu, tmp_path, "ap-southeast-2", command, "--job-id", job_id)
        assert refused.returncode != 0
        assert "ValidationException" in refused.stderr
        assert f"no policy generation with the ID {job_id} exists" in refused.stderr
    got = _ok(_aws(emu, tmp_path, "eu-west-1", "get-generated-policy", "--job-id", job_id))
    assert got["jobDetails"]["status"] == "IN_PROGRESS"  # the cancel elsewhere did nothing


def test_each_region_has_its_own_slot(emulator_factory: Callable[..., Emulator], tmp_path: Path) -> None:
    """With a job in progress in eu-west-1, eu-central-1 starts one; eu-west-1's second start is refused."""
    emu = emulator_factory(job_seconds=600, clock=FakeClock())
    _ok(_start(emu, tmp_path, "eu-west-1"))
    _ok(_start(emu, tmp_path, "eu-central-1"))
    refused = _start(emu, tmp_path, "eu-west-1")
    assert refused.returncode != 0
    assert "ServiceQuotaExceededException" in refused.stderr
    assert sorted(job.region for job in emu.backend.jobs()) == ["eu-central-1", "eu-west-1"]
