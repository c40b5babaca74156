"""The job-id map output through the real cdktf CLI: `cdktf deploy --outputs-file` and `cdktf output`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from tests.conftest import CDKTF, ROOT, isolated_env, requires_cdktf, requires_terraform, run

pytestmark = [
    pytest.mark.e2e,
    requires_terraform,
    pytest.mark.cdk_cli,
    requires_cdktf,
]


def test_deploy_and_output_show_the_job_id_map(tmp_path: Path, emulator: Emulator) -> None:
    """The outputs file and `cdktf output` hold policy_generation_job_ids: each spec name -> its job."""
    specs = Path(shutil.copytree(ROOT / "specs", tmp_path / "specs"))
    env = {
        **isolated_env(tmp_path / "home", emulator.url),
        "POLICYGEN_SPECS": str(specs),
        "POLICYGEN_STATE": str(tmp_path / "state.tfstate"),
    }
    out = ["--output", str(tmp_path / "cdktf.out")]
    run([str(CDKTF), "deploy", "--auto-approve", *out, "--outputs-file", str(tmp_path / "deploy.json")], ROOT, env)
    printed = run(
        [str(CDKTF), "output", "--skip-synth", *out, "--outputs-file", str(tmp_path / "output.json")], ROOT, env
    )
    jobs = {job.principal_arn: job.job_id for job in emulator.backend.jobs()}
    expected = {
        "app-role": jobs["arn:aws:iam::123456789012:role/app"],
        "ci-deployer": jobs["arn:aws:iam::123456789012:user/ci-deployer"],
    }
    assert json.loads((tmp_path / "deploy.json").read_text())["policygen"]["policy_generation_job_ids"] == expected
    assert json.loads((tmp_path / "output.json").read_text())["policygen"]["policy_generation_job_ids"] == expected
    assert "policy_generation_job_ids" in printed.stdout
