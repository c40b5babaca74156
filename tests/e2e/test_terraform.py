"""The whole path with the real terraform binary: synth -> init -> plan -> apply -> plan -> destroy."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from tests.conftest import ROOT, requires_terraform, run, synth

pytestmark = [pytest.mark.e2e, requires_terraform]


@pytest.fixture
def stack(tmp_path: Path, tf_env: dict[str, str]) -> Path:
    """The project's example specs, synthesized into a fresh folder and initialised."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    stack_dir = synth(tmp_path, specs, tf_env, tmp_path / "cdktf.out")
    run(["terraform", "init", "-input=false", "-no-color"], stack_dir, tf_env)
    return stack_dir


def test_apply_returns_the_job_the_endpoint_started(stack: Path, tf_env: dict[str, str], emulator: Emulator) -> None:
    """apply starts one job per spec and each `<name>_job_id` output is the endpoint's job id."""
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], stack, tf_env)
    outputs = json.loads(run(["terraform", "output", "-json"], stack, tf_env).stdout)
    jobs = {job.principal_arn: job for job in emulator.backend.jobs()}
    assert len(jobs) == len(emulator.backend.jobs()) == 2
    assert outputs["app_role_job_id"]["value"] == jobs["arn:aws:iam::123456789012:role/app"].job_id
    assert outputs["ci_deployer_job_id"]["value"] == jobs["arn:aws:iam::123456789012:user/ci-deployer"].job_id


def test_plan_after_apply_shows_no_changes(stack: Path, tf_env: dict[str, str], emulator: Emulator) -> None:
    """A second plan (which refreshes the jobs) proposes nothing, and starts nothing."""
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], stack, tf_env)
    result = run(["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color"], stack, tf_env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes." in result.stdout
    assert len(emulator.backend.jobs()) == 2


def test_plan_shows_the_request_for_review(stack: Path, tf_env: dict[str, str]) -> None:
    """The plan names principal, access role, trails, Regions and window, and job_id is unknown."""
    plan = run(["terraform", "plan", "-input=false", "-no-color"], stack, tf_env).stdout
    assert 'principal_arn = "arn:aws:iam::123456789012:role/app"' in plan
    assert 'access_role   = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"' in plan
    assert 'cloud_trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"' in plan
    assert '"eu-west-1"' in plan
    assert "lookback_days = 30" in plan
    assert "job_id        = (known after apply)" in plan
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in plan


def test_apply_resolves_the_lookback_window_into_state(stack: Path, tf_env: dict[str, str], emulator: Emulator) -> None:
    """lookbackDays becomes a startTime in the request and in state, and the state keeps it."""
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], stack, tf_env)
    state = json.loads(run(["terraform", "show", "-json"], stack, tf_env).stdout)
    resources = {r["name"]: r["values"] for r in state["values"]["root_module"]["resources"]}
    sent = {job.principal_arn: job.request for job in emulator.backend.jobs()}
    app = resources["app_role"]
    assert app["start_time"] == sent[app["principal_arn"]]["cloudTrailDetails"]["startTime"]
    assert app["client_token"] == sent[app["principal_arn"]]["clientToken"]
    assert app["status"] in {"IN_PROGRESS", "SUCCEEDED"}


def test_destroy_forgets_finished_jobs(stack: Path, tf_env: dict[str, str], emulator: Emulator) -> None:
    """destroy succeeds for finished jobs and leaves an empty state."""
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], stack, tf_env)
    run(["terraform", "destroy", "-auto-approve", "-input=false", "-no-color"], stack, tf_env)
    assert run(["terraform", "state", "list"], stack, tf_env).stdout.strip() == ""
    assert all(job.status == "SUCCEEDED" for job in emulator.backend.jobs())


def test_invalid_spec_fails_synth_with_located_problems(tmp_path: Path, tf_env: dict[str, str]) -> None:
    """A bad spec makes synth exit non-zero with FILE:LINE:COL: /pointer: message, and writes no stack."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "bad.yaml").write_text(
        "name: bad\npolicyGenerationDetails:\n  principalArn: arn:aws:iam::123456789012:group/devs\n"
        "cloudTrailDetails:\n  trails:\n"
        "    - cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management\n"
        "  accessRole: arn:aws:iam::123456789012:role/aa\n  lookbackDays: 7\n"
    )
    result = run(
        [sys.executable, str(ROOT / "main.py")],
        tmp_path,
        {**tf_env, "POLICYGEN_SPECS": str(specs), "CDKTF_OUTDIR": str(tmp_path / "out")},
        check=False,
    )
    assert result.returncode != 0
    assert f"{specs / 'bad.yaml'}:3:17: /policyGenerationDetails/principalArn:" in result.stderr
    assert not (tmp_path / "out" / "stacks" / "policygen" / "cdk.tf.json").exists()
