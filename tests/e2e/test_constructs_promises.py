"""Issue 11's promises through cdktf: identical generations keep apart; time never blocks diff or destroy.

The first tests synthesize with ``cdktf.Testing.full_synth`` and apply with the real terraform;
the last one runs the real cdktf CLI (`cdktf deploy`, `diff`, `destroy`) on the project's main.py.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import cdktf
import pytest

from policygen import PolicyGeneration, Trail
from policygen._names import NO_INSTALL_ENV
from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from policygen.provider.clock import NOW_ENV
from tests.conftest import CDKTF, ROOT, isolated_env, requires_cdktf, requires_terraform, run
from tests.emulator.helpers import FakeClock

pytestmark = [pytest.mark.e2e, requires_terraform]

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/shared"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"


def same_request(stack: cdktf.TerraformStack, name: str) -> PolicyGeneration:
    """A generation whose request is the same in every stack and under every name."""
    return PolicyGeneration(
        stack,
        name,
        principal_arn=PRINCIPAL,
        access_role=ACCESS_ROLE,
        trails=[Trail(TRAIL, regions=("us-east-1",))],
        lookback_days=7,
    )


def applied_stack(stack: cdktf.TerraformStack, folder: Path, env: dict[str, str]) -> Path:
    """Synthesize ``stack``, copy it to ``folder`` with the provider installed, and apply it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(NO_INSTALL_ENV, "1")
        synthesized = Path(str(cdktf.Testing.full_synth(stack))) / "stacks" / stack.node.id
    workdir = Path(shutil.copytree(synthesized, folder))
    lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))
    run(["terraform", "init", "-input=false", "-no-color"], workdir, env)
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], workdir, env)
    return workdir


def test_identical_generations_in_one_stack_and_in_two_get_their_own_jobs(
    tmp_path: Path, make_emulator: Callable[..., Emulator]
) -> None:
    """Three generations with one request (two in one stack, one in another) start three jobs; destroying
    one stack leaves the other's jobs running."""
    emu = make_emulator(job_seconds=300.0, concurrency=3, clock=FakeClock())
    env = isolated_env(tmp_path / "home", emu.url)
    app = cdktf.Testing.app()
    one, two = cdktf.TerraformStack(app, "one"), cdktf.TerraformStack(app, "two")
    same_request(one, "first")
    same_request(one, "second")
    same_request(two, "first")
    first = applied_stack(one, tmp_path / "one", env)
    applied_stack(two, tmp_path / "two", env)
    jobs = emu.backend.jobs()
    assert len({job.job_id for job in jobs}) == 3
    assert {job.principal_arn for job in jobs} == {PRINCIPAL}
    run(["terraform", "destroy", "-auto-approve", "-input=false", "-no-color"], first, env)
    outputs = json.loads(run(["terraform", "output", "-json"], tmp_path / "two", env).stdout)
    survivor = outputs["first_job_id"]["value"]
    statuses = {job.job_id: job.status for job in emu.backend.jobs()}
    assert statuses[survivor] == "IN_PROGRESS"
    assert sorted(statuses.values()) == ["CANCELED", "CANCELED", "IN_PROGRESS"]


@pytest.mark.cdk_cli
@requires_cdktf
def test_cdktf_diff_and_destroy_work_100_days_after_a_fixed_start(
    tmp_path: Path, make_emulator: Callable[..., Emulator]
) -> None:
    """A spec with a fixed startTime and no endTime, deployed, then 100 days later: diff shows no
    changes and destroy succeeds (synth judges no time rule)."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=0.0, clock=clock)
    specs = tmp_path / "specs"
    specs.mkdir()
    start = (clock.now - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (specs / "fixed.yaml").write_text(
        f"""name: fixed
policyGenerationDetails:
  principalArn: {PRINCIPAL}
cloudTrailDetails:
  trails:
    - cloudTrailArn: {TRAIL}
      regions: [us-east-1]
  accessRole: {ACCESS_ROLE}
  startTime: {start}
"""
    )
    env = {
        **isolated_env(tmp_path / "home", emu.url),
        "POLICYGEN_SPECS": str(specs),
        "POLICYGEN_STATE": str(tmp_path / "state.tfstate"),
    }
    out = ["--output", str(tmp_path / "cdktf.out")]
    run([str(CDKTF), "deploy", "--auto-approve", *out], ROOT, env)
    assert len(emu.backend.jobs()) == 1
    clock.advance(days=100)
    env[NOW_ENV] = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    diff = run([str(CDKTF), "diff", *out], ROOT, env)
    assert "No changes" in diff.stdout, diff.stdout
    run([str(CDKTF), "destroy", "--auto-approve", *out], ROOT, env)
    assert json.loads((tmp_path / "state.tfstate").read_text())["resources"] == []
    assert len(emu.backend.jobs()) == 1
