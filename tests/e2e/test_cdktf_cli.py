"""The cdktf CLI path, as `make demo` and a user run it: `cdktf diff`, `cdktf deploy`, `cdktf destroy`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from tests.conftest import ROOT, isolated_env, requires_terraform, run

CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"

pytestmark = [
    pytest.mark.e2e,
    requires_terraform,
    pytest.mark.skipif(not CDKTF.exists(), reason="cdktf-cli is not installed in node_modules (run `make setup`)"),
]


def test_demo_deploys_outputs_and_destroys(tmp_path: Path) -> None:
    """`make demo`'s script deploys every spec, prints one jobId per spec, destroys, and exits 0."""
    env = isolated_env(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT,
        env={**env, "POLICYGEN_DEMO_JOB_SECONDS": "0.5"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "app-role: " in result.stdout
    assert "ci-deployer: " in result.stdout
    assert "Demo complete: 2 policy generation(s) started, one job each; all destroyed." in result.stdout


def test_cdktf_diff_shows_the_request(tmp_path: Path, emulator: Emulator) -> None:
    """`cdktf diff` prints principal, access role, trails, Regions, window, and an unknown job_id."""
    env = isolated_env(tmp_path / "home", emulator.url)
    env["POLICYGEN_STATE"] = str(tmp_path / "state.tfstate")
    result = run([str(CDKTF), "diff", "--output", str(tmp_path / "cdktf.out")], ROOT, env)
    plan = result.stdout
    assert 'principal_arn = "arn:aws:iam::123456789012:role/app"' in plan
    assert 'access_role   = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"' in plan
    assert 'cloud_trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"' in plan
    assert '"us-east-1"' in plan
    assert "all_regions     = true" in plan
    assert "lookback_days = 7" in plan
    assert "job_id        = (known after apply)" in plan
    assert emulator.backend.jobs() == []
