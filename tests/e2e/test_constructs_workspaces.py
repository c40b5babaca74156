"""A stack of the constructs in two Terraform workspaces (issue 19, item 3): two jobs, each destroy its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cdktf
import pytest

from policygen import PolicyGeneration, Trail
from policygen._names import NO_INSTALL_ENV
from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from tests.conftest import isolated_env, requires_terraform, run
from tests.emulator.helpers import FakeClock

pytestmark = [pytest.mark.e2e, requires_terraform]

ACCOUNT = "123456789012"


def test_one_stack_in_two_workspaces_gets_two_jobs_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance key names the workspace: default and w2 get a job each; destroying one spares the other."""
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "ws")
    PolicyGeneration(
        stack,
        "app-role",
        principal_arn=f"arn:aws:iam::{ACCOUNT}:role/app",
        access_role=f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
        trails=[Trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", regions=("us-east-1",))],
        lookback_days=7,
    )
    monkeypatch.setenv(NO_INSTALL_ENV, "1")
    synthesized = Path(str(cdktf.Testing.full_synth(stack))) / "stacks" / "ws"
    workdir = Path(shutil.copytree(synthesized, tmp_path / "stack"))
    lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))
    with Emulator(job_seconds=300.0, concurrency=2, clock=FakeClock()) as emu:
        env = isolated_env(tmp_path / "home", emu.url)
        flags = ["-input=false", "-no-color"]
        run(["terraform", "init", *flags], workdir, env)
        run(["terraform", "apply", "-auto-approve", *flags], workdir, env)
        run(["terraform", "workspace", "new", "w2"], workdir, env)
        run(["terraform", "apply", "-auto-approve", *flags], workdir, env)
        shown = json.loads(run(["terraform", "show", "-json"], workdir, env).stdout)
        (w2,) = shown["values"]["root_module"]["resources"]
        assert w2["values"]["instance_key"] == "w2/ws/app-role"
        assert len({job.job_id for job in emu.backend.jobs()}) == 2
        run(["terraform", "workspace", "select", "default"], workdir, env)
        run(["terraform", "destroy", "-auto-approve", *flags], workdir, env)
        statuses = {job.job_id: str(job.status) for job in emu.backend.jobs()}
        assert statuses[w2["values"]["job_id"]] == "IN_PROGRESS"
        assert sorted(statuses.values()) == ["CANCELED", "IN_PROGRESS"]
