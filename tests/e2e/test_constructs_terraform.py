"""The constructs through the real terraform: aliased providers, the map output, GeneratedPolicy.

One stack, synthesized with ``cdktf.Testing.full_synth`` and applied once against two embedded
endpoints (standing for two Regions or accounts); the tests read what that apply left behind.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdktf
import pytest

from policygen import AccessAnalyzerProvider, GeneratedPolicy, PolicyGeneration, Trail
from policygen._names import NO_INSTALL_ENV
from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from tests.conftest import isolated_env, requires_terraform, run

pytestmark = [pytest.mark.e2e, requires_terraform]

ACCOUNT = "123456789012"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
APP = f"arn:aws:iam::{ACCOUNT}:role/app"
EU_APP = f"arn:aws:iam::{ACCOUNT}:role/eu-app"


@dataclass
class Applied:
    """The applied stack: its folder, environment, both endpoints and the outputs after apply."""

    workdir: Path
    env: dict[str, str]
    default: Emulator
    eu: Emulator
    outputs: dict[str, Any]


def build(endpoint_eu: str) -> str:
    """Synthesize the stack (full_synth) and return its folder, with the provider launcher installed."""
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "constructs")
    eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", endpoint=endpoint_eu, alias="eu")
    app = PolicyGeneration(
        stack,
        "app-role",
        principal_arn=APP,
        access_role=ACCESS_ROLE,
        trails=[Trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", regions=("us-east-1",))],
        lookback_days=7,
        triggers={"rev": "1"},
        wait_for_completion=True,
        wait_timeout="2m",
    )
    PolicyGeneration(
        stack,
        "eu-app",
        principal_arn=EU_APP,
        access_role=ACCESS_ROLE,
        trails=[{"cloud_trail_arn": f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/management", "all_regions": True}],
        lookback_days=3,
        provider=eu,
    )
    draft = GeneratedPolicy(stack, "draft", job_id=app.job_id, include_resource_placeholders=True)
    cdktf.TerraformOutput(stack, "draft_policies", value=draft.policies)
    cdktf.TerraformOutput(stack, "draft_status", value=draft.status)
    return str(cdktf.Testing.full_synth(stack))


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    """The stack applied once: the default provider talks to one endpoint, `eu` to the other."""
    tmp = tmp_path_factory.mktemp("constructs")
    write_sample_logs(tmp / "logs", principal_arns=[APP], account_id=ACCOUNT, days=3)
    with Emulator(job_seconds=0.0, cloudtrail_dir=tmp / "logs") as default, Emulator(job_seconds=0.0) as eu:
        env = isolated_env(tmp / "home", default.url)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(NO_INSTALL_ENV, "1")  # the launcher goes into the stack's own folder below
            synthesized = Path(build(eu.url)) / "stacks" / "constructs"
        # Work on a copy: other pytest sessions clean cdktf's temporary folders when they finish.
        workdir = Path(shutil.copytree(synthesized, tmp / "stack"))
        lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))
        run(["terraform", "init", "-input=false", "-no-color"], workdir, env)
        run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], workdir, env)
        outputs = json.loads(run(["terraform", "output", "-json"], workdir, env).stdout)
        yield Applied(workdir, env, default, eu, {name: o["value"] for name, o in outputs.items()})


def test_synthesized_stack_is_valid(applied: Applied) -> None:
    """terraform validate accepts every attribute the constructs synthesize, without warnings."""
    result = run(["terraform", "validate", "-no-color"], applied.workdir, applied.env)
    assert "Success! The configuration is valid." in result.stdout
    assert "Warning" not in result.stdout + result.stderr


def test_each_generation_uses_its_provider(applied: Applied) -> None:
    """The default provider's endpoint got the default generation, the aliased one's got the other."""
    assert [job.principal_arn for job in applied.default.backend.jobs()] == [APP]
    assert [job.principal_arn for job in applied.eu.backend.jobs()] == [EU_APP]


def test_map_output_holds_every_job_id(applied: Applied) -> None:
    """policy_generation_job_ids maps each generation's name to the job its endpoint started."""
    (app_job,) = applied.default.backend.jobs()
    (eu_job,) = applied.eu.backend.jobs()
    assert applied.outputs["policy_generation_job_ids"] == {"app-role": app_job.job_id, "eu-app": eu_job.job_id}
    assert applied.outputs["app_role_job_id"] == app_job.job_id


def test_generated_policy_reads_the_finished_job(applied: Applied) -> None:
    """The data source, wired to the generation's job_id, returns the job's status and policy documents."""
    assert applied.outputs["draft_status"] == "SUCCEEDED"
    assert applied.outputs["draft_policies"]
    assert all("Statement" in json.loads(policy) for policy in applied.outputs["draft_policies"])


def test_plan_after_apply_shows_no_changes(applied: Applied) -> None:
    """The synthesized wait, timeout and triggers settings cause no change on the next plan."""
    result = run(
        ["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color"],
        applied.workdir,
        applied.env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
