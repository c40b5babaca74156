"""examples/two-phase, phase 1, with the real terraform: start, wait, read the draft for review."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from policygen.install import install_provider, lock_provider
from tests.conftest import ROOT, isolated_env, requires_terraform, run

pytestmark = [pytest.mark.e2e, requires_terraform]


def test_phase_one_outputs_the_generated_draft(tmp_path: Path, make_emulator: Callable[..., Emulator]) -> None:
    """apply of the example waits for the job and outputs the generated policy built from the logs."""
    principal = "arn:aws:iam::123456789012:role/app"
    logs = write_sample_logs(tmp_path / "trail", principal_arns=[principal], account_id="123456789012")
    emu = make_emulator(job_seconds=0.5, cloudtrail_dir=tmp_path / "trail")
    workdir = tmp_path / "two-phase"
    shutil.copytree(ROOT / "examples" / "two-phase", workdir)
    lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))
    env = isolated_env(tmp_path / "home", emu.url)
    run(["terraform", "init", "-input=false", "-no-color"], workdir, env)
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], workdir, env)
    outputs = json.loads(run(["terraform", "output", "-json"], workdir, env).stdout)
    (job,) = emu.backend.jobs()
    assert outputs["job_id"]["value"] == job.job_id
    drafts = [json.loads(p) for p in outputs["draft_policies"]["value"]]
    statements = [s for d in drafts for s in d["Statement"]]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == set(logs.actions[principal])
    assert outputs["draft_is_complete"]["value"] is True
