"""`cdktf synth --hcl` with the real cdktf CLI: the HCL it writes for our bindings is valid and applies."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from tests.conftest import CDKTF, isolated_env, requires_cdktf, requires_terraform, run

pytestmark = [
    pytest.mark.e2e,
    requires_terraform,
    pytest.mark.cdk_cli,
    requires_cdktf,
]

ACCOUNT = "123456789012"
APP = f"arn:aws:iam::{ACCOUNT}:role/app"
EU_APP = f"arn:aws:iam::{ACCOUNT}:role/eu-app"

#: Every binding and setting that has its own HCL form: strings, numbers, booleans, a list of
#: objects with a list inside, a map, an aliased provider (meta-argument), a data source.
APP_PY = f'''
import os
import cdktf
from policygen import AccessAnalyzerProvider, GeneratedPolicy, PolicyGeneration, Trail

app = cdktf.App()
stack = cdktf.TerraformStack(app, "hcl")
cdktf.LocalBackend(stack, path=os.environ["STATE"])
eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", endpoint=os.environ["EU_ENDPOINT"], alias="eu")
generation = PolicyGeneration(
    stack, "app-role", principal_arn="{APP}",
    access_role="arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
    trails=[Trail("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", regions=("us-east-1", "eu-west-1"))],
    lookback_days=3, triggers={{"rev": "1", "team": "platform"}}, wait_for_completion=True, wait_timeout="2m",
)
PolicyGeneration(
    stack, "eu-app", principal_arn="{EU_APP}",
    access_role="arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
    trails=[{{"cloud_trail_arn": "arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/management", "all_regions": True}}],
    start_time=os.environ["START"], provider=eu,
)
draft = GeneratedPolicy(stack, "draft", job_id=generation.job_id, include_service_level_template=True)
cdktf.TerraformOutput(stack, "draft_status", value=draft.status)
app.synth()
'''


@dataclass
class Project:
    """The synthesized HCL stack, its environment and the two endpoints."""

    stack: Path
    env: dict[str, str]
    default: Emulator
    eu: Emulator


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A cdktf project, synthesized with `cdktf synth --hcl` and initialised."""
    tmp = tmp_path_factory.mktemp("hcl")
    write_sample_logs(tmp / "logs", principal_arns=[APP], account_id=ACCOUNT, days=3)
    (tmp / "app.py").write_text(textwrap.dedent(APP_PY))
    (tmp / "cdktf.json").write_text(
        json.dumps(
            {
                "language": "python",
                "app": f"{sys.executable} app.py",
                "projectId": "policygen-hcl-test",
                "sendCrashReports": "false",
                "terraformProviders": [],
                "terraformModules": [],
                "context": {},
            }
        )
    )
    with Emulator(job_seconds=0.0, cloudtrail_dir=tmp / "logs") as default, Emulator(job_seconds=0.0) as eu:
        env = {
            **isolated_env(tmp / "home", default.url),
            "STATE": str(tmp / "hcl.tfstate"),
            "EU_ENDPOINT": eu.url,
            "START": (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        run([str(CDKTF), "synth", "--hcl", "--output", str(tmp / "cdktf.out")], tmp, env)
        stack = tmp / "cdktf.out" / "stacks" / "hcl"
        run(["terraform", "init", "-input=false", "-no-color"], stack, env)
        yield Project(stack, env, default, eu)


def test_synth_hcl_writes_hcl(project: Project) -> None:
    """The stack is written as cdk.tf in HCL, with the provider meta-argument as a reference."""
    text = (project.stack / "cdk.tf").read_text()
    assert not (project.stack / "cdk.tf.json").exists()
    assert 'resource "accessanalyzer_policy_generation" "app_role" {' in text
    assert re.search(r"\n\s*provider\s*=\s*accessanalyzer\.eu\n", text)


def test_hcl_is_valid_without_warnings(project: Project) -> None:
    """terraform validate accepts the HCL and prints no warning."""
    result = run(["terraform", "validate", "-no-color"], project.stack, project.env)
    assert "Success! The configuration is valid." in result.stdout
    assert "Warning" not in result.stdout + result.stderr


def test_hcl_applies_to_the_same_outputs(project: Project) -> None:
    """Applying the HCL starts each job at its provider's endpoint and fills the outputs."""
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], project.stack, project.env)
    outputs = json.loads(run(["terraform", "output", "-json"], project.stack, project.env).stdout)
    (app_job,) = project.default.backend.jobs()
    (eu_job,) = project.eu.backend.jobs()
    assert outputs["policy_generation_job_ids"]["value"] == {"app-role": app_job.job_id, "eu-app": eu_job.job_id}
    assert app_job.request["cloudTrailDetails"]["trails"][0]["regions"] == ["us-east-1", "eu-west-1"]
    assert outputs["draft_status"]["value"] == "SUCCEEDED"
